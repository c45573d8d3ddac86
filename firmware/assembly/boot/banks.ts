// Two-bank model slot (docs/flash-protocol.md "Model slot banks"): the model region is split in
// two equal, sector-aligned banks; each bank is a CONTRACTS.md slot (header sector, data at +4096):
//   u32 magic "DMSL" | u32 length | u8[32] sha256 | u32 state | u32 generation
// A new image is written to the bank that does not hold the running model; the old bank is never
// touched, so a power cut at any point leaves the old model or (once committed) the new one. The
// commit is the single 4-byte write of `state` = VALID, after magic/length/sha/generation are
// stored and the image's SHA-256 was verified from flash. The newest valid bank (highest
// generation) wins at boot; an erased generation (0xFFFFFFFF, written by a v1 bootloader) is 0.
// A signed image (boot/signed.ts) is stored whole; the header then also records where the model
// starts in the data (u32 at 48, erased = 0) and the image's version (u16 major, minor, patch and
// a u16 marker 0 at 52..60; erased = no version, a raw model), the floor for downgrade checks.
// Several model slots (grid model, pack model) each have their own region and running bank:
// banksConfigureSlot sets one, banksSelect chooses the one the other functions act on.

import { flash_erase, flash_read, flash_write } from "../hal/flash";
import { crypto_sha256 } from "../hal/crypto";
import * as S from "../status";
import { Table } from "../table";

export const SLOT_MAGIC: u32 = 0x4c534d44;
export const SLOT_VALID: u32 = 0x0000a5a5;
export const SLOT_HEADER_BYTES: u32 = 4096;
/** Offsets in a bank header. */
export const HDR_STATE: u32 = 40;
export const HDR_GEN: u32 = 44;
export const HDR_DATA_OFF: u32 = 48;
export const HDR_VERSION: u32 = 52;
export const HDR_BYTES: u32 = 60;
/** Version value of a bank without one (a raw model): below every real version. */
export const NO_VERSION: u64 = 0;
const SECTOR: u32 = 4096;

/** Slots the bank functions can serve (BEGIN type >> 4: 0 grid model, 1 firmware, 2 pack model). */
export const MAX_SLOTS: i32 = 4;

// Per-slot state; the functions below act on the selected slot (banksSelect). Selecting is cheap,
// and every caller selects the slot it means before using the others (single-threaded firmware).
const slotRegAddr = changetype<Table<u32>>(memory.data(MAX_SLOTS * <i32>sizeof<u32>(), 8));
const slotBankSize = changetype<Table<u32>>(memory.data(MAX_SLOTS * <i32>sizeof<u32>(), 8));
const slotActive = changetype<Table<i32>>(memory.data(MAX_SLOTS * <i32>sizeof<i32>(), 8));
let selected: i32 = 0;
let regAddr: u32 = 0;
let bankSize: u32 = 0;
let active: i32 = -1;
const hdr: usize = memory.data(60);
const digest: usize = memory.data(32);

/** Sets slot 0's region (the grid model) and selects it; each bank gets half, in whole sectors. */
export function banksConfigure(regionAddr: u32, regionSize: u32): void {
  if (selected != 0) {
    unchecked(slotActive[selected] = active);
    selected = 0;
  }
  banksConfigureSlot(0, regionAddr, regionSize);
}

/**
 * Sets the region of `slot` (0..MAX_SLOTS-1; others are ignored): two banks of half the region,
 * rounded down to whole sectors. Its running bank is reset to none when the region changes (the
 * same region again keeps it: the bootloader re-configures at its first poll). Does not change the selection
 * unless `slot` is the selected one (then the new region applies at once).
 */
