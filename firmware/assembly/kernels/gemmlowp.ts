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
 * Returns exp(a) as a FixedPoint<0> (raw Q31; exp(0) is I32_MAX). The same computation as
 * expOnNegativeValuesBits(a, 5).
 */
export function expOnNegativeValues(a: i32): i32 {
  return expOnNegativeValuesBits(a, 5);
}

/**
 * The three Newton-Raphson steps shared by one_over_one_plus_x_for_x_in_0_1 and
 * one_minus_x_over_one_plus_x_for_x_in_0_1: x ~ 1 / halfDenominator as a FixedPoint<2>.
 */
function newtonReciprocal(halfDenominator: i32): i32 {
  const oneF2: i32 = 1 << 29;
  let x = 1515870810 + srdhm(halfDenominator, -1010580540); // 48/17 - 32/17 * d
  for (let i = 0; i < 3; i++) {
    const oneMinus = oneF2 - srdhm(halfDenominator, x);
    x = x + satShiftLeft(srdhm(x, oneMinus), 2); // Rescale<2> of a FixedPoint<4>
  }
  return x;
}

/**
 * gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a FixedPoint<0> a in [0, 1),
 * by three Newton-Raphson steps on FixedPoint<2> values. Returns a FixedPoint<0>.
 */
export function oneOverOnePlusX(a: i32): i32 {
  // ExactMulByPot<-1> (FixedPoint<1>, same raw), then Rescale<0>: saturating * 2.
  return satShiftLeft(newtonReciprocal(roundingHalfSum(a, I32_MAX)), 1);
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

/**
 * gemmlowp exp_on_negative_values for a FixedPoint<int32, integerBits> input a <= 0
 * (1 <= integerBits <= 6). Returns exp(a) as a FixedPoint<0> (exp(0) is I32_MAX). The barrel
 * shifter uses the factors exp(-2^e) for e = -2 .. min(4, integerBits - 1).
 */
export function expOnNegativeValuesBits(a: i32, integerBits: i32): i32 {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusQuarter = (a & mask) - oneQuarter;
  let result = expOnIntervalQuarter(satShiftLeft(aModQuarterMinusQuarter, integerBits));
  const remainder = aModQuarterMinusQuarter - a;
  if ((remainder & (1 << (fractionalBits - 2))) != 0) result = srdhm(result, 1672461947);
  if ((remainder & (1 << (fractionalBits - 1))) != 0) result = srdhm(result, 1302514674);
  if (integerBits > 0 && (remainder & (1 << fractionalBits)) != 0) result = srdhm(result, 790015084);
  if (integerBits > 1 && (remainder & (1 << (fractionalBits + 1))) != 0) result = srdhm(result, 290630308);
  if (integerBits > 2 && (remainder & (1 << (fractionalBits + 2))) != 0) result = srdhm(result, 39332535);
  if (integerBits > 3 && (remainder & (1 << (fractionalBits + 3))) != 0) result = srdhm(result, 720401);
  if (integerBits > 4 && (remainder & (1 << (fractionalBits + 4))) != 0) result = srdhm(result, 242);
  if (integerBits > 5 && a < -(1 << (fractionalBits + 5))) result = 0;
  return a == 0 ? I32_MAX : result;
}

/**
 * gemmlowp logistic for a FixedPoint<int32, 4> input: 1 / (1 + exp(-a)) as a FixedPoint<0>
 * (raw Q31): one_over_one_plus_x(exp(-|a|)) for a > 0, One - that for a < 0, 2^30 for a = 0.
 */
export function logisticQ4(a: i32): i32 {
  if (a == 0) return 1 << 30;
  const absA = a > 0 ? a : -a;
  const pos = oneOverOnePlusX(expOnNegativeValuesBits(-absA, 4));
  return a > 0 ? pos : I32_MAX - pos;
}

/**
 * gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: (1 - a) / (1 + a) for a FixedPoint<0>
 * a in [0, 1), by the same three Newton-Raphson steps as oneOverOnePlusX on FixedPoint<2>
 * values, then Rescale<0>(x - 1). Returns a FixedPoint<0>.
 */
export function oneMinusXOverOnePlusX(a: i32): i32 {
  return satShiftLeft(newtonReciprocal(roundingHalfSum(a, I32_MAX)) - (1 << 29), 2);
}

/**
 * gemmlowp tanh for a FixedPoint<int32, 4> input, as a FixedPoint<0>: with n = -|a|,
 * t = one_minus_x_over_one_plus_x(exp(2n)) (ExactMulByPot<1>: the same raw read with 5 integer
 * bits); returns -t for a < 0, t for a > 0, 0 for a = 0.
 */
export function tanhQ4(a: i32): i32 {
  if (a == 0) return 0;
  const n = a < 0 ? a : -a;
  const t = oneMinusXOverOnePlusX(expOnNegativeValuesBits(n, 5));
  return a < 0 ? -t : t;
}
