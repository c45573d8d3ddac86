// A/B firmware slots (docs/flash-protocol.md "Firmware slots"): flash regions slotA and slotB each
// hold one firmware image (the .wasm, or a signed DIMG image of type firmware wrapping it) at
// +4096 behind a header sector of write-once words (NOR: bits are only cleared between erases):
//   0 magic "DFWS" | 4 length | 8 sha256[32] (of the .wasm) | 40 data off | 44 version (3 x u16, marker)
//   52 self-test kind | 56 model sha8 | 64 output sha8 | 72 generation
//   76 COMMITTED | 80 PENDING | 84 TRIED | 88 CONFIRMED | 92 REVOKED   (each 0x0000A5A5 once set)
// BEGIN (slot 1) erases the slot the board does not run from; FINISH verifies the image in flash
// and sets COMMITTED; ACTIVATE (fwcmd.ts) records the self-test expectation and the generation,
// then sets PENDING. The boot ROM (MCUboot / ROM bootloader; host/src/sim/bootrom.ts in the sim)
// sets TRIED when it starts a pending slot in test mode and rolls back when it finds TRIED without
// CONFIRMED. Transfers use the same WRITE semantics as the model slot (contiguous prefix + extents).

import { flash_erase, flash_read, flash_write, flash_region, REGION_SLOT_A, REGION_SLOT_B } from "../hal/flash";
import { boot_slot, boot_test, boot_flash_sha256, boot_flash_ed25519_verify } from "../hal/boot";
import { keysProvisioned, keysFind } from "./keys";
import { signedStructure, signedFamilyFloor, signedHead, IMG_HEADER, IMG_SIG, IMG_TYPE_FIRMWARE } from "./signed";
import { packVersion } from "./banks";
import { rxAdd, rxReceived, rxReset, RX_TABLE_BYTES } from "./extents";
import * as S from "../status";

export const FW_MAGIC: u32 = 0x53574644; // "DFWS"
export const FW_MARK: u32 = 0x0000a5a5;
export const FW_HEADER_BYTES: u32 = 4096;
export const FW_DATA_OFF: u32 = 40;
export const FW_VERSION: u32 = 44;
export const FW_EXP_KIND: u32 = 52;
export const FW_EXP_MODEL: u32 = 56;
export const FW_EXP_OUT: u32 = 64;
export const FW_GEN: u32 = 72;
export const FW_COMMITTED: u32 = 76;
export const FW_PENDING: u32 = 80;
export const FW_TRIED: u32 = 84;
export const FW_CONFIRMED: u32 = 88;
export const FW_REVOKED: u32 = 92;
const HDR_READ: u32 = 96;
/** INFO state bits of a slot. */
export const ST_IMAGE: u8 = 1;
export const ST_COMMITTED: u8 = 2;
export const ST_PENDING: u8 = 4;
export const ST_TRIED: u8 = 8;
export const ST_CONFIRMED: u8 = 16;
export const ST_REVOKED: u8 = 32;
/** BEGIN formats (type & 15) of slot 1. */
const FORMAT_RAW: u8 = 1;
const FORMAT_SIGNED: u8 = 2;

const hdr: usize = memory.data(<i32>HDR_READ);
const word: usize = memory.data(16);
const img: usize = memory.data(<i32>IMG_HEADER);
const sig: usize = memory.data(<i32>IMG_SIG);
const digest: usize = memory.data(32);
const expectSha: usize = memory.data(32);
const region: usize = memory.data(8);
const rx: usize = memory.data(RX_TABLE_BYTES);

let slotAddr0: u32 = 0;
let slotAddr1: u32 = 0;
let slotSize0: u32 = 0;
let slotSize1: u32 = 0;
let configured = false;
let receiving = false;
let target: i32 = 0;
let format: u8 = 0;
let imageSize: u32 = 0;

/** Reads the slot regions once (HAL flash_region). False when the board has none. */
export function fwConfigure(): bool {
  if (configured) return true;
  if (flash_region(REGION_SLOT_A, region) < 0) return false;
  slotAddr0 = load<u32>(region);
  slotSize0 = load<u32>(region, 4);
  if (flash_region(REGION_SLOT_B, region) < 0) return false;
  slotAddr1 = load<u32>(region);
  slotSize1 = load<u32>(region, 4);
  configured = slotSize0 > FW_HEADER_BYTES && slotSize1 > FW_HEADER_BYTES;
  return configured;
}

/** Flash address of slot i's header sector. */
export function fwAddr(i: i32): u32 { return i == 0 ? slotAddr0 : slotAddr1; }
/** Image bytes slot i holds. */
export function fwCap(i: i32): u32 { return (i == 0 ? slotSize0 : slotSize1) - FW_HEADER_BYTES; }

