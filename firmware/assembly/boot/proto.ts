// Bootloader commands of serial protocol v1 (CONTRACTS.md "Serial protocol v1", "Model slot in
// flash"): framing, the response cache and the command table. Every command gets one response
// (type cmd|0x80, same seq, status i8 then data). A repeated command (same type and seq as the
// last one, e.g. a host retry after a lost response) gets the cached response again without
// running twice; HELLO starts a session and clears that cache. Static buffers only.
// The table (dispatch) runs one handler per command: HELLO and SET_BAUD here, the model slots'
// BEGIN/WRITE/FINISH/STATUS in modelcmd.ts, the A/B firmware slot (BEGIN type (1 << 4) | format)
// in fwslot.ts and ACTIVATE/CONFIRM/ROLLBACK/RESET/INFO in fwcmd.ts, WRITEZ (inflate.ts) here.
// The BEGIN type byte is (slot << 4) | format: slot 0 the grid model, 2 the pack model (its own
// window and region, bootConfigureSlot), 1 the firmware; WRITE/FINISH/STATUS then act on that
// transfer's slot. A BEGIN of a signed image may carry the image's 80-byte header (117 bytes in
// all): the board checks its type, family and version floor before it erases anything.

import { uart_read, uart_write, uart_set_baud } from "../hal/uart";
import { board_max_baud } from "../hal/board";
import { banksConfigure, banksConfigureSlot, banksSelect, MAX_SLOTS } from "./banks";
import {
  parserReset, parserFeed, parserMaxPayload, frameType, frameSeq, frameLen, framePayload, frameEncode,
  FEED_FRAME, FEED_BAD_CRC,
} from "./frame";
import { keysLoad } from "./keys";
import { IMG_HEADER } from "./signed";
import * as S from "../status";
// Slot 1 (A/B firmware) and WRITEZ live in their own files (H-B): fwslot.ts, fwcmd.ts, inflate.ts.
import { fwBegin, fwWrite, fwFinish, fwStatus, fwReceiving, fwReceived } from "./fwslot";
import { fwActivate, fwConfirm, fwRollback, fwReset, fwInfo, fwAfterReply } from "./fwcmd";
import { inflateRaw, INFLATE_CAP } from "./inflate";
import {
  modelConfigure, modelConfigureSlot, modelCap0, modelXferSlot, modelReceived, modelTakeChanged, modelAbort,
  modelBegin, modelWrite, modelFinish, modelStatus, Validator, Release,
} from "./modelcmd";
export { IMAGE_MODEL, IMAGE_SIGNED_MODEL, STATUS_RECEIVING } from "./modelcmd";

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
export { SLOT_MAGIC, SLOT_VALID, SLOT_HEADER_BYTES } from "./banks";
import * as X from "../texts";

const RX_CHUNK: u32 = 256;
const MAX_READS: i32 = 64;
const RESP_CAP: u32 = 64;
/** Bytes received at a new baud with no good frame after which the board goes back to the old one. */
const BAUD_PROBATION_BYTES: u32 = 2048;

const rxBuf: usize = memory.data(<i32>RX_CHUNK);
const txBuf: usize = memory.data(<i32>(RESP_CAP + 10));
const cache: usize = memory.data(<i32>(RESP_CAP + 10));

let configured = false;
let cacheLen: u32 = 0;
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
  modelConfigure(window, windowCap, validate, release);
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
  modelConfigureSlot(slot, window, windowCap);
  banksConfigureSlot(slot, regionAddr, regionSize);
}

/** Bytes received in the current transfer (high-water mark). */
export function bootReceived(): u32 { return modelReceived(); }

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
  store<u32>(d + idLen + 3, modelCap0()); // the grid model slot's, whichever slot the last transfer used
  return <i32>(idLen + 7);
}

