// Parser of operator commands (app/cmd.ts), kept free of HAL imports so it can be unit tested:
// one flat JSON object of string, number, true/false/null values (no nesting, no escapes, no
// exponents), at most 16 fields, every length bounded. Recognised fields: v, id (1-32 of
// A-Z a-z 0-9 . _ -), op (<= 16 characters), limit_c, hysteresis_c; others are skipped.

import * as X from "../texts";

/** Longest id, characters. */
export const CMD_ID_MAX: i32 = 32;
const OP_MAX: i32 = 16;
const MAX_FIELDS: i32 = 16;

const idBuf: usize = memory.data(32);
const opBuf: usize = memory.data(16);
let idLen: i32 = 0;
let opLen: i32 = 0;
let version: f64 = -1;
let limitC: f64 = NaN;
let hystC: f64 = NaN;
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

/** Reads `-?digits(.digits)?` (no exponent, at most 13 digits); NaN when it is not one. */
function readNumber(): f64 {
  let neg = false;
  if (peek() == 0x2d) {
    neg = true;
    pos++;
  }
  let v: f64 = 0;
  let digits = 0;
  while (peek() >= 0x30 && peek() <= 0x39 && digits < 13) {
    v = v * 10.0 + <f64>(peek() - 0x30);
    pos++;
    digits++;
  }
  if (digits == 0) return NaN;
  if (peek() == 0x2e) {
    pos++;
    let scale: f64 = 0.1;
    let frac = 0;
    while (peek() >= 0x30 && peek() <= 0x39 && digits < 13) {
      v += scale * <f64>(peek() - 0x30);
      scale *= 0.1;
      pos++;
      digits++;
      frac++;
    }
    if (frac == 0) return NaN;
  }
  const c = peek();
  if ((c >= 0x30 && c <= 0x39) || c == 0x65 || c == 0x45 || c == 0x2e) return NaN; // too long, exponent
  return neg ? -v : v;
}

/** Skips `word` at pos when it is there. */
function skipWord(word: u32): bool {
  const n = X.txLen(word);
  if (pos + n > end || !X.txEquals(word, src + pos, n)) return false;
  pos += n;
  return true;
}

/** Skips `true`, `false` or `null`; false when the value is none of them. */
function skipLiteral(): bool {
  return skipWord(X.TRUE) || skipWord(X.FALSE) || skipWord(X.NULL);
}

/** True when the key bytes at [k, k+n) equal text `name` (texts.ts). */
function keyIs(k: u32, n: i32, name: u32): bool {
  return X.txEquals(name, src + k, <u32>n);
}

/** Parses one value for key [k, k+n); returns an error text (texts.ts) or 0. */
function parseValue(k: u32, n: i32): u32 {
  const c = peek();
  if (c == 0x22) {
    const s = readString();
    if (s < 0) return X.MALFORMED;
    if (keyIs(k, n, X.K_ID)) {
      if (strLen == 0 || strLen > CMD_ID_MAX) return X.BAD_ID;
      for (let i = 0; i < strLen; i++) if (!isIdChar(load<u8>(src + s + i))) return X.BAD_ID;
      memory.copy(idBuf, src + s, strLen);
      idLen = strLen;
    } else if (keyIs(k, n, X.K_OP)) {
      if (strLen == 0 || strLen > OP_MAX) return X.UNKNOWN_OP;
      memory.copy(opBuf, src + s, strLen);
      opLen = strLen;
    }
    return 0;
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
    const v = readNumber();
    if (isNaN(v)) return X.MALFORMED;
    if (keyIs(k, n, X.K_V)) version = v;
    else if (keyIs(k, n, X.K_LIMIT_C)) limitC = v;
    else if (keyIs(k, n, X.K_HYSTERESIS_C)) hystC = v;
    return 0;
  }
  return skipLiteral() ? 0 : X.MALFORMED;
}

/**
 * Parses the command in [ptr, ptr+len): one flat JSON object. Returns 0 when it is well formed
 * with v 1 and an id, else the error text (texts.ts handle) for the reply: `malformed`, `bad id`, `unknown op`,
 * `missing id`, `unsupported version`. The fields read so far stay readable (cmdIdLen etc.), so
 * an error reply can carry the id when it was read before the error. Never reads outside the range.
 */
export function cmdParse(ptr: usize, len: u32): u32 {
  src = ptr;
  cmdClear();
  pos = 0;
  end = len;
  skipWs();
  if (peek() != 0x7b) return X.MALFORMED;
  pos++;
  skipWs();
  if (peek() == 0x7d) {
    pos++;
  } else {
    for (let fields = 0; ; fields++) {
      if (fields >= MAX_FIELDS) return X.MALFORMED;
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
  return 0;
}

/** True when the parsed op equals text `name` (texts.ts). */
export function cmdOpIs(name: u32): bool {
  return X.txEquals(name, opBuf, <u32>opLen);
}