/** Reads slot i's header words into the scratch buffer; false when unreadable. */
export function fwReadHeader(i: i32): bool {
  return fwConfigure() && flash_read(fwAddr(i), hdr, HDR_READ) >= 0;
}
/** The scratch header (valid after fwReadHeader). */
export function fwHdr(): usize { return hdr; }

/** State bits of slot i (ST_*); 0 for an erased or unreadable slot. */
export function fwState(i: i32): u8 {
  if (!fwReadHeader(i) || load<u32>(hdr) != FW_MAGIC) return 0;
  let s: u8 = ST_IMAGE;
  if (load<u32>(hdr, FW_COMMITTED) == FW_MARK) s |= ST_COMMITTED;
  if (load<u32>(hdr, FW_PENDING) == FW_MARK) s |= ST_PENDING;
  if (load<u32>(hdr, FW_TRIED) == FW_MARK) s |= ST_TRIED;
  if (load<u32>(hdr, FW_CONFIRMED) == FW_MARK) s |= ST_CONFIRMED;
  if (load<u32>(hdr, FW_REVOKED) == FW_MARK) s |= ST_REVOKED;
  return s;
}

/** Generation of slot i (0 when never activated). */
export function fwGen(i: i32): u32 {
  if (!fwReadHeader(i)) return 0;
  const g = load<u32>(hdr, FW_GEN);
  return g == 0xffffffff ? 0 : g;
}

/** True when slot i holds a committed, confirmed, not revoked image (a rollback target). */
export function fwGood(i: i32): bool {
  const s = fwState(i);
  return (s & ST_COMMITTED) != 0 && (s & ST_CONFIRMED) != 0 && (s & ST_REVOKED) == 0;
}

/** Version of slot i as banks.ts packVersion, 0 for none (raw image or empty slot). */
export function fwVersion(i: i32): u64 {
  if (!fwReadHeader(i) || load<u32>(hdr) != FW_MAGIC || load<u16>(hdr, FW_VERSION + 6) != 0) return 0;
  return packVersion(load<u16>(hdr, FW_VERSION), load<u16>(hdr, FW_VERSION + 2), load<u16>(hdr, FW_VERSION + 4));
}

/** Writes the 4-byte mark at `off` in slot i's header (one NOR program). OK or E_FLASH. */
export function fwMark(i: i32, off: u32, value: u32 = FW_MARK): i32 {
  store<u32>(word, value);
  return flash_write(fwAddr(i) + off, word, 4) < 0 ? S.E_FLASH : S.OK;
}

/** True when the running image is a slot in test mode (not yet confirmed). */
export function fwTesting(): bool {
  const r = boot_slot();
  return boot_test() == 1 && r >= 0 && r <= 1 && (fwState(r) & ST_CONFIRMED) == 0;
}

/** The slot a new image goes to: never the running one, nor the best fallback when the factory runs. */
export function fwTarget(): i32 {
  const r = boot_slot();
  if (r == 0 || r == 1) return 1 - r;
  if (fwGood(0) && (!fwGood(1) || fwGen(0) > fwGen(1))) return 1;
  return 0;
}

/** True while a firmware transfer is in progress (proto.ts routes WRITE/FINISH here). */
export function fwReceiving(): bool { return receiving; }
/** Bytes of the firmware transfer received (contiguous prefix). */
export function fwReceived(): u32 { return rxReceived(rx); }
/** Ends a firmware transfer (a model BEGIN started). */
export function fwAbort(): void { receiving = false; }

/**
 * BEGIN of slot 1: payload type u8 | size u32 | sha256[32] [| the signed image's 80-byte header].
 * Refuses a raw image on a keyed board (E_SIGNATURE), a test boot that is not confirmed yet
 * (E_STATE: its fallback must stay), a size the slot cannot hold (E_TOO_LARGE), a sent header that
 * is not a firmware image's, not this board's family or below the firmware floor (signedHead).
 * Erases the target slot only then (E_FLASH).
 */
export function fwBegin(p: usize, len: u32): i32 {
  if ((len != 37 && len != 37 + IMG_HEADER) || !fwConfigure()) return S.E_BOUNDS;
  const fmt = load<u8>(p) & 15;
  const size = load<u32>(p, 1);
  if ((fmt != FORMAT_RAW && fmt != FORMAT_SIGNED) || size == 0) return S.E_BOUNDS;
  if (fmt == FORMAT_RAW && keysProvisioned()) return S.E_SIGNATURE;
  if (fmt == FORMAT_SIGNED && size <= IMG_HEADER + IMG_SIG) return S.E_IMAGE;
  if (fwTesting()) return S.E_STATE;
  receiving = false;
  target = fwTarget();
  if (size > fwCap(target)) return S.E_TOO_LARGE;
  if (len > 37 && fmt == FORMAT_SIGNED) {
    const st = signedHead(p + 37, size, IMG_TYPE_FIRMWARE, fwFloor());
    if (st != S.OK) return st;
  }
  if (flash_erase(fwAddr(target), fwCap(target) + FW_HEADER_BYTES) < 0) return S.E_FLASH;
  memory.copy(expectSha, p + 5, 32);
  format = fmt;
  imageSize = size;
  rxReset(rx);
  receiving = true;
  return S.OK;
}

