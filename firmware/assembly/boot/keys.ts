// Trust anchor: the Ed25519 public keys provisioned in flash (CONTRACTS.md "Trusted keys"). The
// table lives in the journal region's sector after the boot counter, i.e. at offset
// KEYS_OFFSET = 4096 rounded up to the erase sector (app/journal.ts's ring starts after it):
//   u32 magic "DKEY" (0x59454B44) | u32 count (1..KEYS_MAX) | count x 32-byte public key
// An erased first word (0xFFFFFFFF) means no keys: development mode, raw models are accepted.
// Anything else is a keyed board; a table that is unreadable or malformed trusts no key at all
// (fail closed: it refuses raw models and every signed image). Read once, at keysLoad().

import { flash_read, flash_region, flash_sector_size, REGION_JOURNAL } from "../hal/flash";
import { crypto_sha256 } from "../hal/crypto";

export const KEYS_MAGIC: u32 = 0x59454b44;
export const KEYS_MAX: u32 = 8;
/** Bytes of the journal region before the key table's sector (the boot counter). */
export const KEYS_OFFSET: u32 = 4096;
const KEY_BYTES: u32 = 32;

const region: usize = memory.data(8);
const head: usize = memory.data(8);
const table: usize = memory.data(<i32>(KEYS_MAX * KEY_BYTES));
const digest: usize = memory.data(32);
let provisioned = false;
let count: u32 = 0;

/** Reads the key table from flash (call once at boot, before any BEGIN). */
export function keysLoad(): void {
  provisioned = false;
  count = 0;
  if (flash_region(REGION_JOURNAL, region) < 0) return;
  const sector = flash_sector_size();
  if (sector < 8 + KEYS_MAX * KEY_BYTES || (sector & (sector - 1)) != 0) return; // unusable sector size
  const base = load<u32>(region) + ((KEYS_OFFSET + sector - 1) & ~(sector - 1));
  const size = load<u32>(region, 4);
  if (<u64>base + <u64>sector > <u64>load<u32>(region) + <u64>size) return; // no room: development mode
  if (flash_read(base, head, 8) < 0) {
    provisioned = true; // cannot tell: trust nothing
    return;
  }
  const magic = load<u32>(head);
  if (magic == 0xffffffff) return;
  provisioned = true;
  const n = load<u32>(head, 4);
  if (magic != KEYS_MAGIC || n == 0 || n > KEYS_MAX) return;
  if (flash_read(base + 8, table, n * KEY_BYTES) < 0) return;
  count = n;
}

/** True when the board has a key table (only signed images are accepted then). */
export function keysProvisioned(): bool { return provisioned; }

/** Number of usable trusted keys (0 in development mode or with a malformed table). */
export function keysCount(): u32 { return count; }

/**
 * The trusted public key whose key id (first 8 bytes of its SHA-256) equals the 8 bytes at
 * `kid`, as a pointer to its 32 bytes; 0 when no trusted key matches.
 */
export function keysFind(kid: usize): usize {
  for (let i: u32 = 0; i < count; i++) {
    const pub = table + <usize>(i * KEY_BYTES);
    if (crypto_sha256(pub, KEY_BYTES, digest) < 0) return 0;
    if (memory.compare(digest, kid, 8) == 0) return pub;
  }
  return 0;
}
