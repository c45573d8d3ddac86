// SUM / MEAN int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/reduce_test.cc; the same vectors as tests/ops-goldens.test.ts).
// The file's int8 tests quantize input and golden with scale 0.5, zp 0 (q = 2 x value); the
// outputs must match exactly.
import { oneOpModel, TensorSpec, OpSpec, i32Bytes, i8Bytes, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

/** t0 input (graph input), t1 constant axes (buffer 1; type axType), t2 output; ReducerOptions keep_dims. */
function reduceModel(code: i32, shape: i32[], si: f32, zi: i32, axes: i32[], oShape: i32[], so: f32, zo: i32, keep: bool,
  axType: u8 = T.TYPE_INT32, axShape: i32[] = [-1], optType: u8 = T.OPTS_REDUCER, oType: u8 = T.TYPE_INT8): Uint8Array {
  const op = new OpSpec(0, [], []);
  op.optType = optType;
  op.keepDims = keep;
  const tensors = [
    new TensorSpec(shape, T.TYPE_INT8, 0, [si], [zi]),
    new TensorSpec(axShape.length == 1 && axShape[0] == -1 ? [axes.length] : axShape, axType, 1),
    new TensorSpec(oShape, oType, 0, [so], [zo]),
  ];
  return oneOpModel(code, tensors, [axType == T.TYPE_INT32 ? i32Bytes(axes) : i8Bytes(axes)], [0, 1], 2, op);
}

/** 2 x (1..n): the reduce_test.cc input 1..n quantized with scale 0.5, zp 0. */
function twice(n: i32): i32[] {
  const v: i32[] = [];
  for (let i = 1; i <= n; i++) v.push(2 * i);
  return v;
}

describe("SUM / MEAN int8 (TFLM reduce_test.cc goldens, scale 0.5 zp 0, exact)", () => {
  test("MeanInt82DKeepDims: [2,4] = 1..8, axis {1}, keep_dims -> [2,1] {2.5, 6.5} = q {5, 13}", () => {
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 4], 0.5, 0, [1], [2, 1], 0.5, 0, true))).toBe(S.OK);
    expect(runInt8(twice(8))).toStrictEqual([5, 13]);
    expect(lastStatus).toBe(S.OK);
  });
  test("MeanInt83DKeepDims: [2,2,2] = 1..8, axes {1,2}, keep_dims -> [2,1,1] {2.5, 6.5} = q {5, 13}", () => {
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 2, 2], 0.5, 0, [1, 2], [2, 1, 1], 0.5, 0, true))).toBe(S.OK);
    expect(runInt8(twice(8))).toStrictEqual([5, 13]);
  });
  test("MeanInt84DKeepDims: [2,2,3,2] = 1..24, axes {1,2}, keep_dims -> [2,1,1,2] {6,7,18,19} = q {12,14,36,38}", () => {
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 2, 3, 2], 0.5, 0, [1, 2], [2, 1, 1, 2], 0.5, 0, true))).toBe(S.OK);
    expect(runInt8(twice(24))).toStrictEqual([12, 14, 36, 38]);
  });
  test("MeanInt84DWithoutKeepDims: [2,2,3,2] = 1..24, axes {1,2} -> [2,2] {6,7,18,19} = q {12,14,36,38}", () => {
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 2, 3, 2], 0.5, 0, [1, 2], [2, 2], 0.5, 0, false))).toBe(S.OK);
    expect(runInt8(twice(24))).toStrictEqual([12, 14, 36, 38]);
  });
  test("SumInt82DKeepDims: [2,4] = 1..8, axis {1}, keep_dims -> [2,1] {10, 26} = q {20, 52}", () => {
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [1], [2, 1], 0.5, 0, true))).toBe(S.OK);
    expect(runInt8(twice(8))).toStrictEqual([20, 52]);
  });
});

