// Model slot commands of serial protocol v1 (CONTRACTS.md "Model slot in flash"): BEGIN, WRITE,
// FINISH and STATUS of a model slot (0 the grid model, 2 the pack model), dispatched by proto.ts.
// BEGIN type 1 is a raw model (refused with E_SIGNATURE on a board with trusted keys), type 2 a
// signed image (boot/signed.ts): stored whole, verified at FINISH, only its payload is the model;
// the image's first bytes sent with BEGIN are checked before the bank is erased (a signed image's
// 80-byte header; a raw model's first 8 bytes, its "TFL3" identifier). WRITEs may
// come out of order: `received` is the contiguous prefix, later extents wait until the hole fills.

import { flash_read, flash_write } from "../hal/flash";
import { crypto_sha256 } from "../hal/crypto";
import {
  bankAddr, bankDataCap, bankTarget, bankErase, bankCommit, bankNextGen, bankNewest, bankGen, bankLen,
  bankSha, bankSetActive, banksSelect, banksSelected, bankVersion, MAX_SLOTS, SLOT_HEADER_BYTES,
} from "./banks";
import { keysProvisioned } from "./keys";
import { signedCheck, signedHead, signedPayloadLen, signedVersion, IMG_HEADER, IMG_SIG, IMG_TYPE_MODEL } from "./signed";
import { fwAbort } from "./fwslot";
import { rxAdd, rxReceived, rxReset, RX_TABLE_BYTES } from "./extents";
import { Table } from "../table";
import * as S from "../status";

export const IMAGE_MODEL: u8 = 1;
/** BEGIN type of a signed model image (DIMG header || .tflite || Ed25519 signature). */
export const IMAGE_SIGNED_MODEL: u8 = 2;
/** STATUS flags bit 0: a transfer is in progress (BEGIN accepted, FINISH not yet run). */
export const STATUS_RECEIVING: u8 = 1;

/** Validates (and may load) the image at [ptr, ptr+len); returns a status. */
export type Validator = (ptr: usize, len: u32) => i32;
/** Called before the model window is overwritten (the running model must let go of it). */
export type Release = () => void;

function noValidate(ptr: usize, len: u32): i32 { return S.E_NO_MODEL; }
function noRelease(): void {}

const digest: usize = memory.data(32);
const expectSha: usize = memory.data(32);
/** Model window per slot (BEGIN type >> 4; 0 = grid model, 2 = pack model); 0 = no such slot. */
const slotWin = changetype<Table<usize>>(memory.data(MAX_SLOTS * <i32>sizeof<usize>(), 8));
const slotWinCap = changetype<Table<u32>>(memory.data(MAX_SLOTS * <i32>sizeof<u32>(), 8));
const rx: usize = memory.data(RX_TABLE_BYTES);
/** Window of the transfer's slot (set by BEGIN; FINISH reads the image back there). */
let winPtr: usize = 0;
/** Slot of the current (or last) transfer. */
let xferSlot: i32 = 0;
let validateFn: Validator = noValidate;
let releaseFn: Release = noRelease;
let receiving = false;
let target: i32 = 0;
let imageType: u8 = IMAGE_MODEL;
let imageSize: u32 = 0;
let changed = false;

/** Sets model slot `slot`'s RAM window (bootConfigureSlot; slot 0 through modelConfigure). */
export function modelConfigureSlot(slot: i32, window: usize, windowCap: u32): void {
  unchecked(slotWin[slot] = window);
  unchecked(slotWinCap[slot] = windowCap);
}

/** Sets slot 0's window, the validator run by FINISH and the release hook; ends any transfer. */
export function modelConfigure(window: usize, windowCap: u32, validate: Validator, release: Release): void {
  modelConfigureSlot(0, window, windowCap);
  xferSlot = 0;
  validateFn = validate;
  releaseFn = release;
  receiving = false;
}

/** Bytes slot 0 (the grid model) can hold: its window and its bank's data capacity (HELLO). */
export function modelCap0(): u32 {
  const prev = banksSelected();
  banksSelect(0);
  const c = min<u32>(unchecked(slotWinCap[0]), bankDataCap());
  banksSelect(prev);
  return c;
}

/** Slot of the current (or last) transfer: WRITE/FINISH/STATUS act on it. */
export function modelXferSlot(): i32 { return xferSlot; }
/** Bytes received in the current transfer (contiguous prefix). */
export function modelReceived(): u32 { return rxReceived(rx); }
/** True once FINISH gave up the window (or committed) since the last call; clears it. */
export function modelTakeChanged(): bool {
  const c = changed;
  changed = false;
  return c;
}
/** Ends a model transfer (a firmware BEGIN was accepted). */
export function modelAbort(): void { receiving = false; }
/** True while a model transfer is in progress. */
export function modelReceiving(): bool { return receiving; }

/**
 * BEGIN of a model slot: type u8 ((slot << 4) | format) | size u32 | sha256[32] [| signed header].
 * E_BOUNDS for an unknown slot or format or a zero size, E_SIGNATURE for a raw model on a keyed
 * board, E_IMAGE / E_TOO_LARGE for a size the format or slot cannot take, the header's refusals
 * (signedHead), E_FLASH when the erase fails. Erases the bank the running model is not in.
 */
