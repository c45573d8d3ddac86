// Serial protocol v1 frame parser (CONTRACTS.md): A5 5A | type | seq | len u16 LE | payload |
// crc32 u32 LE over type..payload. A byte-at-a-time state machine over one static buffer: no
// allocation per frame; lengths above the limit are refused at the header; after garbage or a
// bad frame it hunts for the sync bytes again.

import { CRC32_INIT, crc32Update, crc32Final } from "./crc32";

/** Static payload capacity: the parser never accepts more, whatever the board says. */
export const FRAME_CAP: u32 = 4096;
export const SYNC0: u8 = 0xa5;
export const SYNC1: u8 = 0x5a;

/** parserFeed results. */
export const FEED_MORE: i32 = 0;
export const FEED_FRAME: i32 = 1;
export const FEED_BAD_CRC: i32 = -1;
export const FEED_OVERSIZE: i32 = -2;

const S_SYNC0: i32 = 0;
const S_SYNC1: i32 = 1;
const S_TYPE: i32 = 2;
const S_SEQ: i32 = 3;
const S_LEN0: i32 = 4;
const S_LEN1: i32 = 5;
const S_BODY: i32 = 6;
const S_CRC: i32 = 7;

const payload: usize = memory.data(<i32>FRAME_CAP);
let state: i32 = S_SYNC0;
let maxLen: u32 = 1024;
let fType: u8 = 0;
let fSeq: u8 = 0;
let fLen: u32 = 0;
let got: u32 = 0;
let crc: u32 = CRC32_INIT;
let wantCrc: u32 = 0;

/** Resets the parser to hunt for a frame; payloads longer than maxPayload (capped at FRAME_CAP) are refused. */
export function parserReset(maxPayload: u32): void {
  maxLen = min<u32>(maxPayload, FRAME_CAP);
  state = S_SYNC0;
}

/** The payload limit in force. */
export function parserMaxPayload(): u32 { return maxLen; }

/**
 * Feeds one received byte. Returns FEED_FRAME when a complete frame with a good CRC is ready
 * (read it with frameType/frameSeq/frameLen/framePayload before the next feed), FEED_BAD_CRC or
 * FEED_OVERSIZE when a frame was dropped (the header fields stay readable), else FEED_MORE.
 */
export function parserFeed(b: u8): i32 {
  switch (state) {
    case S_SYNC0: {
      if (b == SYNC0) state = S_SYNC1;
      return FEED_MORE;
    }
    case S_SYNC1: {
      state = b == SYNC1 ? S_TYPE : (b == SYNC0 ? S_SYNC1 : S_SYNC0);
      return FEED_MORE;
    }
    case S_TYPE: {
      fType = b;
      crc = crc32Update(CRC32_INIT, b);
      state = S_SEQ;
      return FEED_MORE;
    }
    case S_SEQ: {
      fSeq = b;
      crc = crc32Update(crc, b);
      state = S_LEN0;
      return FEED_MORE;
    }
    case S_LEN0: {
      fLen = <u32>b;
      crc = crc32Update(crc, b);
      state = S_LEN1;
      return FEED_MORE;
    }
    case S_LEN1: {
      fLen |= <u32>b << 8;
      crc = crc32Update(crc, b);
      got = 0;
      if (fLen > maxLen) {
        state = b == SYNC0 ? S_SYNC1 : S_SYNC0;
        return FEED_OVERSIZE;
      }
      state = fLen == 0 ? S_CRC : S_BODY;
      wantCrc = 0;
      return FEED_MORE;
    }
    case S_BODY: {
      store<u8>(payload + got, b);
      crc = crc32Update(crc, b);
      if (++got == fLen) {
        state = S_CRC;
        got = 0;
        wantCrc = 0;
      }
      return FEED_MORE;
    }
    default: {
      wantCrc |= <u32>b << (got * 8);
      if (++got < 4) return FEED_MORE;
      state = S_SYNC0;
      return wantCrc == crc32Final(crc) ? FEED_FRAME : FEED_BAD_CRC;
    }
  }
}

/** Fields of the last frame (valid after FEED_FRAME; type/seq/len also after a drop). */
export function frameType(): u8 { return fType; }
export function frameSeq(): u8 { return fSeq; }
export function frameLen(): u32 { return fLen; }
export function framePayload(): usize { return payload; }

/**
 * Encodes a frame into [dst, dst + 10 + len) from `len` payload bytes at `src` (which may be
 * dst + 6, already in place). Returns the frame length.
 */
export function frameEncode(dst: usize, type: u8, seq: u8, src: usize, len: u32): u32 {
  if (src != dst + 6) memory.copy(dst + 6, src, len);
  store<u8>(dst, SYNC0);
  store<u8>(dst, SYNC1, 1);
  store<u8>(dst, type, 2);
  store<u8>(dst, seq, 3);
  store<u16>(dst, <u16>len, 4);
  let c = CRC32_INIT;
  for (let i: u32 = 0; i < len + 4; i++) c = crc32Update(c, load<u8>(dst + 2 + i));
  store<u32>(dst + 6 + len, crc32Final(c));
  return 10 + len;
}
