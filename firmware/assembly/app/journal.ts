// Outgoing journal: a bounded ring of records in the flash "journal" region (CONTRACTS.md
// "Journal region"), so that alerts (and telemetry while offline) survive broker outages and
// power cuts until the network acknowledges them.
//
// The ring starts after the boot counter and key-table sectors and is a whole number of erase
// sectors (size from flash_sector_size), without the region's last sector when that holds the
// site settings (app/site.ts). Records never span sectors; each is
//   0 u32 magic "DJR1" | 4 u16 length | 6 u8 kind | 7 u8 0xFF | 8 u32 seq | 12 u32 wseq
//   16 u32 crc32 (bytes 0..16 + payload) | 20 u32 commit | 24 u32 done | 28 payload, padded to 4.
// seq orders the records (oldest first, kept when a record is copied), wseq numbers every write
// (the newest write marks the head sector after a reboot). The commit word is programmed last,
// after a read-back check, so a power cut mid-write leaves no valid half record; a sector holding
// anything that is not a committed record takes no more writes. done is cleared to 0 when the
// record was delivered or dropped (NOR: bits only cleared, no erase).
// Room: the sector after the head is always erased. Moving the head into it first reclaims the
// next (oldest-written) sector: its live telemetry is dropped (the oldest telemetry of the journal)
// and its live alerts are copied to the head, then it is erased. Alerts are dropped (oldest of
// that sector first) only when no live telemetry is left or a whole turn of the ring freed too
// little. Every drop is counted (journalLost).

import { flash_read, flash_write, flash_erase, flash_region, flash_sector_size, REGION_JOURNAL } from "../hal/flash";
import { crc32Update, crc32Final, CRC32_INIT } from "../boot/crc32";
import { siteReservedSectors } from "./site";
import * as S from "../status";

/** Record kind of an alert (published QoS 1, kept until acknowledged). */
export const JKIND_ALERT: u8 = 1;
/** Record kind of a telemetry payload (QoS 0, journaled while offline, dropped first). */
export const JKIND_TELEMETRY: u8 = 2;
/** Largest payload a record holds (the JSON writer's buffer). */
export const JOURNAL_MAX_PAYLOAD: u32 = 768;
/** Live records the RAM index tracks; beyond it the oldest telemetry (then alert) is dropped. */
export const JOURNAL_MAX_RECORDS: i32 = 512;
/** Bytes of the boot counter at the start of the region (the key table's sector follows). */
export const BOOT_COUNTER_BYTES: u32 = 4096;
/** Record magic "DJR1". */
export const JOURNAL_MAGIC: u32 = 0x31524a44;
/** Value of a record's commit word once it is complete (written last). */
export const JOURNAL_COMMIT: u32 = 0x0000a5a5;
const HDR: u32 = 28;
const MAX_SECTORS: u32 = 64;

const region: usize = memory.data(8);
const hdr: usize = memory.data(28);
const word: usize = memory.data(4);
/** Payload staging for copies and read-back checks. */
const buf: usize = memory.data(768);
// RAM index, in seq order from ixHead; kind 0 = a removed entry.
const ixAddr: usize = memory.data(513 * 4);
const ixSeq: usize = memory.data(513 * 4);
const ixWseq: usize = memory.data(513 * 4);
const ixLen: usize = memory.data(513 * 2);
const ixKind: usize = memory.data(513);
const secUsed: usize = memory.data(64);

let ready = false;
let ringBase: u32 = 0;
let sector: u32 = 0;
let nSec: u32 = 0;
let head: u32 = 0;
let headOff: u32 = 0;
let nextSeq: u32 = 1;
let bootSeq: u32 = 1; // records with a lower seq were stored before this boot
let nextW: u32 = 1;
let ixHead: i32 = 0;
let ixCount: i32 = 0; // slots in use (incl. removed ones)
let live: i32 = 0;
let liveAlerts: i32 = 0;
let lost: i64 = 0;

