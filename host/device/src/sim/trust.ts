/**
 * The board's trust anchor in flash (CONTRACTS.md "Trusted keys"): a key table in the journal
 * region's sector after the boot counter (offset 4096 rounded up to the erase sector):
 * `u32 magic "DKEY" (0x59454B44) | u32 count (1..8) | count x 32-byte Ed25519 public key`.
 * An erased sector (first word 0xFFFFFFFF) means no keys: the board is in development mode and
 * accepts unsigned (raw .tflite) models. The simulator provisions the table straight into the
 * flash file before the firmware boots, like a factory programming step.
 */
import { InputError } from '@dendra/core/errors.ts';
import type { Board } from '../boards/board.ts';
import type { FlashFile } from './flashfile.ts';

/** Magic of the key table ("DKEY" as little-endian u32). */
export const KEYS_MAGIC = 0x59454b44;
/** Bytes of the journal region before the key table's sector (the boot counter). */
export const KEYS_OFFSET = 4096;
/** Most keys a board trusts. */
export const MAX_TRUSTED_KEYS = 8;
/** Ed25519 public key size. */
const KEY_BYTES = 32;

/** A trusted key: raw 32 bytes, or an object carrying them (e.g. a parsed public key file). */
export type TrustedKey = Uint8Array | { publicKey: Uint8Array };

/** What the board's flash holds: null = no table (development mode), else the trusted keys. */
export type KeyTable = Uint8Array[] | null;

function keyBytes(k: TrustedKey): Uint8Array {
  return k instanceof Uint8Array ? k : k.publicKey;
}

/**
 * Flash address of the key table's sector (journal + 4096 rounded up to a sector), or null when
 * the journal region has no room for it or the sector is too small for 8 keys. Never throws.
 */
export function keyTableAddr(board: Board): number | null {
  const j = board.flash.regions.journal;
  const sector = board.flash.sectorBytes;
  const off = Math.ceil(KEYS_OFFSET / sector) * sector;
  if (sector < 8 + MAX_TRUSTED_KEYS * KEY_BYTES || off + sector > j.size) return null;
  return j.addr + off;
}

function tableAddr(board: Board): number {
  const a = keyTableAddr(board);
  if (a === null) throw new InputError('E_TRUST', `board ${board.name} has no room for a key table (the journal region needs a sector after the boot counter)`);
  return a;
}

/**
 * Encodes the key table for `keys` (1..8 keys of 32 bytes).
 * @throws InputError `E_TRUST` for no key, too many, or a key that is not 32 bytes.
 */
export function encodeKeyTable(keys: readonly TrustedKey[]): Uint8Array {
  if (keys.length < 1 || keys.length > MAX_TRUSTED_KEYS) {
    throw new InputError('E_TRUST', `a board trusts 1..${MAX_TRUSTED_KEYS} keys, got ${keys.length}`);
  }
  const out = new Uint8Array(8 + keys.length * KEY_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, KEYS_MAGIC, true);
  dv.setUint32(4, keys.length, true);
  keys.forEach((k, i) => {
    const b = keyBytes(k);
    if (b.length !== KEY_BYTES) throw new InputError('E_TRUST', `trusted key ${i + 1} is ${b.length} bytes, an Ed25519 public key is 32`);
    out.set(b, 8 + i * KEY_BYTES);
  });
  return out;
}

/**
 * Provisions the board's trusted keys in `flash`: erases the key sector, then writes the table.
 * An empty list leaves the sector erased (development mode).
 * @throws InputError `E_TRUST` (see {@link encodeKeyTable}, or no room in the journal region),
 *   `E_FLASH_FILE` when the flash file rejects the erase or write.
 */
export function provisionKeys(flash: FlashFile, board: Board, keys: readonly TrustedKey[]): void {
  const table = keys.length === 0 ? null : encodeKeyTable(keys);
  const addr = tableAddr(board);
  if (flash.erase(addr, board.flash.sectorBytes) !== 0 || (table && flash.write(addr, table) !== 0)) {
    throw new InputError('E_FLASH_FILE', `cannot write the key table to flash file ${flash.path}`, flash.path);
  }
}

/**
 * Reads the key table from `flash`: null when the sector is erased or the journal has no room
 * for one (development mode), else the keys (an empty list for a malformed table: the firmware
 * then trusts no key at all). Never throws.
 */
export function readKeyTable(flash: FlashFile, board: Board): KeyTable {
  const addr = keyTableAddr(board);
  if (addr === null) return null;
  const head = new Uint8Array(8);
  if (flash.read(addr, head) !== 0) return [];
  const dv = new DataView(head.buffer);
  const magic = dv.getUint32(0, true);
  if (magic === 0xffffffff) return null;
  const n = dv.getUint32(4, true);
  if (magic !== KEYS_MAGIC || n < 1 || n > MAX_TRUSTED_KEYS) return [];
  const keys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = new Uint8Array(KEY_BYTES);
    if (flash.read(addr + 8 + i * KEY_BYTES, k) !== 0) return [];
    keys.push(k);
  }
  return keys;
}