export function modelBegin(p: usize, len: u32): i32 {
  const typeByte = load<u8>(p);
  const slot = <i32>(typeByte >> 4);
  const type = typeByte & 15;
  if (type != IMAGE_MODEL && type != IMAGE_SIGNED_MODEL) return S.E_BOUNDS;
  if (slot >= MAX_SLOTS || unchecked(slotWin[slot]) == 0 || !banksSelect(slot)) return S.E_BOUNDS;
  const size = load<u32>(p, 1);
  if (size == 0) return S.E_BOUNDS;
  if (type == IMAGE_MODEL && keysProvisioned()) return S.E_SIGNATURE; // only signed images here
  if (type == IMAGE_SIGNED_MODEL && size <= IMG_HEADER + IMG_SIG) return S.E_IMAGE;
  if (size > min<u32>(unchecked(slotWinCap[slot]), bankDataCap())) return S.E_TOO_LARGE;
  // The image's first bytes came with BEGIN: refuse before erasing. A raw model's first 8 must hold
  // "TFL3" at byte 4 (the validator checks the rest at FINISH); a signed image's 80 are its header.
  if (len > 37 && type == IMAGE_MODEL && load<u32>(p, 41) != 0x334c4654) return S.E_BAD_MAGIC;
  if (len == 37 + IMG_HEADER && type == IMAGE_SIGNED_MODEL) {
    // The floor FINISH will apply: the bank that stays (the target is erased before FINISH checks).
    const st = signedHead(p + 37, size, IMG_TYPE_MODEL, bankVersion(1 - bankTarget()));
    if (st != S.OK) return st;
  }
  receiving = false;
  xferSlot = slot;
  fwAbort(); // a model transfer replaces any firmware transfer
  winPtr = unchecked(slotWin[slot]);
  target = bankTarget(); // never the bank of the running (or newest) model
  if (bankErase(target) != S.OK) return S.E_FLASH;
  memory.copy(expectSha, p + 5, 32);
  imageSize = size;
  imageType = type;
  rxReset(rx);
  receiving = true;
  return S.OK;
}

/** WRITE: offset u32 | data. E_STATE without a transfer, E_TOO_LARGE past the size, E_FRAME too far ahead. */
export function modelWrite(p: usize, len: u32): i32 {
  if (!receiving) return S.E_STATE;
  if (len < 4) return S.E_BOUNDS;
  const off = load<u32>(p);
  const n = len - 4;
  if (<u64>off + <u64>n > <u64>imageSize) return S.E_TOO_LARGE;
  // `received` is the contiguous prefix (the resume point); a WRITE beyond a hole (a windowed host
  // lost an earlier frame) is stored and remembered as an extent until the hole is filled.
  if (!rxAdd(rx, off, n)) return S.E_FRAME; // too far ahead: NAK, resent later
  return flash_write(bankAddr(target) + SLOT_HEADER_BYTES + off, p + 4, n) < 0 ? S.E_FLASH : S.OK;
}

/** FINISH: reads the image back into the window, checks its SHA-256 (E_HASH), validates, commits. */
export function modelFinish(): i32 {
  if (!receiving || rxReceived(rx) != imageSize) return S.E_STATE;
  receiving = false;
  releaseFn();
  changed = true; // the window is overwritten from here on: the app must reload
  bankSetActive(-1);
  if (flash_read(bankAddr(target) + SLOT_HEADER_BYTES, winPtr, imageSize) < 0) return S.E_FLASH;
  if (crypto_sha256(winPtr, imageSize, digest) < 0) return S.E_HASH;
  if (memory.compare(digest, expectSha, 32) != 0) return S.E_HASH;
  if (imageType == IMAGE_SIGNED_MODEL) return finishSigned();
  const st = validateFn(winPtr, imageSize);
  if (st != S.OK) return st;
  // The old bank stays committed until here; one 4-byte state write makes the new one newest.
  return bankCommit(target, imageSize, expectSha, bankNextGen());
}

/** FINISH of a signed image already in the window: verify, validate the payload, commit it. */
function finishSigned(): i32 {
  let st = signedCheck(winPtr, imageSize);
  if (st != S.OK) return st;
  const len = signedPayloadLen();
  st = validateFn(winPtr + IMG_HEADER, len);
  if (st != S.OK) return st;
  // The bank records the payload (the model): its length, its SHA-256 (the header's, verified),
  // where it starts in the data, and the image version (the next downgrade floor).
  return bankCommit(target, len, winPtr + 36, bankNextGen(), IMG_HEADER, signedVersion());
}

/**
 * STATUS data at `d`: received u32 | size u32 | sha8 | flags u8 | bank i8 | gen u32 | len u32 | sha8,
 * the first four about the transfer in progress (or the last one), the rest about the newest
 * committed bank (-1, zeros when the slot is empty; generation is the stored one). With a 1-byte
 * payload naming a configured model slot (0 grid, 2 pack) the bank fields are that slot's and a
 * 35th byte echoes the slot (its receiving flag only when it is the transfer's slot); an unknown
 * slot gets the plain 34-byte answer for the transfer's slot. Returns the data length.
 */
export function modelStatus(p: usize, len: u32, d: usize): i32 {
  const slot = len == 1 && banksSelect(<i32>load<u8>(p)) ? <i32>load<u8>(p) : -1;
  store<u32>(d, rxReceived(rx));
  store<u32>(d, imageSize, 4);
  memory.copy(d + 8, expectSha, 8);
  store<u8>(d, receiving && (slot < 0 || slot == xferSlot) ? STATUS_RECEIVING : 0, 16);
  const b = bankNewest();
  store<i8>(d, <i8>b, 17);
  memory.fill(d + 18, 0, 16);
  if (b >= 0) {
    store<u32>(d, bankGen(b) - 1, 18);
    store<u32>(d, bankLen(b), 22);
    if (bankSha(b, digest)) memory.copy(d + 26, digest, 8);
  }
  if (slot < 0) return 34;
  store<u8>(d, <u8>slot, 34);
  return 35;
}
