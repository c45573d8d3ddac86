// Bootloader commands of serial protocol v1 (CONTRACTS.md "Serial protocol v1", "Model slot in
// flash"): HELLO, BEGIN, WRITE, FINISH, STATUS, SET_BAUD. WRITEs may come pipelined and out of
// order: `received` is the contiguous prefix, later extents are remembered until the hole fills. Every command gets one response (type cmd|0x80,
// same seq, status i8 then data). A repeated command (same type and seq as the last one, e.g. a
// host retry after a lost response) gets the cached response again without running twice; HELLO
// starts a session and clears that cache. Static buffers only; the model window, the slot
// region and the model validator are given by bootConfigure (loader.ts wires the real ones).
// BEGIN type 1 is a raw model (refused with E_SIGNATURE on a board with trusted keys), type 2 a
// signed image (boot/signed.ts): stored whole, verified at FINISH, only its payload is the model.
// The BEGIN type byte is (slot << 4) | format: slot 0 the grid model, 2 the pack model (its own
// window and region, bootConfigureSlot); WRITE/FINISH/STATUS then act on that transfer's slot.

import { uart_read, uart_write, uart_set_baud } from "../hal/uart";
import { board_max_baud } from "../hal/board";
import { flash_read, flash_write } from "../hal/flash";
import { crypto_sha256 } from "../hal/crypto";
import {
  banksConfigure, bankAddr, bankDataCap, bankTarget, bankErase, bankCommit, bankNextGen, bankNewest,
  bankGen, bankLen, bankSha, bankSetActive, banksConfigureSlot, banksSelect, banksSelected, MAX_SLOTS,
} from "./banks";
import {
  parserReset, parserFeed, parserMaxPayload, frameType, frameSeq, frameLen, framePayload, frameEncode,
  FEED_FRAME, FEED_BAD_CRC,
} from "./frame";
import { keysLoad, keysProvisioned } from "./keys";
import { signedCheck, signedHead, signedPayloadLen, signedVersion, IMG_HEADER, IMG_SIG, IMG_TYPE_MODEL } from "./signed";
import { bankVersionFloor } from "./banks";
import * as S from "../status";
// Slot 1 (A/B firmware) and WRITEZ live in their own files (H-B): fwslot.ts, fwcmd.ts, inflate.ts.
import { fwBegin, fwWrite, fwFinish, fwStatus, fwReceiving, fwAbort } from "./fwslot";
import { fwActivate, fwConfirm, fwRollback, fwReset, fwInfo, fwAfterReply } from "./fwcmd";
import { inflateRaw, INFLATE_CAP } from "./inflate";
import { rxAdd, rxReceived, rxReset, RX_TABLE_BYTES } from "./extents";

export const CMD_HELLO: u8 = 0x01;
export const CMD_BEGIN: u8 = 0x02;
export const CMD_WRITE: u8 = 0x03;
export const CMD_FINISH: u8 = 0x04;
export const CMD_STATUS: u8 = 0x05;
/** SET_BAUD: payload baud u32 (0 = only ask); answer current u32, max u32; switch after the ACK. */
export const CMD_SET_BAUD: u8 = 0x06;
/** Firmware slot commands (boot/fwcmd.ts) and the compressed WRITE (docs/flash-protocol.md). */
export const CMD_ACTIVATE: u8 = 0x07;
export const CMD_CONFIRM: u8 = 0x08;
export const CMD_RESET: u8 = 0x09;
export const CMD_INFO: u8 = 0x0a;
export const CMD_WRITEZ: u8 = 0x0b;
export const CMD_ROLLBACK: u8 = 0x0c;
/** BEGIN slot (type >> 4) of the A/B firmware slots. */
export const FW_SLOT: i32 = 1;
export const RESPONSE_BIT: u8 = 0x80;
export const PROTO_VERSION: u8 = 1;
export const IMAGE_MODEL: u8 = 1;
/** BEGIN type of a signed model image (DIMG header || .tflite || Ed25519 signature). */
export const IMAGE_SIGNED_MODEL: u8 = 2;
export { SLOT_MAGIC, SLOT_VALID, SLOT_HEADER_BYTES } from "./banks";
import { SLOT_HEADER_BYTES } from "./banks";
import * as X from "../texts";
import { Table } from "../table";
/** STATUS flags bit 0: a transfer is in progress (BEGIN accepted, FINISH not yet run). */
export const STATUS_RECEIVING: u8 = 1;
/** Identifies the firmware in HELLO (there is no board-name HAL import yet). */