describe("SUM / MEAN exact values and refusals", () => {
  test("SUM, equal quantization: TFLM QuantizedMeanOrSum subtracts the zero points (sum - (n - 1) * zp), it does not add raw values", () => {
    // scale 1, zp 10: {20, 30} are reals {10, 20}, sum 30 -> q 40 (TFLite's builtin no-rescale path would give 50)
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 2], 1.0, 10, [1], [2], 1.0, 10, false))).toBe(S.OK);
    expect(runInt8([20, 30, -5, 0])).toStrictEqual([40, -15]);
  });
  test("SUM overflowing int8 saturates (docs/CONTRACTS.md; TFLM's int8 cast wraps: 200 -> -56)", () => {
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 2], 1.0, 0, [1], [2], 1.0, 0, false))).toBe(S.OK);
    expect(runInt8([100, 100, -100, -100])).toStrictEqual([127, -128]);
  });
  test("MEAN, equal quantization: MBQM(sum - zp * n, M', s') + zp as TFLite 2.21's reference kernel (3.5 -> 4, -3.5 -> -3: rounds half up)", () => {
    // M = 2^30, s = 1 for 1.0; n = 2 folds to M' = 2^30, s' = 0: (7 - 10) * 0.5 = -1.5 -> -1 (+5 = 4); (-7 - 10) * 0.5 = -8.5 -> -8 (+5 = -3)
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 2], 0.1, 5, [1], [2], 0.1, 5, false))).toBe(S.OK);
    expect(runInt8([3, 4, -3, -4])).toStrictEqual([4, -3]);
  });
  test("MEAN, different quantization: roundf(sum / n * scale + bias) + zp (in scale 1 zp 4, out scale 2 zp -1)", () => {
    // row {10, 13}: mean 11.5 - 4 = 7.5 -> / 2 = 3.75 -> 4 - 1 = 3; row {-128, -128}: (-132) / 2 = -66 - 1 = -67
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 2], 1.0, 4, [1], [2], 2.0, -1, false))).toBe(S.OK);
    expect(runInt8([10, 13, -128, -128])).toStrictEqual([3, -67]);
  });
  test("negative and duplicate axes; a scalar axis; all axes reduced to a rank-0 output", () => {
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 4], 0.5, 0, [-1, 1], [2], 0.5, 0, false))).toBe(S.OK);
    expect(runInt8(twice(8))).toStrictEqual([5, 13]);
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [0], [4], 1.0, 0, false, T.TYPE_INT32, []))).toBe(S.OK);
    expect(runInt8(twice(8))).toStrictEqual([6, 8, 10, 12]);
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [0, 1], [], 4.0, 0, false))).toBe(S.OK);
    expect(runInt8(twice(8))).toStrictEqual([9]); // 36 / 4 = 9
  });
  test("axis outside [-rank, rank), output shape not the reduced one (keep_dims or not) -> E_SHAPE", () => {
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [2], [2], 0.5, 0, false))).toBe(S.E_SHAPE);
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [-3], [2], 0.5, 0, false))).toBe(S.E_SHAPE);
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 4], 0.5, 0, [1], [2], 0.5, 0, true))).toBe(S.E_SHAPE);
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 4], 0.5, 0, [1], [2, 1], 0.5, 0, false))).toBe(S.E_SHAPE);
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 4], 0.5, 0, [1], [4], 0.5, 0, false))).toBe(S.E_SHAPE);
  });
  test("int8 axes tensor or int32 output -> E_UNSUPPORTED_TYPE; options of another type -> E_UNSUPPORTED_OP", () => {
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [1], [2], 0.5, 0, false, T.TYPE_INT8))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [1], [2], 0.5, 0, false, T.TYPE_INT32, [-1], T.OPTS_REDUCER, T.TYPE_INT32))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(reduceModel(T.OP_MEAN, [2, 4], 0.5, 0, [1], [2], 0.5, 0, false, T.TYPE_INT32, [-1], T.OPTS_GATHER))).toBe(S.E_UNSUPPORTED_OP);
  });
  test("a rank-2 axes tensor -> E_SHAPE; output zero point outside int8 -> E_QUANT", () => {
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [1], [2], 0.5, 0, false, T.TYPE_INT32, [1, 1]))).toBe(S.E_SHAPE);
    expect(loadBytes(reduceModel(T.OP_SUM, [2, 4], 0.5, 0, [1], [2], 0.5, 300, false))).toBe(S.E_QUANT);
  });
});
