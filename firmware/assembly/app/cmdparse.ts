// Parser of operator commands (app/cmd.ts), kept free of HAL imports so it can be unit tested:
// one flat JSON object, strict (docs/mqtt.md "Commands"): only the fields v (number), id (1-32 of
// A-Z a-z 0-9 . _ -), op (<= 16 characters), limit_c and hysteresis_c (numbers, set-limit only),
// each at most once; string values without escapes or control bytes, numbers without exponent or
// leading zero (at most 13 digits). No recursion: a nested value is refused at its first byte, every loop is bounded
// by the payload length and the field count.

import * as X from "../texts";

/** Longest id, characters. */
export const CMD_ID_MAX: i32 = 32;
const OP_MAX: i32 = 16;

const idBuf: usize = memory.data(32);
const opBuf: usize = memory.data(16);
let idLen: i32 = 0;
let opLen: i32 = 0;
let version: f64 = -1;
let limitC: f64 = NaN;
let hystC: f64 = NaN;
let seen: i32 = 0; // fields read: 1 v, 2 id, 4 op, 8 limit_c, 16 hysteresis_c
let src: usize = 0;
let pos: u32 = 0;
let end: u32 = 0;

/** Bytes of the parsed id (0: none read). */
export function cmdIdLen(): i32 { return idLen; }
/** The parsed id's bytes. */
export function cmdIdPtr(): usize { return idBuf; }
/** Bytes of the parsed op (0: none read). */
export function cmdOpLen(): i32 { return opLen; }
/** The parsed op's bytes. */
export function cmdOpPtr(): usize { return opBuf; }
/** The parsed `v` (-1 when absent). */
export function cmdVersion(): f64 { return version; }
/** The parsed `limit_c` (NaN when absent). */
export function cmdLimitC(): f64 { return limitC; }
/** The parsed `hysteresis_c` (NaN when absent). */
export function cmdHysteresisC(): f64 { return hystC; }
/** Forgets the parsed fields (before an error reply for a command that was never parsed). */
export function cmdClear(): void {
  idLen = opLen = 0;
  version = -1;
  limitC = hystC = NaN;
}

function peek(): i32 { return pos < end ? <i32>load<u8>(src + pos) : -1; }
function skipWs(): void {
  while (pos < end) {
    const c = load<u8>(src + pos);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
    pos++;
  }
}
function isIdChar(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d;
}

/** Reads a string without escapes; returns its start offset (len in strLen) or -1. */
let strLen: i32 = 0;
function readString(): i32 {
  if (peek() != 0x22) return -1;
  pos++;
  const start = pos;
  while (pos < end) {
    const c = load<u8>(src + pos);
    if (c == 0x22) {
      strLen = <i32>(pos - start);
      pos++;
      return <i32>start;
    }
    if (c == 0x5c || c < 0x20) return -1; // escapes and control characters are not accepted
    pos++;
  }
  return -1;
}

/**
 * Reads `-?digits(.digits)?` of at most 13 digits, no leading zero; NaN when it is not one. Stops
 * at the first other byte (an exponent or a second `.` then fails as trailing bytes).
 */
function readNumber(): f64 {
  const neg = peek() == 0x2d;
  if (neg) pos++;
  const first = pos;
  let v: f64 = 0;
  let scale: f64 = 1;
  let dot: u32 = 0; // offset just after the '.', 0: none yet
  for (; pos < end; pos++) {
    const d = <u32>load<u8>(src + pos) - 0x30;
    if (d < 10) {
      v = v * 10 + <f64>d;
      if (dot) scale *= 10;
    } else if (d == 0xfffffffe && !dot) dot = pos + 1; // '.'
    else break;
  }
  const intEnd = dot ? dot - 1 : pos;
  if (intEnd == first || dot == pos || pos - first > (dot ? 14 : 13) || (intEnd - first > 1 && load<u8>(src + first) == 0x30)) return NaN;
  return (neg ? -v : v) / scale;
}

/** True when the key bytes at [k, k+n) equal text `name` (texts.ts). */
function keyIs(k: u32, n: i32, name: u32): bool {
  return X.txEquals(name, src + k, <u32>n);
}

