// gemmlowp fixed-point functions used by TFLite's reference int8 softmax
// (gemmlowp/fixedpoint/fixedpoint.h; tensorflow/lite/kernels/internal/common.h GetReciprocal).
// A FixedPoint<int32, I> value is its raw i32 with 31 - I fractional bits; a product of
// FixedPoint<A> and FixedPoint<B> is srdhm(raw, raw) as a FixedPoint<A + B>; + and - wrap.

import { srdhm, roundingDivideByPOT } from "./fixedpoint";

const I32_MIN: i32 = -2147483648;
const I32_MAX: i32 = 2147483647;

/** gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0: saturating x << exponent. */
export function satShiftLeft(x: i32, exponent: i32): i32 {
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return I32_MAX;
  if (x < -threshold) return I32_MIN;
  return x << exponent;
}

/** gemmlowp RoundingHalfSum for int32: (a + b) / 2 rounded half away from zero. */
export function roundingHalfSum(a: i32, b: i32): i32 {
  const sum = <i64>a + <i64>b;
  const sign: i64 = sum >= 0 ? 1 : -1;
  return <i32>((sum + sign) / 2);
}

/**
 * gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl: exp(a) for a FixedPoint<0>
 * in [-1/4, 0), by a Taylor expansion around -1/8. Returns a FixedPoint<0>.
 */
export function expOnIntervalQuarter(a: i32): i32 {
  const constantTerm: i32 = 1895147668; // exp(-1/8)
  const constant1Over3: i32 = 715827883; // 1/3
  const x = a + (1 << 28); // a + 1/8
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT(srdhm(x4Over4 + x3, constant1Over3) + x2, 1);
  return constantTerm + srdhm(constantTerm, x + poly);
}

/**
 * gemmlowp exp_on_negative_values for a FixedPoint<int32, 5> input a <= 0 (26 fractional bits).
 * Returns exp(a) as a FixedPoint<0> (raw Q31; exp(0) is I32_MAX).
 */
export function expOnNegativeValues(a: i32): i32 {
  const kFractionalBits = 26;
  const kOneQuarter: i32 = 1 << 24;
  const mask = kOneQuarter - 1;
  const aModQuarterMinusQuarter = (a & mask) - kOneQuarter;
  // Rescale<0> from 5 integer bits: saturating multiply by 2^5.
  let result = expOnIntervalQuarter(satShiftLeft(aModQuarterMinusQuarter, 5));
  const remainder = aModQuarterMinusQuarter - a;
  // Barrel shifter: exp(-2^e) for e = -2 .. 4, applied when bit (26 + e) of remainder is set.
  if ((remainder & (1 << (kFractionalBits - 2))) != 0) result = srdhm(result, 1672461947);
  if ((remainder & (1 << (kFractionalBits - 1))) != 0) result = srdhm(result, 1302514674);
  if ((remainder & (1 << kFractionalBits)) != 0) result = srdhm(result, 790015084);
  if ((remainder & (1 << (kFractionalBits + 1))) != 0) result = srdhm(result, 290630308);
  if ((remainder & (1 << (kFractionalBits + 2))) != 0) result = srdhm(result, 39332535);
  if ((remainder & (1 << (kFractionalBits + 3))) != 0) result = srdhm(result, 720401);
  if ((remainder & (1 << (kFractionalBits + 4))) != 0) result = srdhm(result, 242);
  return a == 0 ? I32_MAX : result;
}

/**
 * gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a FixedPoint<0> a in [0, 1),
 * by three Newton-Raphson steps on FixedPoint<2> values. Returns a FixedPoint<0>.
 */
export function oneOverOnePlusX(a: i32): i32 {
  const halfDenominator = roundingHalfSum(a, I32_MAX);
  const c48Over17: i32 = 1515870810;
  const cNeg32Over17: i32 = -1010580540;
  const oneF2: i32 = 1 << 29;
  let x = c48Over17 + srdhm(halfDenominator, cNeg32Over17);
  for (let i = 0; i < 3; i++) {
    const hdx = srdhm(halfDenominator, x);
    const oneMinus = oneF2 - hdx;
    x = x + satShiftLeft(srdhm(x, oneMinus), 2); // Rescale<2> of a FixedPoint<4>
  }
  // ExactMulByPot<-1> (FixedPoint<1>, same raw), then Rescale<0>: saturating * 2.
  return satShiftLeft(x, 1);
}

/** Bits over unit written by getReciprocal(). */
export let reciprocalBitsOverUnit: i32 = 0;

/**
 * TFLite GetReciprocal: for x > 0 with `integerDigits` integer bits, returns the FixedPoint<0>
 * raw of 1 / (x scaled into [1, 2)) and sets reciprocalBitsOverUnit.
 */
export function getReciprocal(x: i32, integerDigits: i32): i32 {
  const headroomPlusOne = <i32>clz<u32>(<u32>x);
  reciprocalBitsOverUnit = integerDigits - headroomPlusOne;
  const shiftedSumMinusOne = <i32>((<u32>x << headroomPlusOne) - (<u32>1 << 31));
  return oneOverOnePlusX(shiftedSumMinusOne);
}
