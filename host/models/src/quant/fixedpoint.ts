/**
 * TFLite / gemmlowp fixed-point arithmetic on exact integers, as TFLite's reference kernels use it
 * (tensorflow/lite/kernels/internal/common.h, quantization_util.cc, gemmlowp fixedpoint.h).
 * Default TFLite build: double rounding in MultiplyByQuantizedMultiplier (TFLITE_SINGLE_ROUNDING
 * off). Every function takes and returns int32 values held in JS numbers; 64-bit products are
 * formed exactly (see {@link saturatingRoundingDoublingHighMul}), never in plain doubles.
 */

/** Smallest and largest int32. */
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Round half away from zero (std::round / TfLiteRound). */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/**
 * std::frexp: v = m * 2^e with 0.5 <= |m| < 1 (m = 0, e = 0 for v = 0). Exact for finite doubles.
 *
 * @throws RangeError for a non-finite v (callers validate scales first).
 */
export function frexp(v: number): [number, number] {
  if (!Number.isFinite(v)) throw new RangeError(`frexp of ${v}`);
  if (v === 0) return [0, 0];
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  let bias = 0;
  if ((dv.getUint16(0) & 0x7ff0) === 0) {
    dv.setFloat64(0, v * 2 ** 64); // subnormal: normalize first
    bias = 64;
  }
  const hi = dv.getUint16(0);
  const e = ((hi & 0x7ff0) >> 4) - 1022 - bias;
  dv.setUint16(0, (hi & 0x800f) | (1022 << 4)); // exponent of [0.5, 1)
  return [dv.getFloat64(0), e];
}

/** A quantized multiplier: real ~= multiplier * 2^(shift - 31). */
export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

/**
 * QuantizeMultiplier (quantization_util.cc): q = frexp(real); qFixed = round(q * 2^31); a qFixed of
 * 2^31 is halved with shift + 1; shift < -31 flushes to (0, 0).
 *
 * @throws RangeError when real is negative or not finite (TFLite CHECK-fails there).
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!(real >= 0) || !Number.isFinite(real)) throw new RangeError(`quantizeMultiplier: bad multiplier ${real}`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  const [q, e] = frexp(real);
  let shift = e;
  let qFixed = roundHalfAway(q * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: qFixed, shift };
}

/**
 * QuantizeMultiplierGreaterThanOne: as {@link quantizeMultiplier}, for real > 1 (shift >= 0).
 *
 * @throws RangeError when real <= 1 or not finite.
 */
export function quantizeMultiplierGreaterThanOne(real: number): QuantizedMultiplier {
  if (!(real > 1)) throw new RangeError(`quantizeMultiplierGreaterThanOne: ${real} is not > 1`);
  return quantizeMultiplier(real);
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul: (a*b + nudge) / 2^31 truncated toward zero, nudge
 * 2^30 for a*b >= 0 else 1 - 2^30; INT32_MAX when a = b = INT32_MIN. The 62-bit product is split
 * into exact double pieces (every partial result < 2^53).
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const neg = (a < 0) !== (b < 0) && a !== 0 && b !== 0;
  const bl = b & 0xffff; // 0..65535
  const bh = (b - bl) / 65536; // signed, |bh| <= 2^15
  const p1 = a * bh; // |p1| <= 2^46, exact
  const r = a * bl + (neg ? 1 - 2 ** 30 : 2 ** 30); // |r| < 2^48, exact
  // T = a*b + nudge = p1 * 2^16 + r = h1 * 2^31 + s with s = l1 * 2^16 + r.
  const h1 = Math.floor(p1 / 32768);
  const l1 = p1 - h1 * 32768; // 0..32767
  const s = l1 * 65536 + r;
  const fs = Math.floor(s / 2 ** 31);
  const exact = s - fs * 2 ** 31 === 0;
  // T < 0 exactly when the product is negative (the nudge keeps the sign; a zero product gives +2^30).
  return h1 + fs + (neg && !exact ? 1 : 0);
}

/**
 * gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
 *
 * @param exponent 0..31.
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * gemmlowp SaturatingRoundingMultiplyByPOT<exponent>: saturating x * 2^exponent for exponent > 0,
 * {@link roundingDivideByPOT} for exponent < 0.
 */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** exponent;
}

/**
 * MultiplyByQuantizedMultiplier (common.h, double rounding): left shift (wrapping int32, as the C
 * int multiply does in practice), SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT.
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(Math.imul(x, 1 << left), multiplier), right);
}

/**
 * Single-rounding MultiplyByQuantizedMultiplier (TFLite's common.h under TFLITE_SINGLE_ROUNDING):
 * floor((x * multiplier + 2^(s-1)) / 2^s) with s = 31 - shift, exact (int64 semantics), truncated
 * to int32 like the firmware's i64 -> i32 wrap. Used by FULLY_CONNECTED, as TFLite 2.21's
 * reference kernel (BUILTIN_REF) does (docs/notes/oracle-findings.md section 6). Never throws.
 */
