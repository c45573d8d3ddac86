// Site settings: the transformer's top-oil limit and its hysteresis for overload.warning, set by
// an operator (`set-limit` command, app/cmd.ts) and stored in flash so they survive a reboot.
// Without a stored setting the model metadata's limit applies (app/meta.ts).
//
// Storage: the last erase sector of the journal region, reserved when the region has room for it
// and a ring of at least 2 sectors (siteReservedSectors; app/journal.ts leaves it out of the ring).
// The sector is a log of 16-byte records, appended in order, the newest valid one wins:
//   0 u32 magic "DST1" | 4 i32 limit in 0.01 degC | 8 i32 hysteresis in 0.01 degC | 12 u32 crc32 of bytes 0..12
// A full sector is erased before the next write (a power cut right then loses the setting: the
// model's limit applies again). A torn record fails its CRC and is skipped.

import { flash_read, flash_write, flash_erase, flash_region, flash_sector_size, REGION_JOURNAL } from "../hal/flash";
import { crc32 } from "../boot/crc32";
import * as M from "./meta";
import * as S from "../status";

/** Record magic "DST1". */
export const SITE_MAGIC: u32 = 0x31545344;
/** Bytes per settings record. */
export const SITE_RECORD: u32 = 16;
/** Accepted top-oil limit, degC (inclusive). */
export const SITE_LIMIT_MIN_C: f64 = -50.0;
export const SITE_LIMIT_MAX_C: f64 = 150.0;
/** Accepted hysteresis, degC (inclusive). */
export const SITE_HYST_MIN_C: f64 = 0.0;
export const SITE_HYST_MAX_C: f64 = 20.0;
/** Bytes of the journal region before its ring (boot counter 4096, then the key table's sector). */
const BOOT_COUNTER_BYTES: u32 = 4096;

const rec: usize = memory.data(16);
const back: usize = memory.data(16);
const region: usize = memory.data(8);
let addr: u32 = 0; // 0: no settings sector on this board
let sector: u32 = 0;
let nextOff: u32 = 0;
let stored = false;
let limitCenti: i32 = 0;
let hystCenti: i32 = 0;

/**
 * Sectors at the end of the journal region kept for the settings, given `avail` sectors after the
 * boot counter and key table: 1 when the ring keeps at least 2, else 0 (no persistent settings).
 */
export function siteReservedSectors(avail: u32): u32 {
  return avail >= 3 ? 1 : 0;
}

/** The effective top-oil limit, degC: the stored site setting, else the model metadata's. */
export function siteLimitC(): f64 {
  return stored ? <f64>limitCenti / 100.0 : M.limitC;
}

/** The effective hysteresis for clearing overload.warning, degC. */
export function siteHysteresisC(): f64 {
  return stored ? <f64>hystCenti / 100.0 : M.hysteresisC;
}

/** True when a stored site setting overrides the model's limit. */
export function siteIsSet(): bool {
  return stored;
}

/** True when the board has a settings sector (set-limit can persist). */
export function siteAvailable(): bool {
  return addr != 0;
}

/** Reads the settings record at `off` into rec; true when it is complete and its CRC matches. */
function readRecord(off: u32): bool {
  if (flash_read(addr + off, rec, SITE_RECORD) < 0) return false;
  return load<u32>(rec) == SITE_MAGIC && load<u32>(rec, 12) == crc32(rec, 12);
}

/** True when the 16 bytes at `off` are erased. */
function blankAt(off: u32): bool {
  if (flash_read(addr + off, back, SITE_RECORD) < 0) return false;
  for (let i: u32 = 0; i < SITE_RECORD; i += 4) if (load<u32>(back + i) != 0xffffffff) return false;
  return true;
}

/**
 * Boot: finds the settings sector and loads the newest valid record. Returns OK (also when the
 * board has no settings sector or nothing is stored: the model's limit applies), E_FLASH on a
 * flash error (nothing loaded).
 */
export function siteInit(): i32 {
  addr = 0;
  stored = false;
  nextOff = 0;
  sector = flash_sector_size();
  if (sector < SITE_RECORD || (sector & (sector - 1)) != 0) return S.OK;
  if (flash_region(REGION_JOURNAL, region) < 0) return S.E_FLASH;
  const base = load<u32>(region), size = load<u32>(region, 4);
  const skip = ((BOOT_COUNTER_BYTES + sector - 1) & ~(sector - 1)) + sector;
  if (size < skip) return S.OK;
  const avail = (size - skip) / sector;
  if (siteReservedSectors(avail) == 0) return S.OK;
  addr = base + skip + (avail - 1) * sector;
  for (let off: u32 = 0; off + SITE_RECORD <= sector; off += SITE_RECORD) {
    if (blankAt(off)) break;
    nextOff = off + SITE_RECORD;
    if (!readRecord(off)) continue;
    limitCenti = load<i32>(rec, 4);
    hystCenti = load<i32>(rec, 8);
    stored = true;
  }
  return S.OK;
}

/** Rounds degC to 0.01 degC units. */
function centi(c: f64): i32 {
  return <i32>(c < 0 ? -Math.floor(-c * 100.0 + 0.5) : Math.floor(c * 100.0 + 0.5));
}

/**
 * Stores a new limit and hysteresis (degC) and makes them effective. Returns OK; E_RANGE when a
 * value is not finite or outside [SITE_LIMIT_MIN_C, SITE_LIMIT_MAX_C] / [SITE_HYST_MIN_C,
 * SITE_HYST_MAX_C] (the range of docs/schemas/cmd.schema.json; nothing changes); E_STATE when the
 * board has no settings sector; E_FLASH when the write or its read-back failed (the old values
 * stay in effect).
 */
export function siteSet(limitC: f64, hystC: f64): i32 {
  if (!isFinite(limitC) || !isFinite(hystC) || limitC < SITE_LIMIT_MIN_C || limitC > SITE_LIMIT_MAX_C ||
      hystC < SITE_HYST_MIN_C || hystC > SITE_HYST_MAX_C) return S.E_RANGE;
  if (addr == 0) return S.E_STATE;
  const l = centi(limitC), h = centi(hystC);
  if (nextOff + SITE_RECORD > sector) {
    if (flash_erase(addr, sector) < 0) return S.E_FLASH;
    nextOff = 0;
  }
  store<u32>(rec, SITE_MAGIC);
  store<i32>(rec, l, 4);
  store<i32>(rec, h, 8);
  store<u32>(rec, crc32(rec, 12), 12);
  const off = nextOff;
  nextOff += SITE_RECORD; // a failed write spoils this slot: the next one goes after it
  if (flash_write(addr + off, rec, SITE_RECORD) < 0) return S.E_FLASH;
  if (!readRecord(off) || load<i32>(rec, 4) != l || load<i32>(rec, 8) != h) return S.E_FLASH;
  limitCenti = l;
  hystCenti = h;
  stored = true;
  return S.OK;
}