export function banksConfigureSlot(slot: i32, regionAddr: u32, regionSize: u32): void {
  if (slot < 0 || slot >= MAX_SLOTS) return;
  const size = (regionSize >> 1) & ~(SECTOR - 1);
  const same = unchecked(slotRegAddr[slot]) == regionAddr && unchecked(slotBankSize[slot]) == size;
  unchecked(slotRegAddr[slot] = regionAddr);
  unchecked(slotBankSize[slot] = size);
  if (!same) unchecked(slotActive[slot] = -1);
  if (slot == selected) {
    regAddr = regionAddr;
    bankSize = size;
    if (!same) active = -1;
  }
}

/**
 * Makes `slot` the one every other function of this module acts on. Returns false (selection
 * unchanged) when the slot is out of range or has no usable region (two banks larger than a header).
 */
export function banksSelect(slot: i32): bool {
  if (slot < 0 || slot >= MAX_SLOTS || unchecked(slotBankSize[slot]) <= SLOT_HEADER_BYTES) return false;
  if (slot == selected) return true;
  unchecked(slotActive[selected] = active);
  selected = slot;
  regAddr = unchecked(slotRegAddr[slot]);
  bankSize = unchecked(slotBankSize[slot]);
  active = unchecked(slotActive[slot]);
  return true;
}

/** The selected slot. */
export function banksSelected(): i32 { return selected; }

/** Flash address of bank i (0 or 1); its data starts SLOT_HEADER_BYTES later. */
export function bankAddr(i: i32): u32 { return regAddr + <u32>i * bankSize; }

/** Image capacity of one bank (0 when the region is too small for two banks). */
export function bankDataCap(): u32 { return bankSize > SLOT_HEADER_BYTES ? bankSize - SLOT_HEADER_BYTES : 0; }

/** Reads bank i's header into the scratch buffer; false when flash fails. */
function readHeader(i: i32): bool {
  return flash_read(bankAddr(i), hdr, HDR_BYTES) >= 0;
}

/**
 * Generation of bank i when its header is committed (magic, VALID state, length in 1..cap),
 * else 0. Does not check the SHA-256 (see bankVerify).
 */
export function bankGen(i: i32): u32 {
  if (bankSize == 0 || !readHeader(i)) return 0;
  if (load<u32>(hdr) != SLOT_MAGIC || load<u32>(hdr, HDR_STATE) != SLOT_VALID) return 0;
  const len = load<u32>(hdr, 4);
  const off = dataOff();
  if (len == 0 || off > bankDataCap() || len > bankDataCap() - off) return 0;
  const g = load<u32>(hdr, HDR_GEN);
  return g == 0xffffffff ? 1 : g + 1; // +1: a committed bank always ranks above "none"
}

/** Model offset in the data of the header in the scratch buffer (erased word = 0). */
function dataOff(): u32 {
  const o = load<u32>(hdr, HDR_DATA_OFF);
  return o == 0xffffffff ? 0 : o;
}

/** Offset of the model within bank i's data (0 for a raw model, 80 for a signed image). */
export function bankDataOff(i: i32): u32 {
  return readHeader(i) ? dataOff() : 0;
}

/**
 * Version of the image committed in bank i as (major << 32 | minor << 16 | patch) + 1, or
 * NO_VERSION when the bank is not committed or holds a raw model.
 */
export function bankVersion(i: i32): u64 {
  if (bankGen(i) == 0) return NO_VERSION;
  if (load<u16>(hdr, HDR_VERSION + 6) != 0) return NO_VERSION;
  return packVersion(load<u16>(hdr, HDR_VERSION), load<u16>(hdr, HDR_VERSION + 2), load<u16>(hdr, HDR_VERSION + 4));
}

/** A version triple as one comparable number (+1 so that 0.0.0 ranks above NO_VERSION). */
export function packVersion(major: u16, minor: u16, patch: u16): u64 {
  return ((<u64>major << 32) | (<u64>minor << 16) | <u64>patch) + 1;
}

/** The downgrade floor: the highest version committed in either bank (NO_VERSION if none). */
export function bankVersionFloor(): u64 {
  return max<u64>(bankVersion(0), bankVersion(1));
}

/** Image length recorded in bank i's header (0 when unreadable). */
export function bankLen(i: i32): u32 {
  return readHeader(i) ? load<u32>(hdr, 4) : 0;
}