/** WRITE to the firmware transfer: offset u32 | data (same rules as the model slot's WRITE). */
export function fwWrite(p: usize, len: u32): i32 {
  if (!receiving) return S.E_STATE;
  if (len < 4) return S.E_BOUNDS;
  const off = load<u32>(p);
  const n = len - 4;
  if (<u64>off + <u64>n > <u64>imageSize) return S.E_TOO_LARGE;
  if (!rxAdd(rx, off, n)) return S.E_FRAME;
  return flash_write(fwAddr(target) + FW_HEADER_BYTES + off, p + 4, n) < 0 ? S.E_FLASH : S.OK;
}

/** The downgrade floor of firmware: the highest version of a good (confirmed, not revoked) slot. */
function fwFloor(): u64 {
  let f: u64 = 0;
  for (let i = 0; i < 2; i++) if (i != target && fwGood(i)) f = max<u64>(f, fwVersion(i));
  return f;
}

/** Checks a signed firmware image in place (header in `img`); sets payload len/version. */
function checkSigned(data: u32): i32 {
  if (flash_read(data, img, IMG_HEADER) < 0) return S.E_FLASH;
  let st = signedStructure(img, imageSize, IMG_TYPE_FIRMWARE);
  if (st != S.OK) return st;
  const len = load<u32>(img, 32);
  if (boot_flash_sha256(data + IMG_HEADER, len, digest) < 0) return S.E_FLASH;
  if (memory.compare(digest, img + 36, 32) != 0) return S.E_PAYLOAD_HASH;
  const pub = keysFind(img + 68);
  if (pub == 0) return S.E_KEY_UNKNOWN;
  if (flash_read(data + IMG_HEADER + len, sig, IMG_SIG) < 0) return S.E_FLASH;
  if (boot_flash_ed25519_verify(data, IMG_HEADER + len, sig, pub) != 1) return S.E_SIGNATURE;
  return signedFamilyFloor(img, fwFloor());
}

/** The payload starts with the WebAssembly magic and version 1. */
function isWasm(addr: u32): bool {
  if (flash_read(addr, word, 8) < 0) return false;
  return load<u32>(word) == 0x6d736100 && load<u32>(word, 4) == 1;
}

/**
 * FINISH of the firmware transfer: SHA-256 of the image in flash (E_HASH), a signed image's
 * checks (signed.ts order), a WebAssembly payload (E_BAD_MAGIC), then the header words and last
 * COMMITTED (the commit point). The running firmware is untouched; ACTIVATE selects the new slot.
 */
export function fwFinish(): i32 {
  if (!receiving || rxReceived(rx) != imageSize) return S.E_STATE;
  receiving = false;
  const data = fwAddr(target) + FW_HEADER_BYTES;
  if (boot_flash_sha256(data, imageSize, digest) < 0) return S.E_FLASH;
  if (memory.compare(digest, expectSha, 32) != 0) return S.E_HASH;
  let off: u32 = 0;
  let len = imageSize;
  if (format == FORMAT_SIGNED) {
    const st = checkSigned(data);
    if (st != S.OK) return st;
    off = IMG_HEADER;
    len = load<u32>(img, 32);
    memory.copy(digest, img + 36, 32);
  }
  if (!isWasm(data + off)) return S.E_BAD_MAGIC;
  const a = fwAddr(target);
  store<u32>(hdr, FW_MAGIC);
  store<u32>(hdr, len, 4);
  memory.copy(hdr + 8, digest, 32);
  store<u32>(hdr, off, FW_DATA_OFF);
  if (format == FORMAT_SIGNED) {
    memory.copy(hdr + FW_VERSION, img + 24, 6);
    store<u16>(hdr, 0, FW_VERSION + 6);
  } else {
    memory.fill(hdr + FW_VERSION, 0xff, 8);
  }
  if (flash_write(a, hdr, FW_EXP_KIND) < 0) return S.E_FLASH;
  return fwMark(target, FW_COMMITTED); // the commit point
}

/**
 * STATUS data of the firmware transfer (same layout as the model slot's): received u32 | size u32 |
 * sha8 | flags u8 | slot i8 (the target of the last BEGIN, -1 before any) | 16 zero bytes.
 */
export function fwStatus(d: usize): i32 {
  store<u32>(d, rxReceived(rx));
  store<u32>(d, imageSize, 4);
  memory.copy(d + 8, expectSha, 8);
  store<u8>(d, receiving ? 1 : 0, 16);
  store<i8>(d, imageSize == 0 ? -1 : <i8>target, 17);
  memory.fill(d + 18, 0, 16);
  return 34;
}