function recSize(len: u32): u32 { return (HDR + len + 3) & ~3; }
function secAddr(s: u32): u32 { return ringBase + s * sector; }
function slot(i: i32): i32 { return (ixHead + i) % JOURNAL_MAX_RECORDS; }
function eAddr(i: i32): u32 { return load<u32>(ixAddr + (<usize>slot(i) << 2)); }
function eSeq(i: i32): u32 { return load<u32>(ixSeq + (<usize>slot(i) << 2)); }
function eLen(i: i32): u32 { return <u32>load<u16>(ixLen + (<usize>slot(i) << 1)); }
function eKind(i: i32): u8 { return load<u8>(ixKind + <usize>slot(i)); }
function inSector(a: u32, s: u32): bool { return a >= secAddr(s) && a < secAddr(s) + sector; }

/** True once journalInit found a usable ring (never fails). */
export function journalReady(): bool { return ready; }
/** Live (undelivered) records. */
export function journalCount(): i32 { return live; }
/** Live alerts. */
export function journalAlerts(): i32 { return liveAlerts; }
/** Records dropped to make room since boot (telemetry first, alerts last). */
export function journalLost(): i64 { return lost; }

/** Index position of the oldest live record, or -1. */
function oldest(): i32 {
  while (ixCount > 0 && eKind(0) == 0) {
    ixHead = (ixHead + 1) % JOURNAL_MAX_RECORDS;
    ixCount--;
  }
  return ixCount > 0 ? 0 : -1;
}

/** Copies index slot a to slot b (slot JOURNAL_MAX_RECORDS is the spare used by swaps). */
function copyEntry(b: i32, a: i32): void {
  store<u32>(ixAddr + (<usize>b << 2), load<u32>(ixAddr + (<usize>a << 2)));
  store<u32>(ixSeq + (<usize>b << 2), load<u32>(ixSeq + (<usize>a << 2)));
  store<u32>(ixWseq + (<usize>b << 2), load<u32>(ixWseq + (<usize>a << 2)));
  store<u16>(ixLen + (<usize>b << 1), load<u16>(ixLen + (<usize>a << 1)));
  store<u8>(ixKind + <usize>b, load<u8>(ixKind + <usize>a));
}

/** Removes entries marked removed, keeping the order. */
function compact(): void {
  let w = 0;
  for (let r = 0; r < ixCount; r++) {
    if (eKind(r) == 0) continue;
    if (w != r) copyEntry(slot(w), slot(r));
    w++;
  }
  ixCount = w;
}

function push(addr: u32, seq: u32, wseq: u32, len: u32, kind: u8): void {
  const k = slot(ixCount++);
  store<u32>(ixAddr + (<usize>k << 2), addr);
  store<u32>(ixSeq + (<usize>k << 2), seq);
  store<u32>(ixWseq + (<usize>k << 2), wseq);
  store<u16>(ixLen + (<usize>k << 1), <u16>len);
  store<u8>(ixKind + <usize>k, kind);
  live++;
  if (kind == JKIND_ALERT) liveAlerts++;
}

/** Clears the done word of entry i and removes it; `drop` counts it as lost. */
function retire(i: i32, drop: bool): void {
  const k = eKind(i);
  if (k == 0) return;
  store<u32>(word, 0);
  flash_write(eAddr(i) + 24, word, 4); // a failed write only means a resend after a reboot
  store<u8>(ixKind + <usize>slot(i), 0);
  live--;
  if (k == JKIND_ALERT) liveAlerts--;
  if (drop) lost++;
}

/**
 * Writes one record at the head (header, payload, read-back check, then the commit word).
 * Returns OK, or E_FLASH when the write or its check failed (the head sector is then closed).
 */
function writeRecord(kind: u8, seq: u32, src: usize, len: u32): i32 {
  const addr = secAddr(head) + headOff;
  store<u32>(hdr, JOURNAL_MAGIC);
  store<u16>(hdr, <u16>len, 4);
  store<u8>(hdr, kind, 6);
  store<u8>(hdr, 0xff, 7);
  store<u32>(hdr, seq, 8);
  store<u32>(hdr, nextW, 12);
  let c = CRC32_INIT;
  for (let i: u32 = 0; i < 16; i++) c = crc32Update(c, load<u8>(hdr + i));
  for (let i: u32 = 0; i < len; i++) c = crc32Update(c, load<u8>(src + i));
  const crc = crc32Final(c);
  store<u32>(hdr, crc, 16);
  headOff += recSize(len);
  store<u8>(secUsed + <usize>head, 1);
  store<u32>(word, JOURNAL_COMMIT);
  if (flash_write(addr, hdr, 20) < 0 || flash_write(addr + HDR, src, len) < 0 ||
      checkRecord(addr, len) != crc || flash_write(addr + 20, word, 4) < 0) {
    headOff = sector; // a half record closes its sector (a boot scan stops there too)
    return S.E_FLASH;
  }
  nextW++;
  return S.OK;
}