const RX_CHUNK: u32 = 256;
const MAX_READS: i32 = 64;
const RESP_CAP: u32 = 64;
/** Bytes received at a new baud with no good frame after which the board goes back to the old one. */
const BAUD_PROBATION_BYTES: u32 = 2048;

const rxBuf: usize = memory.data(<i32>RX_CHUNK);
const txBuf: usize = memory.data(<i32>(RESP_CAP + 10));
const cache: usize = memory.data(<i32>(RESP_CAP + 10));
const digest: usize = memory.data(32);
const expectSha: usize = memory.data(32);

/** Validates (and may load) the image at [ptr, ptr+len); returns a status. */
export type Validator = (ptr: usize, len: u32) => i32;
/** Called before the model window is overwritten (the running model must let go of it). */
export type Release = () => void;

function noValidate(ptr: usize, len: u32): i32 { return S.E_NO_MODEL; }
function noRelease(): void {}

let winPtr: usize = 0;
let winCap: u32 = 0;
/** Model window per slot (BEGIN type >> 4; 0 = grid model, 2 = pack model); 0 = no such slot. */
const slotWin = changetype<Table<usize>>(memory.data(MAX_SLOTS * <i32>sizeof<usize>(), 8));
const slotWinCap = changetype<Table<u32>>(memory.data(MAX_SLOTS * <i32>sizeof<u32>(), 8));
/** Slot of the current (or last) transfer. */
let xferSlot: i32 = 0;
let validateFn: Validator = noValidate;
let releaseFn: Release = noRelease;
let configured = false;

let receiving = false;
let target: i32 = 0;
let imageType: u8 = IMAGE_MODEL;
let imageSize: u32 = 0;
let changed = false;
let cacheLen: u32 = 0;
const rx: usize = memory.data(RX_TABLE_BYTES);
let baudNow: u32 = 0;
let baudOld: u32 = 0;
let baudPending: u32 = 0;
let probation: bool = false;
let probationBytes: u32 = 0;
let cacheType: u8 = 0;
let cacheSeq: u8 = 0;

/**
 * Sets the buffers and hooks: model window [window, window+windowCap) used to read the image back,
 * the model region (header sector + data) in flash, the validator run by FINISH, the release hook.
 * Resets the protocol state and the frame parser (payload limit maxFrame).
 */
export function bootConfigure(window: usize, windowCap: u32, regionAddr: u32, regionSize: u32,
                              maxFrame: u32, validate: Validator, release: Release): void {
  winPtr = window;
  winCap = windowCap;
  unchecked(slotWin[0] = window);
  unchecked(slotWinCap[0] = windowCap);
  xferSlot = 0;
  validateFn = validate;
  releaseFn = release;
  receiving = false;
  cacheLen = 0;
  banksConfigure(regionAddr, regionSize);
  keysLoad();
  parserReset(maxFrame);
  configured = true;
}

export function bootConfigured(): bool { return configured; }

/**
 * Adds model slot `slot` (1..MAX_SLOTS-1, e.g. 2 = pack model): its RAM window (read back and
 * validated there at FINISH) and its flash region (two banks, boot/banks.ts). BEGIN with type
 * (slot << 4) | format then writes it. Ignored for slot 0 (bootConfigure) or out of range.
 */
export function bootConfigureSlot(slot: i32, window: usize, windowCap: u32, regionAddr: u32, regionSize: u32): void {
  if (slot <= 0 || slot >= MAX_SLOTS) return;
  unchecked(slotWin[slot] = window);
  unchecked(slotWinCap[slot] = windowCap);
  banksConfigureSlot(slot, regionAddr, regionSize);
}

/** Bytes received in the current transfer (high-water mark). */
export function bootReceived(): u32 { return rxReceived(rx); }

/** Sends a response: status then `len` data bytes already at txBuf + 7; caches it. */
function reply(type: u8, seq: u8, status: i32, len: u32): void {
  store<i8>(txBuf + 6, <i8>status);
  const n = frameEncode(txBuf, type | RESPONSE_BIT, seq, txBuf + 6, len + 1);
  memory.copy(cache, txBuf, n);
  cacheLen = n;
  cacheType = type;
  cacheSeq = seq;
  send(txBuf, n);
}