export function multiplyByQuantizedMultiplierSingle(x: number, multiplier: number, shift: number): number {
  const s = 31 - shift;
  const p = x * multiplier;
  // fast path: the product and the rounding term are exact in f64
  if (s <= 52 && Math.abs(p) < 2 ** 52) return Math.floor((p + 2 ** (s - 1)) / 2 ** s) | 0;
  const r = (BigInt(x) * BigInt(multiplier) + (1n << BigInt(s - 1))) >> BigInt(s);
  return Number(BigInt.asIntN(32, r));
}

/** MultiplyByQuantizedMultiplierGreaterThanOne: SRDHM(x * 2^leftShift, multiplier). */
export function multiplyByQuantizedMultiplierGreaterThanOne(x: number, multiplier: number, leftShift: number): number {
  return saturatingRoundingDoublingHighMul(Math.imul(x, 1 << leftShift), multiplier);
}

/** Softmax input scaling: multiplier and left shift (PreprocessSoftmaxScaling). */
export interface SoftmaxScaling {
  multiplier: number;
  leftShift: number;
}

/**
 * PreprocessSoftmaxScaling (quantization_util.cc): real = min(beta * inputScale *
 * 2^(31 - inputIntegerBits), 2^31 - 1) in f64, then QuantizeMultiplierGreaterThanOne.
 *
 * @throws RangeError when the product is not > 1 (TFLite CHECK-fails).
 */
export function preprocessSoftmaxScaling(beta: number, inputScale: number, inputIntegerBits: number): SoftmaxScaling {
  const real = Math.min(beta * inputScale * 2 ** (31 - inputIntegerBits), 2 ** 31 - 1);
  const q = quantizeMultiplierGreaterThanOne(real);
  return { multiplier: q.multiplier, leftShift: q.shift };
}

/**
 * CalculateInputRadius (quantization_util.cc): floor((2^intBits - 1) * 2^(totalBits - intBits) /
 * 2^leftShift).
 */
export function calculateInputRadius(inputIntegerBits: number, inputLeftShift: number, totalSignedBits = 31): number {
  const max = ((2 ** inputIntegerBits - 1) * 2 ** (totalSignedBits - inputIntegerBits)) / 2 ** inputLeftShift;
  return Math.floor(max);
}

/** Fixed-point multiply of raw values: FixedPoint<a> * FixedPoint<b> has raw SRDHM(a, b). */
const mul = saturatingRoundingDoublingHighMul;

/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, on a Q0.31 raw value. */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668;
  const constant1Over3 = 715827883;
  const x = (a + (1 << 28)) | 0;
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x4 = mul(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2);
  const poly = saturatingRoundingMultiplyByPOT((mul((x4Over4 + x3) | 0, constant1Over3) + x2) | 0, -1);
  return (constantTerm + mul(constantTerm, (x + poly) | 0)) | 0;
}

/** Barrel-shifter constants of gemmlowp exp_on_negative_values: exp(-2^k) in Q0.31 for k = -2..4. */
const EXP_BARREL: readonly [number, number][] = [
  [-2, 1672461947], [-1, 1302514674], [0, 790015084], [1, 290630308], [2, 39332535], [3, 720401], [4, 242],
];

/**
 * gemmlowp exp_on_negative_values for an input FixedPoint<int32, integerBits> (raw a <= 0);
 * returns exp(a) as a Q0.31 raw value (INT32_MAX for a = 0).
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
    saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits),
  );
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const bit = fractionalBits + exponent;
      if (remainder & (1 << bit)) result = mul(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clampB = 36 - integerBits;
    const clamp = -(1 << clampB);
    if (a < clamp) result = 0;
  }
  return a === 0 ? INT32_MAX : result;
}

/** gemmlowp RoundingHalfSum for int32: (a + b + sign) / 2 truncated, in 64-bit. */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + x) for x in [0, 1) as Q0.31 raw values. */
export function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const constant48Over17 = 1515870810; // Q2.29
  const constantNeg32Over17 = -1010580540; // Q2.29
  const oneQ2 = 1 << 29;
  let x = (constant48Over17 + mul(halfDenominator, constantNeg32Over17)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = mul(halfDenominator, x);
    const oneMinus = (oneQ2 - halfDenominatorTimesX) | 0;
    x = (x + saturatingRoundingMultiplyByPOT(mul(x, oneMinus), 2)) | 0;
  }
  // ExactMulByPot<-1> keeps the raw value (Q2 -> Q1); Rescale<0> from Q1 is a saturating x2.
  return saturatingRoundingMultiplyByPOT(x, 1);
}

/** Count of leading zero bits of a uint32. */
export function countLeadingZeros(x: number): number {
  return Math.clz32(x);
}

/**
 * GetReciprocal (common.h): reciprocal of a fixed-point value with `xIntegerDigits` integer bits;
 * returns the Q0.31 raw reciprocal scaled by 2^-numBitsOverUnit.
 */
export function getReciprocal(x: number, xIntegerDigits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = countLeadingZeros(x >>> 0);
  const numBitsOverUnit = xIntegerDigits - headroomPlusOne;
  const shiftedSumMinusOne = (((x >>> 0) * 2 ** headroomPlusOne - 2 ** 31) % 2 ** 32) | 0;
  return { reciprocal: oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit };
}