/** CRC of the record at addr as stored (header bytes 0..16 + `len` payload bytes); 0 on a read error. */
function checkRecord(addr: u32, len: u32): u32 {
  if (flash_read(addr, hdr, 16) < 0 || flash_read(addr + HDR, buf, len) < 0) return 0;
  let c = CRC32_INIT;
  for (let i: u32 = 0; i < 16; i++) c = crc32Update(c, load<u8>(hdr + i));
  for (let i: u32 = 0; i < len; i++) c = crc32Update(c, load<u8>(buf + i));
  return crc32Final(c);
}

/**
 * Frees sector t for the head: drops its live telemetry, copies its live alerts to the head
 * (dropping the oldest of them first when `force` and they would leave no room for `need`
 * bytes), then erases it. Status of the erase.
 */
function reclaim(t: u32, need: u32, force: bool): i32 {
  let alertBytes: u32 = 0;
  for (let i = 0; i < ixCount; i++) {
    if (eKind(i) == 0 || !inSector(eAddr(i), t)) continue;
    if (eKind(i) == JKIND_TELEMETRY) retire(i, true);
    else alertBytes += recSize(eLen(i));
  }
  for (let i = 0; i < ixCount; i++) {
    if (eKind(i) == 0 || !inSector(eAddr(i), t)) continue;
    const size = recSize(eLen(i));
    if (force && alertBytes + need > sector - headOff) {
      alertBytes -= size;
      retire(i, true);
      continue;
    }
    const len = eLen(i);
    if (headOff + size > sector || flash_read(eAddr(i) + HDR, buf, len) < 0) {
      retire(i, true);
      continue;
    }
    const addr = secAddr(head) + headOff;
    const seq = eSeq(i);
    const w = nextW;
    if (writeRecord(JKIND_ALERT, seq, buf, len) != S.OK) {
      retire(i, true);
      continue;
    }
    store<u32>(ixAddr + (<usize>slot(i) << 2), addr);
    store<u32>(ixWseq + (<usize>slot(i) << 2), w);
    alertBytes -= size;
  }
  store<u8>(secUsed + <usize>t, 0);
  return flash_erase(secAddr(t), sector) < 0 ? S.E_FLASH : S.OK;
}

/** Moves the head into the erased sector after it and reclaims the one after that. */
function advance(need: u32, force: bool): i32 {
  head = (head + 1) % nSec;
  headOff = 0;
  store<u8>(secUsed + <usize>head, 1);
  const t = (head + 1) % nSec;
  if (load<u8>(secUsed + <usize>t) == 0) return S.OK;
  return reclaim(t, need, force);
}

/** Drops the oldest live record of `kind` (0 = any); false when there is none. */
function dropOldest(kind: u8): bool {
  for (let i = 0; i < ixCount; i++) {
    const k = eKind(i);
    if (k != 0 && (kind == 0 || k == kind)) {
      retire(i, true);
      return true;
    }
  }
  return false;
}

/**
 * Appends a record (payload [ptr, ptr+len)) durably: when this returns OK the record survives a
 * power cut. Makes room by dropping (and counting) the oldest telemetry first, alerts last.
 * Returns OK, E_STATE before a successful journalInit, E_TOO_LARGE for a payload over
 * JOURNAL_MAX_PAYLOAD, or E_FLASH when flash failed twice (the record is then not stored).
 */
