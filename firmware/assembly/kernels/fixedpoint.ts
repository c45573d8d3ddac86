// Fixed-point helpers with TFLite's reference semantics (tensorflow/lite/kernels/internal/
// common.h and quantization_util.cc, without TFLITE_SINGLE_ROUNDING): requantization is
// SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT ("double rounding").

import * as S from "../status";

const I32_MIN: i32 = -2147483648;
const I32_MAX: i32 = 2147483647;

/** Round half away from zero (C's round / TfLiteRound), exact for every finite f64. */
export function roundHalfAway(x: f64): f64 {
  const t = trunc(x);
  const d = x - t; // exact
  if (d >= 0.5) return t + 1.0;
  if (d <= -0.5) return t - 1.0;
  return t;
}

/** Round half away from zero for f32 (C's roundf), exact for every finite f32. */
export function roundHalfAwayF32(x: f32): f32 {
  const t = trunc(x);
  const d = x - t; // exact
  if (d >= <f32>0.5) return t + <f32>1.0;
  if (d <= <f32>-0.5) return t - <f32>1.0;
  return t;
}

/** Exponent written by frexp(). */
export let frexpExp: i32 = 0;

/**
 * C's frexp: returns m with |m| in [0.5, 1) and sets frexpExp so that x = m * 2^frexpExp.
 * Returns x itself (frexpExp 0) for 0, infinities and NaN.
 */
export function frexp(x: f64): f64 {
  let bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff);
  frexpExp = 0;
  if (e == 0x7ff || x == 0) return x;
  let adj = 0;
  if (e == 0) {
    // Subnormal: scale into the normal range first.
    bits = reinterpret<u64>(x * 18446744073709551616.0); // 2^64
    e = <i32>((bits >> 52) & 0x7ff);
    adj = 64;
  }
  frexpExp = e - 1022 - adj;
  return reinterpret<f64>((bits & 0x800fffffffffffff) | (<u64>1022 << 52));
}

/** Multiplier and shift written by quantizeMultiplier(). */
export let qmMultiplier: i32 = 0;
export let qmShift: i32 = 0;

/**
 * TFLite QuantizeMultiplier: m = q * 2^shift with q a Q31 integer in [2^30, 2^31).
 * Writes qmMultiplier/qmShift. A multiplier of 0, or one below 2^-32 (shift < -31),
 * gives (0, 0). Returns E_QUANT for NaN, infinities and values too large for Q31 * 2^31.
 */
export function quantizeMultiplier(m: f64): i32 {
  qmMultiplier = 0;
  qmShift = 0;
  if (m == 0) return S.OK;
  if (isNaN(m) || !isFinite(m)) return S.E_QUANT;
  const q = frexp(m);
  let shift = frexpExp;
  let qFixed = <i64>roundHalfAway(q * 2147483648.0);
  if (qFixed == 2147483648) {
    qFixed /= 2;
    shift++;
  }
  if (shift > 30) return S.E_QUANT;
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  qmMultiplier = <i32>qFixed;
  qmShift = shift;
  return S.OK;
}

/** gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating MIN*MIN. */
// @ts-ignore: decorator
@inline
export function srdhm(a: i32, b: i32): i32 {
  if (a == b && a == I32_MIN) return I32_MAX;
  const ab = <i64>a * <i64>b;
  const nudge: i64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return <i32>((ab + nudge) / <i64>2147483648); // truncating division, as in C++
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero; 0 <= exponent <= 31. */
// @ts-ignore: decorator
@inline
export function roundingDivideByPOT(x: i32, exponent: i32): i32 {
  const mask = <i32>((<i64>1 << exponent) - 1);
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite MultiplyByQuantizedMultiplier (double rounding): x * m * 2^shift.
 * A left shift is applied to x first with int32 wrap-around, as the C++ code does.
 */
// @ts-ignore: decorator
@inline
export function multiplyByQuantizedMultiplier(x: i32, m: i32, shift: i32): i32 {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(srdhm(x << left, m), right);
}

/**
 * Single-rounding requantization (TFLite's MultiplyByQuantizedMultiplier as compiled with
 * TFLITE_SINGLE_ROUNDING): (x * m + 2^(s-1)) >> s in i64, s = 31 - shift, i.e. x * m * 2^shift
 * rounded once, half up. TFLite 2.21's reference FULLY_CONNECTED kernel (BUILTIN_REF) requantizes
 * this way (measured: docs/notes/oracle-findings.md section 6). The result is truncated to i32
 * (callers clamp to int8 right after).
 */
// @ts-ignore: decorator
@inline
export function multiplyByQuantizedMultiplierSingle(x: i32, m: i32, shift: i32): i32 {
  const s = <i64>(31 - shift);
  return <i32>((<i64>x * <i64>m + (<i64>1 << (s - 1))) >> s);
}

/** Activation bounds written by activationRange(). */
export let actMin: i32 = -128;
export let actMax: i32 = 127;

/**
 * TFLite CalculateActivationRangeQuantized for int8: NONE (0) gives [-128, 127], RELU (1)
 * [max(-128, zp), 127], RELU_N1_TO_1 (2) [max(-128, zp + roundf(-1 / scale)),
 * min(127, zp + roundf(1 / scale))], RELU6 (3) [max(-128, zp), min(127, zp + roundf(6 / scale))]
 * (f32 arithmetic). Writes actMin/actMax. Returns E_UNSUPPORTED_OP for other activations.
 */
export function activationRange(act: i32, scale: f32, zp: i32): i32 {
  actMin = -128;
  actMax = 127;
  if (act == 0) return S.OK;
  if (act != 1 && act != 2 && act != 3) return S.E_UNSUPPORTED_OP;
  if (act == 2) {
    let one = roundHalfAwayF32(<f32>1.0 / scale);
    if (one > <f32>1e6) one = <f32>1e6;
    if (zp - <i32>one > actMin) actMin = zp - <i32>one;
    if (zp + <i32>one < actMax) actMax = zp + <i32>one;
    return S.OK;
  }
  if (zp > actMin) actMin = zp;
  if (act == 3) {
    let six = roundHalfAwayF32(<f32>6.0 / scale);
    if (six > <f32>1e6) six = <f32>1e6;
    const hi = zp + <i32>six;
    if (hi < actMax) actMax = hi;
  }
  return S.OK;
}