/** Copies the SHA-256 recorded in bank i's header to dst (32 bytes); false when unreadable. */
export function bankSha(i: i32, dst: usize): bool {
  if (!readHeader(i)) return false;
  memory.copy(dst, hdr + 8, 32);
  return true;
}

/** The committed bank with the highest generation, or -1 when neither is committed. */
export function bankNewest(): i32 {
  const g0 = bankGen(0);
  const g1 = bankGen(1);
  if (g0 == 0 && g1 == 0) return -1;
  return g1 > g0 ? 1 : 0;
}

/** Next generation number to write (one above both banks). */
export function bankNextGen(): u32 {
  // bankGen ranks are stored generation + 1, so the highest rank is the next generation.
  return max<u32>(bankGen(0), bankGen(1));
}

/** Records which bank the running model came from (-1: none); BEGIN writes the other one. */
export function bankSetActive(i: i32): void { active = i; }
export function bankActive(): i32 { return active; }

/** The bank a new image goes to: never the running model's, else never the newest committed one. */
export function bankTarget(): i32 {
  let keep = active;
  if (keep < 0) keep = bankNewest();
  return keep < 0 ? 0 : 1 - keep;
}

/**
 * Reads bank i's image into [window, window+cap) and checks its SHA-256 against the header.
 * Returns OK, E_NO_MODEL (not committed), E_TOO_LARGE, E_FLASH or E_HASH.
 */
export function bankVerify(i: i32, window: usize, cap: u32): i32 {
  if (bankGen(i) == 0) return S.E_NO_MODEL;
  const len = load<u32>(hdr, 4);
  if (len > cap) return S.E_TOO_LARGE;
  if (flash_read(bankAddr(i) + SLOT_HEADER_BYTES + dataOff(), window, len) < 0) return S.E_FLASH;
  if (crypto_sha256(window, len, digest) < 0) return S.E_HASH;
  if (memory.compare(digest, hdr + 8, 32) != 0) return S.E_HASH;
  return S.OK;
}

/** Erases bank i (header sector and data) to 0xFF. OK or E_FLASH. */
export function bankErase(i: i32): i32 {
  return flash_erase(bankAddr(i), bankSize) < 0 ? S.E_FLASH : S.OK;
}

/**
 * Commits bank i (already erased, image written and verified): header fields first, then the
 * state word in one 4-byte write, the commit point. `len`/`sha` describe the model, which starts
 * `off` bytes into the data; `version` is 0 for a raw model (nothing more is written then, the
 * erased words read as offset 0, no version) or the signed image's (major<<32|minor<<16|patch)+1.
 * OK or E_FLASH (the bank stays uncommitted).
 */
export function bankCommit(i: i32, len: u32, sha: usize, gen: u32, off: u32 = 0, version: u64 = NO_VERSION): i32 {
  const a = bankAddr(i);
  store<u32>(hdr, SLOT_MAGIC);
  store<u32>(hdr, len, 4);
  memory.copy(hdr + 8, sha, 32);
  if (flash_write(a, hdr, 40) < 0) return S.E_FLASH;
  if (off != 0 || version != NO_VERSION) {
    const v = version - 1;
    store<u32>(hdr, off);
    store<u16>(hdr, <u16>(v >> 32), 4);
    store<u16>(hdr, <u16>(v >> 16), 6);
    store<u16>(hdr, <u16>v, 8);
    store<u16>(hdr, 0, 10);
    if (flash_write(a + HDR_DATA_OFF, hdr, 12) < 0) return S.E_FLASH;
  }
  store<u32>(hdr, gen);
  if (flash_write(a + HDR_GEN, hdr, 4) < 0) return S.E_FLASH;
  store<u32>(hdr, SLOT_VALID);
  if (flash_write(a + HDR_STATE, hdr, 4) < 0) return S.E_FLASH; // the commit point
  return S.OK;
}
