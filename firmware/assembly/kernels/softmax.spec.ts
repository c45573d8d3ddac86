// SOFTMAX int8 (TFLite reference, gemmlowp fixed point). The tolerance-1 goldens are from
// TFLite Micro (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/softmax_test.cc,
// Softmax1DQuantizedInt8ShouldMatchGolden / Softmax2DQuantizedInt8ShouldMatchGolden: input
// scale 0.1 zp 0, output scale 1/256 zp -128, EXPECT_NEAR with tolerance 1); the other values
// are exact consequences of the fixed-point definitions, worked out in the comments.
import { ModelSpec, TensorSpec, OpSpec, buildModel, loadBytes, runInt8 } from "../../tests/testing";
import { softmaxScaling, smMultiplier, smLeftShift, smDiffMin, softmaxRow } from "./softmax";
import { expOnNegativeValues, oneOverOnePlusX, getReciprocal, reciprocalBitsOverUnit } from "./gemmlowp";
import * as S from "../status";
import * as T from "../tflite/schema";

function smModel(shape: i32[], inScale: f32, inZp: i64, outScale: f32, outZp: i64, beta: f32): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [T.OP_SOFTMAX];
  m.tensors = [
    new TensorSpec(shape, T.TYPE_INT8, 0, [inScale], [inZp]),
    new TensorSpec(shape, T.TYPE_INT8, 0, [outScale], [outZp]),
  ];
  const op = new OpSpec(0, [0], [1]);
  op.optType = T.OPTS_SOFTMAX;
  op.beta = beta;
  m.ops = [op];
  m.inputs = [0];
  m.outputs = [1];
  return buildModel(m);
}

function maxAbsDiff(a: i32[], b: i32[]): i32 {
  if (a.length != b.length) return 1 << 30;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = max(d, abs(a[i] - b[i]));
  return d;
}

describe("softmax fixed-point helpers", () => {
  test("PreprocessSoftmaxScaling(beta 1, scale 0.1f): multiplier 1717986944, shift 23, diff_min -248", () => {
    // 0.1f * 2^26 = 6710886.5 = 0.80000001 * 2^23; diff_min = -floor(31 * 2^26 / 2^23)
    expect(softmaxScaling(1.0, 0.1)).toBe(S.OK);
    expect(smMultiplier).toBe(1717986944);
    expect(smLeftShift).toBe(23);
    expect(smDiffMin).toBe(-248);
  });
  test("a multiplier below 1 (beta * scale * 2^26 < 1) is refused with E_QUANT", () => {
    expect(softmaxScaling(1.0, 1e-9)).toBe(S.E_QUANT);
  });
  test("exp_on_negative_values: exp(0) = 1 (INT32_MAX); exp(-1), exp(-1/4), exp(-7.5) within 3e-7 (Q31 result, ~2^-22 accuracy)", () => {
    expect(expOnNegativeValues(0)).toBe(2147483647);
    const pts: f64[] = [-1.0, -0.25, -7.5, -0.1, -3.3];
    for (let i = 0; i < pts.length; i++) {
      const raw = <i32>(pts[i] * 67108864.0); // Q5.26
      const got = <f64>expOnNegativeValues(raw) / 2147483648.0;
      expect(Math.abs(got - Math.exp(<f64>raw / 67108864.0))).toBeLessThan(3e-7);
    }
  });
  test("one_over_one_plus_x: 1/(1+0) ~ 1, 1/(1+0.5) ~ 2/3 within 1e-8", () => {
    expect(Math.abs(<f64>oneOverOnePlusX(0) / 2147483648.0 - 1.0)).toBeLessThan(1e-8);
    expect(Math.abs(<f64>oneOverOnePlusX(1 << 30) / 2147483648.0 - 2.0 / 3.0)).toBeLessThan(1e-8);
  });
  test("GetReciprocal(2^20, 12 integer digits): 1 bit over unit", () => {
    getReciprocal(1 << 20, 12);
    expect(reciprocalBitsOverUnit).toBe(1);
  });
});

describe("SOFTMAX int8 (TFLM softmax_test.cc goldens, tolerance 1)", () => {
  test("[1,5] input {1..5} at scale 0.1 -> {-125,-120,-106,-68,35} within 1", () => {
    expect(loadBytes(smModel([1, 5], 0.1, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.OK);
    expect(maxAbsDiff(runInt8([10, 20, 30, 40, 50]), [-125, -120, -106, -68, 35])).toBeLessThanOrEqual(1);
  });
  test("[2,5] rows {1..5} and {-1..-5} -> both rows within 1", () => {
    expect(loadBytes(smModel([2, 5], 0.1, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.OK);
    const out = runInt8([10, 20, 30, 40, 50, -10, -20, -30, -40, -50]);
    expect(maxAbsDiff(out, [-125, -120, -106, -68, 35, 35, -68, -106, -120, -125])).toBeLessThanOrEqual(1);
  });
});

describe("SOFTMAX int8 exact values", () => {
  test("[1,1] -> 127 (1.0 saturates); [1,2] equal -> {0,0}; [1,4] equal -> -64 each", () => {
    // Equal inputs: every exp is 1.0; the Q12 sum is n * 2^19; the output is 256/n - 128.
    expect(loadBytes(smModel([1, 1], 0.1, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.OK);
    expect(runInt8([42])).toStrictEqual([127]);
    expect(loadBytes(smModel([1, 2], 0.1, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.OK);
    expect(runInt8([-7, -7])).toStrictEqual([0, 0]);
    expect(loadBytes(smModel([1, 4], 0.1, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.OK);
    expect(runInt8([100, 100, 100, 100])).toStrictEqual([-64, -64, -64, -64]);
  });
  test("[1,7] differences beyond diff_min give exactly -128; the max gets 127", () => {
    // scale 1.0: multiplier 2^26 -> shift 27, diff_min = -floor(31 * 2^26 / 2^27) = -15
    expect(loadBytes(smModel([1, 7], 1.0, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.OK);
    expect(runInt8([127, -128, -100, 0, 100, 50, -1])).toStrictEqual([127, -128, -128, -128, -128, -128, -128]);
  });
  test("softmaxRow on one [8] row at scale 0.05: probabilities add up to 256/256 within 8", () => {
    const src = memory.data(16);
    const dst = memory.data(16);
    for (let i = 0; i < 8; i++) store<i8>(src + i, <i8>(i * 9 - 30));
    softmaxScaling(1.0, 0.05);
    softmaxRow(src, dst, 8, smMultiplier, smLeftShift, smDiffMin);
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += <i32>load<i8>(dst + i) + 128;
    expect(abs(sum - 256)).toBeLessThanOrEqual(8); // probabilities add up to ~1.0
  });
});

describe("SOFTMAX refusals", () => {
  test("output zero point 0 -> E_QUANT", () => {
    expect(loadBytes(smModel([1, 5], 0.1, 0, 1.0 / 256.0, 0, 1.0))).toBe(S.E_QUANT);
  });
  test("output scale 1/128 -> E_QUANT", () => {
    expect(loadBytes(smModel([1, 5], 0.1, 0, 1.0 / 128.0, -128, 1.0))).toBe(S.E_QUANT);
  });
  test("row longer than 256 ([1,300]) -> E_SHAPE", () => {
    expect(loadBytes(smModel([1, 300], 0.1, 0, 1.0 / 256.0, -128, 1.0))).toBe(S.E_SHAPE);
  });
});