/** BEGIN: type u8 | size u32 | sha256[32] [| a raw model's first 8 bytes | a signed image's 80-byte header]; slot 1 is the firmware's. */
function doBegin(p: usize, len: u32): i32 {
  if (len != 37 && len != 45 && len != 37 + IMG_HEADER) return S.E_BOUNDS;
  if (<i32>(load<u8>(p) >> 4) != FW_SLOT) return modelBegin(p, len); // aborts any firmware transfer
  const st = fwBegin(p, len);
  if (st == S.OK) modelAbort(); // an accepted firmware transfer replaces any model transfer
  return st;
}

/** Seqs of the last ACK_SEQS WRITE/WRITEZ frames written, newest first (ackN valid); HELLO and BEGIN clear it. */
const ACK_SEQS: u32 = 4;
const ackSeqs: usize = memory.data(<i32>ACK_SEQS);
let ackN: u32 = 0;

/**
 * WRITE (and an inflated WRITEZ): written, it answers the selective ack: received u32 (the
 * contiguous prefix) | the seqs of the last written frames (up to ACK_SEQS, newest first, this one
 * first), so a host sees which frames landed even when earlier answers were lost.
 */
function doWrite(p: usize, len: u32): i32 {
  const fw = fwReceiving();
  const st = fw ? fwWrite(p, len) : modelWrite(p, len);
  if (st < 0) return st;
  memory.copy(ackSeqs + 1, ackSeqs, ACK_SEQS - 1);
  store<u8>(ackSeqs, frameSeq());
  if (ackN < ACK_SEQS) ackN++;
  const d = txBuf + 7;
  store<u32>(d, fw ? fwReceived() : modelReceived());
  memory.copy(d + 4, ackSeqs, ackN);
  return <i32>(4 + ackN);
}

function doFinish(): i32 { return fwReceiving() ? fwFinish() : modelFinish(); }

function doStatus(p: usize, len: u32): i32 {
  return len == 1 && <i32>load<u8>(p) == FW_SLOT ? fwStatus(txBuf + 7) : modelStatus(p, len, txBuf + 7);
}

/**
 * SET_BAUD data: current baud u32 | max baud u32 (returns 8). `baud` 0 only asks; above the
 * board's max (or a rate the UART refuses) is E_BOUNDS. The switch happens after the ACK went out.
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
  return 8;
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

/**
 * The command table: runs command `type`'s handler. A handler returns its data length (>= 0, the
 * data already at txBuf + 7) or a negative status; an unknown command is E_STATE.
 */
function dispatch(type: u8, p: usize, len: u32): i32 {
  switch (type) {
    case CMD_HELLO: return doHello();
    case CMD_BEGIN: return doBegin(p, len);
    case CMD_WRITE: return doWrite(p, len);
    case CMD_FINISH: return doFinish();
    case CMD_STATUS: return doStatus(p, len);
    case CMD_SET_BAUD: return doSetBaud(p, len);
    case CMD_ACTIVATE: return fwActivate();
    case CMD_CONFIRM: return fwConfirm();
    case CMD_RESET: return fwReset();
    case CMD_INFO: return fwInfo(txBuf + 7);
    case CMD_WRITEZ: return doWriteZ(p, len);
    case CMD_ROLLBACK: return fwRollback();
  }
  return S.E_STATE;
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
  if (type == CMD_HELLO || type == CMD_BEGIN) ackN = 0; // a new session's seqs never match an old frame's
  banksSelect(modelXferSlot()); // WRITE/FINISH/STATUS act on the transfer's slot
  const r = dispatch(type, framePayload(), frameLen());
  reply(type, seq, min<i32>(r, S.OK), <u32>max<i32>(r, 0));
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
  modelTakeChanged();
  for (let i = 0; i < MAX_READS; i++) {
    const n = uart_read(rxBuf, RX_CHUNK);
    if (n < 0) return n;
    if (n == 0) break;
    for (let k: i32 = 0; k < n; k++) bootFeedByte(load<u8>(rxBuf + k));
  }
  return modelTakeChanged() ? 1 : 0;
}