export function journalAppend(kind: u8, ptr: usize, len: u32): i32 {
  if (!ready) return S.E_STATE;
  if (len > JOURNAL_MAX_PAYLOAD) return S.E_TOO_LARGE;
  if (ixCount >= JOURNAL_MAX_RECORDS) compact();
  if (ixCount >= JOURNAL_MAX_RECORDS && !dropOldest(JKIND_TELEMETRY)) dropOldest(0);
  if (ixCount >= JOURNAL_MAX_RECORDS) compact();
  const need = recSize(len);
  let st = S.E_FLASH;
  for (let attempt = 0; attempt < 2 && st != S.OK; attempt++) {
    let turns: u32 = 0;
    while (headOff + need > sector) {
      advance(need, turns >= nSec || live == liveAlerts); // no telemetry left: drop alerts now
      turns++;
    }
    const addr = secAddr(head) + headOff;
    st = writeRecord(kind, nextSeq, ptr, len);
    if (st == S.OK) push(addr, nextSeq++, nextW - 1, len, kind);
  }
  return st;
}

/** Index position (>= 0) of the oldest live record, or -1 when the journal is empty. */
export function journalOldest(): i32 { return ready ? oldest() : -1; }
/** Kind of the record at index position i. */
export function journalKind(i: i32): u8 { return eKind(i); }
/** seq of the record at index position i (its identity for journalDone). */
export function journalSeq(i: i32): u32 { return eSeq(i); }
/** True when the record at index position i was stored in this boot (false: before a reboot). */
export function journalThisBoot(i: i32): bool { return eSeq(i) >= bootSeq; }

/**
 * Reads the payload of the record at index position i into dst (cap bytes) and checks its CRC.
 * Returns its length, or E_FLASH when it cannot be read or no longer matches (the caller drops it).
 */
export function journalRead(i: i32, dst: usize, cap: u32): i32 {
  const len = eLen(i);
  if (len > cap || flash_read(eAddr(i), hdr, HDR) < 0 || flash_read(eAddr(i) + HDR, dst, len) < 0) return S.E_FLASH;
  const want = load<u32>(hdr, 16);
  let c = CRC32_INIT;
  for (let k: u32 = 0; k < 16; k++) c = crc32Update(c, load<u8>(hdr + k));
  for (let k: u32 = 0; k < len; k++) c = crc32Update(c, load<u8>(dst + k));
  return crc32Final(c) == want ? <i32>len : S.E_FLASH;
}

/** Marks the live record with this seq delivered (`drop` false) or dropped and counted (true). */
export function journalDone(seq: u32, drop: bool): void {
  for (let i = 0; i < ixCount; i++) {
    if (eKind(i) != 0 && eSeq(i) == seq) {
      retire(i, drop);
      return;
    }
  }
}

/** Scans sector s: indexes its committed live records; returns the offset after the last record, or `sector` when closed. */
function scan(s: u32, best: usize): u32 {
  let off: u32 = 0;
  while (off + HDR <= sector) {
    const a = secAddr(s) + off;
    if (flash_read(a, hdr, HDR) < 0) return sector;
    let blank = true;
    for (let k: u32 = 0; k < HDR; k += 4) if (load<u32>(hdr + k) != 0xffffffff) blank = false;
    if (blank) return off;
    store<u8>(secUsed + <usize>s, 1);
    const len = <u32>load<u16>(hdr, 4);
    if (load<u32>(hdr) != JOURNAL_MAGIC || len > JOURNAL_MAX_PAYLOAD || off + recSize(len) > sector) return sector;
    const kind = load<u8>(hdr, 6), seq = load<u32>(hdr, 8), wseq = load<u32>(hdr, 12);
    const crc = load<u32>(hdr, 16), commit = load<u32>(hdr, 20), done = load<u32>(hdr, 24);
    if (commit != JOURNAL_COMMIT || checkRecord(a, len) != crc) return sector;
    if (seq >= nextSeq) nextSeq = seq + 1;
    if (wseq >= nextW) {
      nextW = wseq + 1;
      store<u32>(best, s);
    }
    if (done == 0xffffffff && ixCount < JOURNAL_MAX_RECORDS && (kind == JKIND_ALERT || kind == JKIND_TELEMETRY)) {
      push(a, seq, wseq, len, kind);
    }
    off += recSize(len);
  }
  return sector;
}