function send(ptr: usize, n: u32): void {
  let off: u32 = 0;
  for (let tries = 0; off < n && tries < 16; tries++) {
    const w = uart_write(ptr + off, n - off);
    if (w < 0) return;
    off += <u32>w;
  }
}

function doHello(): i32 {
  const d = txBuf + 7;
  const idLen = X.txCopy(X.BOARD_ID, d);
  store<u8>(d + idLen, PROTO_VERSION);
  store<u16>(d + idLen + 1, <u16>parserMaxPayload());
  // the grid model slot's capacity, whichever slot the last transfer used
  const prev = banksSelected();
  banksSelect(0);
  store<u32>(d + idLen + 3, min<u32>(unchecked(slotWinCap[0]), bankDataCap()));
  banksSelect(prev);
  return <i32>(idLen + 7);
}

function doBegin(p: usize, len: u32): i32 {
  const typeByte = len == 37 || len == 37 + IMG_HEADER ? load<u8>(p) : 0;
  const slot = <i32>(typeByte >> 4); // (slot << 4) | format
  const type = typeByte & 15;
  if (slot == FW_SLOT) {
    const st = fwBegin(p, len);
    if (st == S.OK) receiving = false; // an accepted firmware transfer replaces any model transfer
    return st;
  }
  if (type != IMAGE_MODEL && type != IMAGE_SIGNED_MODEL) return S.E_BOUNDS;
  if (slot >= MAX_SLOTS || unchecked(slotWin[slot]) == 0 || !banksSelect(slot)) return S.E_BOUNDS;
  const size = load<u32>(p, 1);
  if (size == 0) return S.E_BOUNDS;
  if (type == IMAGE_MODEL && keysProvisioned()) return S.E_SIGNATURE; // only signed images here
  if (type == IMAGE_SIGNED_MODEL && size <= IMG_HEADER + IMG_SIG) return S.E_IMAGE;
  if (size > min<u32>(unchecked(slotWinCap[slot]), bankDataCap())) return S.E_TOO_LARGE;
  if (len > 37 && type == IMAGE_SIGNED_MODEL) { // the header came with BEGIN: refuse before erasing
    const st = signedHead(p + 37, size, IMG_TYPE_MODEL, bankVersionFloor());
    if (st != S.OK) return st;
  }
  receiving = false;
  xferSlot = slot;
  fwAbort(); // a model transfer replaces any firmware transfer
  winPtr = unchecked(slotWin[slot]);
  winCap = unchecked(slotWinCap[slot]);
  target = bankTarget(); // never the bank of the running (or newest) model
  if (bankErase(target) != S.OK) return S.E_FLASH;
  memory.copy(expectSha, p + 5, 32);
  imageSize = size;
  imageType = type;
  rxReset(rx);
  receiving = true;
  return S.OK;
}

