// Fixed-point helpers against hand-computed values of TFLite's reference definitions
// (tensorflow/lite/kernels/internal/quantization_util.cc QuantizeMultiplier, common.h
// MultiplyByQuantizedMultiplier, gemmlowp SaturatingRoundingDoublingHighMul/RoundingDivideByPOT).
import {
  quantizeMultiplier, qmMultiplier, qmShift, srdhm, roundingDivideByPOT,
  multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingle, frexp, frexpExp, roundHalfAway, activationRange, actMin, actMax,
} from "./fixedpoint";
import * as S from "../status";

const I32_MIN: i32 = -2147483648;
const I32_MAX: i32 = 2147483647;

describe("frexp / roundHalfAway", () => {
  test("frexp(0.75) = 0.75 * 2^0, frexp(6) = 0.75 * 2^3, frexp(-1) = -0.5 * 2^1", () => {
    expect(frexp(0.75)).toBe(0.75);
    expect(frexpExp).toBe(0);
    expect(frexp(6.0)).toBe(0.75);
    expect(frexpExp).toBe(3);
    expect(frexp(-1.0)).toBe(-0.5);
    expect(frexpExp).toBe(1);
  });
  test("frexp of a subnormal (2^-1074) = 0.5 * 2^-1073", () => {
    expect(frexp(reinterpret<f64>(<u64>1))).toBe(0.5);
    expect(frexpExp).toBe(-1073);
  });
  test("roundHalfAway: 2.5 -> 3, -2.5 -> -3, 0.49999999999999994 -> 0", () => {
    expect(roundHalfAway(2.5)).toBe(3.0);
    expect(roundHalfAway(-2.5)).toBe(-3.0);
    expect(roundHalfAway(0.49999999999999994)).toBe(0.0);
    expect(roundHalfAway(-0.4)).toBe(0.0);
  });
});

describe("QuantizeMultiplier", () => {
  test("0.5 -> (2^30, 0); 1.0 -> (2^30, 1); 0.75 -> (1610612736, 0)", () => {
    expect(quantizeMultiplier(0.5)).toBe(S.OK);
    expect(qmMultiplier).toBe(1 << 30);
    expect(qmShift).toBe(0);
    quantizeMultiplier(1.0);
    expect(qmMultiplier).toBe(1 << 30);
    expect(qmShift).toBe(1);
    quantizeMultiplier(0.75);
    expect(qmMultiplier).toBe(1610612736);
    expect(qmShift).toBe(0);
  });
  test("0.1 -> (1717986918, -3) (round(0.8 * 2^31))", () => {
    quantizeMultiplier(0.1);
    expect(qmMultiplier).toBe(1717986918);
    expect(qmShift).toBe(-3);
  });
  test("mantissa rounding up to 2^31 is halved and the shift bumped: 1 - 2^-40 -> (2^30, 1)", () => {
    quantizeMultiplier(1.0 - 9.094947017729282e-13);
    expect(qmMultiplier).toBe(1 << 30);
    expect(qmShift).toBe(1);
  });
  test("zero and values below 2^-32 give (0, 0); 2^-32 keeps shift -31", () => {
    quantizeMultiplier(0.0);
    expect(qmMultiplier).toBe(0);
    quantizeMultiplier(1.1641532182693481e-10); // 2^-33
    expect(qmMultiplier).toBe(0);
    expect(qmShift).toBe(0);
    quantizeMultiplier(2.3283064365386963e-10); // 2^-32
    expect(qmMultiplier).toBe(1 << 30);
    expect(qmShift).toBe(-31);
  });
  test("NaN, infinity and huge multipliers are refused with E_QUANT", () => {
    expect(quantizeMultiplier(NaN)).toBe(S.E_QUANT);
    expect(quantizeMultiplier(Infinity)).toBe(S.E_QUANT);
    expect(quantizeMultiplier(4294967296.0)).toBe(S.E_QUANT);
  });
});