/** The field bit of key [k, k+n) (see `seen`), 0 for a key that is not a command field. */
function fieldOf(k: u32, n: i32): i32 {
  if (keyIs(k, n, X.K_V)) return 1;
  if (keyIs(k, n, X.K_ID)) return 2;
  if (keyIs(k, n, X.K_OP)) return 4;
  if (keyIs(k, n, X.K_LIMIT_C)) return 8;
  return keyIs(k, n, X.K_HYSTERESIS_C) ? 16 : 0;
}

/** Parses one value for key [k, k+n); returns an error text (texts.ts) or 0. */
function parseValue(k: u32, n: i32): u32 {
  const f = fieldOf(k, n);
  if (f == 0) return X.UNKNOWN_FIELD;
  if (seen & f) return X.DUPLICATE_KEY;
  seen |= f;
  const c = peek();
  const wantString = (f & 6) != 0;
  if (c == 0x22) {
    if (!wantString) return X.WRONG_TYPE;
    const s = readString();
    if (s < 0) return X.MALFORMED;
    if (f == 2) {
      if (strLen == 0 || strLen > CMD_ID_MAX) return X.BAD_ID;
      for (let i = 0; i < strLen; i++) if (!isIdChar(load<u8>(src + s + i))) return X.BAD_ID;
      memory.copy(idBuf, src + s, strLen);
      idLen = strLen;
    } else {
      if (strLen == 0 || strLen > OP_MAX) return X.UNKNOWN_OP;
      memory.copy(opBuf, src + s, strLen);
      opLen = strLen;
    }
    return 0;
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
    if (wantString) return X.WRONG_TYPE;
    const v = readNumber();
    if (isNaN(v)) return X.MALFORMED;
    if (f == 1) version = v;
    else if (f == 8) limitC = v;
    else hystC = v;
    return 0;
  }
  return X.WRONG_TYPE; // an object, array, true, false or null (nothing is parsed inside it)
}

/**
 * Parses the command in [ptr, ptr+len): one flat JSON object. Returns 0 when it is well formed
 * with v 1 and an id, else the error text (texts.ts handle) of the first problem for the reply:
 * `empty`, `malformed`, `unknown field` (also limit_c / hysteresis_c without set-limit),
 * `duplicate key`, `wrong type` (any value other than a string or number counts as one), `bad id`,
 * `unknown op`, `missing id`, `unsupported version`. The fields read so far stay readable
 * (cmdIdLen etc.), so an error reply can carry the id when it was read before the error (the
 * first id when it repeats). Never reads outside the range.
 */
export function cmdParse(ptr: usize, len: u32): u32 {
  src = ptr;
  cmdClear();
  seen = 0;
  pos = 0;
  end = len;
  if (len == 0) return X.EMPTY;
  skipWs();
  if (peek() != 0x7b) return X.MALFORMED;
  pos++;
  skipWs();
  if (peek() == 0x7d) {
    pos++;
  } else {
    // Bounded: each pass reads one more of the five fields or returns (a field repeats, or is not one).
    for (;;) {
      skipWs();
      const k = readString();
      if (k < 0) return X.MALFORMED;
      const kn = strLen;
      skipWs();
      if (peek() != 0x3a) return X.MALFORMED;
      pos++;
      skipWs();
      const e = parseValue(<u32>k, kn);
      if (e != 0) return e;
      skipWs();
      const c = peek();
      pos++;
      if (c == 0x7d) break;
      if (c != 0x2c) return X.MALFORMED;
    }
  }
  skipWs();
  if (pos != end) return X.MALFORMED;
  if (idLen == 0) return X.MISSING_ID;
  if (version != 1) return X.UNSUPPORTED_VERSION;
  return (seen & 24) != 0 && !cmdOpIs(X.OP_SET_LIMIT) ? X.UNKNOWN_FIELD : 0;
}

/** True when the parsed op equals text `name` (texts.ts). */
export function cmdOpIs(name: u32): bool {
  return X.txEquals(name, opBuf, <u32>opLen);
}