function doWrite(p: usize, len: u32): i32 {
  if (fwReceiving()) return fwWrite(p, len);
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

/**
 * SET_BAUD data: current baud u32 | max baud u32. `baud` 0 only asks; above the board's max (or a
 * rate the UART refuses) is E_BOUNDS. The switch itself happens after the ACK went out.
 */
function doSetBaud(p: usize, len: u32): i32 {
  if (len != 4) return S.E_BOUNDS;
  const want = load<u32>(p);
  const max = board_max_baud();
  if (want > max) return S.E_BOUNDS;
  if (want != 0) baudPending = want;
  const d = txBuf + 7;
  store<u32>(d, want != 0 ? want : baudNow); // 0: the board's default rate, never switched
  store<u32>(d, max, 4);
  return S.OK;
}

/** Applies a SET_BAUD accepted just now (its ACK is queued at the old rate). */
function switchBaud(): void {
  const want = baudPending;
  baudPending = 0;
  if (uart_set_baud(want) < 0) return;
  baudOld = baudNow;
  baudNow = want;
  probation = true;
  probationBytes = 0;
}

/** A board that hears only garbage at its new baud returns to the old one (the host fell back). */
function probationByte(goodFrame: bool): void {
  if (!probation) return;
  if (goodFrame) {
    probation = false;
    return;
  }
  if (++probationBytes < BAUD_PROBATION_BYTES) return;
  probation = false;
  if (uart_set_baud(baudOld) >= 0) baudNow = baudOld; // 0: the board's default
}

const zbuf: usize = memory.data(<i32>(INFLATE_CAP + 4));

/**
 * WRITEZ: offset u32 | raw deflate (RFC 1951) of at most INFLATE_CAP bytes; inflated (inflate.ts:
 * a malformed or oversized stream is E_INFLATE and nothing is written) then written like a WRITE
 * at that offset of the uncompressed image.
 */
function doWriteZ(p: usize, len: u32): i32 {
  if (len < 5) return S.E_BOUNDS;
  const n = inflateRaw(p + 4, len - 4, zbuf + 4, INFLATE_CAP);
  if (n < 0) return n;
  store<u32>(zbuf, load<u32>(p));
  return doWrite(zbuf, <u32>n + 4);
}

function doFinish(): i32 {
  if (fwReceiving()) return fwFinish();
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
 * STATUS data: received u32 | size u32 | sha8 | flags u8 | bank i8 | gen u32 | len u32 | sha8,
 * the first four about the transfer in progress (or the last one), the rest about the newest
 * committed bank (-1, zeros when the slot is empty; generation is the stored one). With a 1-byte
 * payload naming a configured model slot (0 grid, 2 pack) the bank fields are that slot's and a
 * 35th byte echoes the slot (its receiving flag only when it is the transfer's slot); an unknown
 * slot gets the plain 34-byte answer for the transfer's slot.
 */
function doStatus(p: usize, len: u32): i32 {
  const slot = len == 1 && banksSelect(<i32>load<u8>(p)) ? <i32>load<u8>(p) : -1;
  const d = txBuf + 7;
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

/** Runs the command in the parser's frame and replies. */
function handleFrame(): void {
  const type = frameType();
  const seq = frameSeq();
  if (type != CMD_HELLO && cacheLen != 0 && type == cacheType && seq == cacheSeq) {
    send(cache, cacheLen); // a retry: same answer, no second execution
    return;
  }
  if (type == CMD_HELLO) cacheLen = 0;
  banksSelect(xferSlot); // WRITE/FINISH/STATUS act on the transfer's slot
  const p = framePayload();
  const len = frameLen();
  let st: i32 = S.OK;
  let dataLen: u32 = 0;
  if (type == CMD_HELLO) dataLen = <u32>doHello();
  else if (type == CMD_BEGIN) st = doBegin(p, len);
  else if (type == CMD_WRITE) st = doWrite(p, len);
  else if (type == CMD_FINISH) st = doFinish();
  else if (type == CMD_STATUS) dataLen = len == 1 && <i32>load<u8>(p) == FW_SLOT ? <u32>fwStatus(txBuf + 7) : doStatus(p, len);
  else if (type == CMD_WRITEZ) st = doWriteZ(p, len);
  else if (type == CMD_INFO) dataLen = <u32>fwInfo(txBuf + 7);
  else if (type == CMD_ACTIVATE) st = fwActivate();
  else if (type == CMD_CONFIRM) st = fwConfirm();
  else if (type == CMD_ROLLBACK) st = fwRollback();
  else if (type == CMD_RESET) st = fwReset();
  else if (type == CMD_SET_BAUD) {
    st = doSetBaud(p, len);
    if (st == S.OK) dataLen = 8;
  } else st = S.E_STATE;
  reply(type, seq, st, st == S.OK ? dataLen : 0);
  if (baudPending != 0) switchBaud();
  fwAfterReply(); // RESET / ROLLBACK: the answer went out, now the board resets
}

/** Processes one received byte: runs a completed command, NAKs a damaged frame. */
export function bootFeedByte(b: u8): void {
  const r = parserFeed(b);
  probationByte(r == FEED_FRAME);
  if (r == FEED_FRAME) handleFrame();
  else if (r == FEED_BAD_CRC) {
    store<i8>(txBuf + 6, <i8>S.E_FRAME);
    send(txBuf, frameEncode(txBuf, frameType() | RESPONSE_BIT, frameSeq(), txBuf + 6, 1));
  }
}

/**
 * Drains the UART and runs every complete command. Returns 1 when the model slot changed (a model
 * was committed, or the running model's window was given up by FINISH), 0 otherwise, or a
 * negative status when the UART failed or bootConfigure was not called.
 */
export function bootService(): i32 {
  if (!configured) return S.E_STATE;
  changed = false;
  for (let i = 0; i < MAX_READS; i++) {
    const n = uart_read(rxBuf, RX_CHUNK);
    if (n < 0) return n;
    if (n == 0) break;
    for (let k: i32 = 0; k < n; k++) bootFeedByte(load<u8>(rxBuf + k));
  }
  return changed ? 1 : 0;
}
