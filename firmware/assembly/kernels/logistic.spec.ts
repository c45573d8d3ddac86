// LOGISTIC int8 (TFLite Micro's integer reference: gemmlowp logistic on Q4.27). Goldens from
// TensorFlow Lite Micro (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/logistic_test.cc,
// LogisticQuantizedInt8BasicShouldMatchGolden and LogisticQuantizedInt8WideRangeShouldMatchGolden:
// output scale 1/255, zero point -128, tolerance 1). The wide-range test declares shape
// {2, 1, 5} ([1,5], five values compared); here all ten values run as [2,5].
import { unaryModel, quantizeI8, loadBytes, runInt8, lastStatus, maxAbsDiff } from "../../tests/testing";
import { logisticQ4, tanhQ4, expOnNegativeValuesBits } from "./gemmlowp";
import * as S from "../status";
import * as T from "../tflite/schema";

const OUT_SCALE: f32 = <f32>1.0 / <f32>255.0;
const GOLDEN: f32[] = [0.73105858, 0.88079708, 0.95257413, 0.98201379, 0.99330715,
  0.26894142, 0.11920292, 0.04742587, 0.01798621, 0.00669285];

describe("LOGISTIC int8 (TFLM logistic_test.cc goldens, tolerance 1)", () => {
  test("LogisticQuantizedInt8BasicShouldMatchGolden: [2,5] {1..5, -1..-5}, input scale 0.1 zp 0", () => {
    expect(loadBytes(unaryModel(T.OP_LOGISTIC, [2, 5], 0.1, 0, OUT_SCALE, -128))).toBe(S.OK);
    const out = runInt8(quantizeI8([1, 2, 3, 4, 5, -1, -2, -3, -4, -5], 0.1, 0));
    expect(lastStatus).toBe(S.OK);
    expect(maxAbsDiff(out, quantizeI8(GOLDEN, OUT_SCALE, -128))).toBeLessThanOrEqual(1);
  });
  test("LogisticQuantizedInt8WideRangeShouldMatchGolden: [2,5] {1,2,3,4,93, -1,-2,-3,-4,-93}, input scale 1.0 zp 0", () => {
    expect(loadBytes(unaryModel(T.OP_LOGISTIC, [2, 5], 1.0, 0, OUT_SCALE, -128))).toBe(S.OK);
    const out = runInt8(quantizeI8([1, 2, 3, 4, 93, -1, -2, -3, -4, -93], 1.0, 0));
    const golden: f32[] = [0.73105858, 0.88079708, 0.95257413, 0.98201379, 1.0,
      0.26894142, 0.11920292, 0.04742587, 0.01798621, 0.0];
    expect(maxAbsDiff(out, quantizeI8(golden, OUT_SCALE, -128))).toBeLessThanOrEqual(1);
  });
});

describe("LOGISTIC exact values and refusals", () => {
  test("0 -> 0.5 exactly (-128 + 128 = 0); beyond the input radius saturates to -128 / 127", () => {
    // scale 1.0: multiplier 2^27 -> q 0.5, shift 28, radius floor(15 * 2^27 / 2^28) = 7
    expect(loadBytes(unaryModel(T.OP_LOGISTIC, [4], 1.0, 0, <f32>1.0 / <f32>256.0, -128))).toBe(S.OK);
    expect(runInt8([0, 7, -7, 6])).toStrictEqual([0, 127, -128, 127]); // sigmoid(6) * 256 = 255.4 -> 127
  });
  test("gemmlowp helpers: logistic(0) = 2^30, logistic(+x) + logistic(-x) = INT32_MAX, tanh odd, exp(0) = INT32_MAX", () => {
    expect(logisticQ4(0)).toBe(1 << 30);
    const x = 3 << 26; // 1.5 in Q4.27
    expect(logisticQ4(x) + logisticQ4(-x)).toBe(2147483647);
    expect(tanhQ4(-x)).toBe(-tanhQ4(x));
    expect(expOnNegativeValuesBits(0, 4)).toBe(2147483647);
    expect(Math.abs(<f64>logisticQ4(x) / 2147483648.0 - 1.0 / (1.0 + Math.exp(-1.5)))).toBeLessThan(1e-6);
    expect(Math.abs(<f64>tanhQ4(x) / 2147483648.0 - Math.tanh(1.5))).toBeLessThan(1e-6);
  });
  test("output zero point 0 -> E_QUANT; output scale 1/128 -> E_QUANT", () => {
    expect(loadBytes(unaryModel(T.OP_LOGISTIC, [4], 0.1, 0, OUT_SCALE, 0))).toBe(S.E_QUANT);
    expect(loadBytes(unaryModel(T.OP_LOGISTIC, [4], 0.1, 0, <f32>1.0 / <f32>128.0, -128))).toBe(S.E_QUANT);
  });
});