describe("SaturatingRoundingDoublingHighMul / RoundingDivideByPOT", () => {
  test("srdhm(MIN, MIN) saturates to MAX; srdhm(MAX, MAX) = MAX - 1", () => {
    expect(srdhm(I32_MIN, I32_MIN)).toBe(I32_MAX);
    expect(srdhm(I32_MAX, I32_MAX)).toBe(I32_MAX - 1);
  });
  test("srdhm rounds 1.5 up to 2 and -1.5 to -1 (gemmlowp nudge, truncating division)", () => {
    expect(srdhm(3, 1 << 30)).toBe(2);
    expect(srdhm(-3, 1 << 30)).toBe(-1);
    expect(srdhm(-5, 1 << 30)).toBe(-2);
  });
  test("RoundingDivideByPOT rounds half away from zero: 3/2 -> 2, -3/2 -> -2, -5/4 -> -1", () => {
    expect(roundingDivideByPOT(3, 1)).toBe(2);
    expect(roundingDivideByPOT(-3, 1)).toBe(-2);
    expect(roundingDivideByPOT(-5, 2)).toBe(-1);
    expect(roundingDivideByPOT(-6, 2)).toBe(-2);
    expect(roundingDivideByPOT(I32_MAX, 31)).toBe(1);
    expect(roundingDivideByPOT(I32_MIN, 31)).toBe(-1);
    expect(roundingDivideByPOT(7, 0)).toBe(7);
  });
});

describe("MultiplyByQuantizedMultiplier (double rounding)", () => {
  test("x * 0.5: 100 -> 50, 3 -> 2, -3 -> -1 (srdhm), 0 -> 0", () => {
    expect(multiplyByQuantizedMultiplier(100, 1 << 30, 0)).toBe(50);
    expect(multiplyByQuantizedMultiplier(3, 1 << 30, 0)).toBe(2);
    expect(multiplyByQuantizedMultiplier(-3, 1 << 30, 0)).toBe(-1);
    expect(multiplyByQuantizedMultiplier(0, 1 << 30, 0)).toBe(0);
  });

describe("MultiplyByQuantizedMultiplierSingle (single rounding, FULLY_CONNECTED)", () => {
  test("-6 * 0.25 = -1.5 rounds once, half up, to -1 (double rounding gives -2)", () => {
    expect(multiplyByQuantizedMultiplierSingle(-6, 1 << 30, -1)).toBe(-1);
    expect(multiplyByQuantizedMultiplier(-6, 1 << 30, -1)).toBe(-2);
  });
  test("6 * 0.25 = 1.5 -> 2; 22000 * 0x6489_3750 * 2^-41 = 16.87 -> 17; multiplier 0 -> 0", () => {
    expect(multiplyByQuantizedMultiplierSingle(6, 1 << 30, -1)).toBe(2);
    expect(multiplyByQuantizedMultiplierSingle(22000, 0x64893750, -10)).toBe(17);
    expect(multiplyByQuantizedMultiplierSingle(12345, 0, 0)).toBe(0);
  });
  test("a positive shift (multiplier > 1): 100 * 1.5 = 150", () => {
    expect(multiplyByQuantizedMultiplierSingle(100, 3 << 29, 1)).toBe(150);
  });
});
  test("x * 0.25 as (2^30, -1): 5 -> srdhm 3 -> rdbpot 2 (double rounding; single rounding gives 1)", () => {
    expect(multiplyByQuantizedMultiplier(5, 1 << 30, -1)).toBe(2);
    expect(multiplyByQuantizedMultiplier(-5, 1 << 30, -1)).toBe(-1);
  });
  test("left shifts: 1000 * (2^30, shift 3) = 4000; MIN * MIN multiplier saturates", () => {
    expect(multiplyByQuantizedMultiplier(1000, 1 << 30, 3)).toBe(4000);
    expect(multiplyByQuantizedMultiplier(I32_MIN, I32_MIN, 0)).toBe(I32_MAX);
  });
});

describe("CalculateActivationRangeQuantized (int8)", () => {
  test("NONE -> [-128,127]; RELU zp -5 -> [-5,127]; RELU6 scale 0.05 zp -128 -> [-128,-8]", () => {
    expect(activationRange(0, 0.1, 3)).toBe(S.OK);
    expect(actMin).toBe(-128);
    expect(actMax).toBe(127);
    activationRange(1, 0.1, -5);
    expect(actMin).toBe(-5);
    expect(actMax).toBe(127);
    activationRange(3, 0.05, -128);
    expect(actMin).toBe(-128);
    expect(actMax).toBe(-8);
  });
  test("RELU_N1_TO_1 (2): zp -/+ roundf(1 / scale), clamped to int8", () => {
    expect(activationRange(2, 0.1, 0)).toBe(S.OK);
    expect(actMin).toBe(-10);
    expect(actMax).toBe(10);
    expect(activationRange(2, 0.1, 120)).toBe(S.OK);
    expect(actMin).toBe(110);
    expect(actMax).toBe(127);
  });
  test("TANH (4) and SIGN_BIT (5) are refused", () => {
    expect(activationRange(4, 0.1, 0)).toBe(S.E_UNSUPPORTED_OP);
    expect(activationRange(5, 0.1, 0)).toBe(S.E_UNSUPPORTED_OP);
  });
});
