// A tiny JSON writer over a fixed buffer: no allocation, bounded, for MQTT payloads.
// Overflow is sticky: once the buffer is full, jsonOverflowed() is true and the payload must be dropped.

import * as X from "../texts";

const CAP: u32 = 768;
const buf: usize = memory.data(768);
let pos: u32 = 0;
let overflow = false;

/** Starts a new payload in the shared buffer. */
export function jsonReset(): void {
  pos = 0;
  overflow = false;
}

/** Pointer to the payload bytes. */
export function jsonPtr(): usize {
  return buf;
}

/** Length of the payload so far. */
export function jsonLen(): u32 {
  return pos;
}

/** True when a write did not fit; the payload is then incomplete and must not be sent. */
export function jsonOverflowed(): bool {
  return overflow;
}

/** Appends one byte. */
export function jsonByte(b: u8): void {
  if (pos >= CAP) {
    overflow = true;
    return;
  }
  store<u8>(buf + pos, b);
  pos++;
}

/** Appends text `s` (texts.ts) verbatim (texts carry no quote or backslash). */
export function jsonRaw(s: u32): void {
  jsonBytes(X.txPtr(s), X.txLen(s));
}

/** Appends the `n` bytes at `p` verbatim (the caller guarantees no quote, backslash or control byte). */
export function jsonBytes(p: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) jsonByte(load<u8>(p + i));
}

/** Appends the `n` bytes at `p` quoted (as jsonBytes). */
export function jsonQuoted(p: usize, n: u32): void {
  jsonByte(0x22);
  jsonBytes(p, n);
  jsonByte(0x22);
}

/** Appends the `n` bytes at `p` as quoted lowercase hex (2n digits). */
export function jsonHex(p: usize, n: u32): void {
  jsonByte(0x22);
  for (let i: u32 = 0; i < n; i++) {
    const b = <u32>load<u8>(p + i);
    const hi = b >> 4, lo = b & 15;
    jsonByte(<u8>(hi < 10 ? 0x30 + hi : 0x57 + hi));
    jsonByte(<u8>(lo < 10 ? 0x30 + lo : 0x57 + lo));
  }
  jsonByte(0x22);
}

/** Appends text `s` (texts.ts) quoted. */
export function jsonStr(s: u32): void {
  jsonByte(0x22);
  jsonRaw(s);
  jsonByte(0x22);
}

/** Appends `"key":` (text `key` of texts.ts, with a leading comma unless `first`). */
export function jsonKey(key: u32, first: bool = false): void {
  if (!first) jsonByte(0x2c);
  jsonStr(key);
  jsonByte(0x3a);
}

/** Appends a signed integer in decimal. */
export function jsonInt(v: i64): void {
  if (v < 0) {
    jsonByte(0x2d);
    // -v overflows only for i64.MIN_VALUE, which payloads never carry; clamp to be safe.
    v = v == i64.MIN_VALUE ? i64.MAX_VALUE : -v;
  }
  const digits = memory.data(20);
  let n: i32 = 0;
  do {
    store<u8>(digits + n, <u8>(0x30 + <i32>(v % 10)));
    v /= 10;
    n++;
  } while (v > 0 && n < 20);
  for (let i = n - 1; i >= 0; i--) jsonByte(load<u8>(digits + i));
}

/**
 * Writes `v` (>= 0; negative values are written as 0) in decimal at dst, at most 20 bytes; returns
 * the number of bytes written. For stamping fields into payloads outside the shared buffer.
 */
export function writeDecimal(dst: usize, v: i64): u32 {
  if (v < 0) v = 0;
  const digits = memory.data(20);
  let n: u32 = 0;
  do {
    store<u8>(digits + n, <u8>(0x30 + <i32>(v % 10)));
    v /= 10;
    n++;
  } while (v > 0 && n < 20);
  for (let i: u32 = 0; i < n; i++) store<u8>(dst + i, load<u8>(digits + n - 1 - i));
  return n;
}

/** Rounds half away from zero (as TFLite's std::round). */
export function roundHalfAway(v: f64): f64 {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/**
 * Appends `v` with exactly `decimals` (0..6) decimals: roundHalfAway(v * 10^decimals) / 10^decimals.
 * Non-finite values, and values whose scaled form would not fit an i64 (|v| * 10^decimals > 1e17),
 * become null.
 */
export function jsonFixed(v: f64, decimals: i32): void {
  let scale: i64 = 1;
  for (let d = 0; d < decimals && d < 6; d++) scale *= 10;
  if (!isFinite(v) || Math.abs(v) * <f64>scale > 1e17) {
    jsonRaw(X.NULL);
    return;
  }
  let r = <i64>roundHalfAway(v * <f64>scale);
  if (r < 0) {
    jsonByte(0x2d);
    r = -r;
  }
  jsonInt(r / scale);
  if (scale == 1) return;
  jsonByte(0x2e);
  const frac = r % scale;
  for (let d: i64 = scale / 10; d >= 1; d /= 10) jsonByte(<u8>(0x30 + <i32>((frac / d) % 10)));
}

/** Appends `v` with exactly two decimals ({@link jsonFixed}). */
export function jsonFixed2(v: f64): void {
  jsonFixed(v, 2);
}

/**
 * Appends `,"top":[{"input":"<name(i)>","<key>":<value(i)>},...]` for i < n, each value with
 * `decimals` decimals ({@link jsonFixed}); nothing when n <= 0.
 */
export function jsonTop(n: i32, name: (i: i32) => u32, key: u32, value: (i: i32) => f64, decimals: i32): void {
  if (n <= 0) return;
  jsonKey(X.K_TOP);
  jsonByte(0x5b);
  for (let i = 0; i < n; i++) {
    if (i > 0) jsonByte(0x2c);
    jsonByte(0x7b);
    jsonKey(X.K_INPUT, true);
    jsonStr(name(i));
    jsonKey(key);
    jsonFixed(value(i), decimals);
    jsonByte(0x7d);
  }
  jsonByte(0x5d);
}