/** Sorts the index by seq (insertion sort, boot only) and drops copies (same seq: older write). */
function sortIndex(): void {
  for (let i = 1; i < ixCount; i++) {
    for (let j = i; j > 0 && eSeq(j - 1) > eSeq(j); j--) {
      copyEntry(JOURNAL_MAX_RECORDS, slot(j - 1));
      copyEntry(slot(j - 1), slot(j));
      copyEntry(slot(j), JOURNAL_MAX_RECORDS);
    }
  }
  for (let i = 1; i < ixCount; i++) {
    if (eSeq(i) != eSeq(i - 1)) continue;
    const older = load<u32>(ixWseq + (<usize>slot(i) << 2)) < load<u32>(ixWseq + (<usize>slot(i - 1) << 2)) ? i : i - 1;
    const k = eKind(older);
    store<u8>(ixKind + <usize>slot(older), 0); // not lost: the copy stays
    live--;
    if (k == JKIND_ALERT) liveAlerts--;
  }
  compact();
}

/**
 * Boot: finds the ring in the journal region, indexes the live records (oldest first), erases
 * sectors holding none, and finds the head (the sector of the newest write). Returns OK, or
 * E_FLASH when the region or the sector size is unusable (fewer than 2 ring sectors, a record
 * would not fit a sector) or flash fails; the journal then stays off (journalReady false).
 */
export function journalInit(): i32 {
  ready = false;
  ixHead = ixCount = live = liveAlerts = 0;
  nextSeq = nextW = 1;
  sector = flash_sector_size();
  if (sector < recSize(JOURNAL_MAX_PAYLOAD) || (sector & (sector - 1)) != 0) return S.E_FLASH;
  if (flash_region(REGION_JOURNAL, region) < 0) return S.E_FLASH;
  const base = load<u32>(region), size = load<u32>(region, 4);
  const skip = ((BOOT_COUNTER_BYTES + sector - 1) & ~(sector - 1)) + sector; // boot counter, key table
  if (size < skip + 2 * sector) return S.E_FLASH;
  ringBase = base + skip;
  const avail = (size - skip) / sector;
  nSec = min<u32>(avail - siteReservedSectors(avail), MAX_SECTORS); // the last sector: site settings
  const best: usize = memory.data(4);
  store<u32>(best, 0);
  let bestEnd: u32 = 0;
  for (let s: u32 = 0; s < nSec; s++) {
    store<u8>(secUsed + <usize>s, 0);
    const before = nextW;
    const end = scan(s, best);
    if (nextW != before && load<u32>(best) == s) bestEnd = end;
  }
  sortIndex();
  bootSeq = nextSeq;
  head = load<u32>(best);
  headOff = bestEnd;
  for (let s: u32 = 0; s < nSec; s++) {
    if (load<u8>(secUsed + <usize>s) == 0) continue;
    let has = false;
    for (let i = 0; i < ixCount && !has; i++) has = eKind(i) != 0 && inSector(eAddr(i), s);
    if (has) continue;
    if (flash_erase(secAddr(s), sector) < 0) return S.E_FLASH;
    store<u8>(secUsed + <usize>s, 0);
    if (s == head) headOff = 0;
  }
  ready = true;
  // A cut during a reclaim leaves the sector after the head in use: finish that reclaim now,
  // into the head when the rest fits there, else into the next erased sector.
  if (load<u8>(secUsed + <usize>((head + 1) % nSec)) != 0) {
    const t = (head + 1) % nSec;
    let bytes: u32 = 0;
    for (let i = 0; i < ixCount; i++) if (eKind(i) != 0 && inSector(eAddr(i), t)) bytes += recSize(eLen(i));
    for (let k: u32 = 1; k < nSec && headOff + bytes > sector; k++) {
      const e = (head + k) % nSec;
      if (load<u8>(secUsed + <usize>e) != 0) continue;
      head = e;
      headOff = 0;
      store<u8>(secUsed + <usize>e, 1);
    }
    const t2 = (head + 1) % nSec;
    if (load<u8>(secUsed + <usize>t2) != 0 && reclaim(t2, 0, false) != S.OK) {
      ready = false;
      return S.E_FLASH;
    }
  }
  return S.OK;
}
