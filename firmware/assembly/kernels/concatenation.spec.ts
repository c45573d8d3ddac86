// CONCATENATION int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/concatenation_test.cc; the same vectors as
// tests/ops-goldens.test.ts). The file's float data are small integers and CONCATENATION only
// moves bytes (inputs and output share scale and zero point), so they are used as int8 values
// directly; the outputs must match exactly.
import { oneOpModel, TensorSpec, OpSpec, i8Bytes, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

/**
 * t0 = input A (graph input), t1 = input B (constant, buffer 1), t2 = output; concatenated along
 * `axis` with fused activation `act`. B's and the output's scale/zp/type can be overridden.
 */
function concatModel(aShape: i32[], bShape: i32[], b: i32[], oShape: i32[], axis: i32, scale: f32, zp: i32,
  act: i32 = T.ACT_NONE, bScale: f32 = -1, bZp: i32 = 999, bType: u8 = T.TYPE_INT8, oType: u8 = T.TYPE_INT8): Uint8Array {
  const op = new OpSpec(0, [], []);
  op.optType = T.OPTS_CONCATENATION;
  op.axis = axis;
  op.act = <u8>act;
  const tensors = [
    new TensorSpec(aShape, T.TYPE_INT8, 0, [scale], [zp]),
    new TensorSpec(bShape, bType, 1, [bScale < 0 ? scale : bScale], [bZp == 999 ? zp : bZp]),
    new TensorSpec(oShape, oType, 0, [scale], [zp]),
  ];
  return oneOpModel(T.OP_CONCATENATION, tensors, [i8Bytes(b)], [0, 1], 2, op);
}

const A6: i32[] = [1, 2, 3, 4, 5, 6];
const B6: i32[] = [7, 8, 9, 10, 11, 12];

describe("CONCATENATION int8 (TFLM concatenation_test.cc goldens, exact)", () => {
  test("TwoInputsQuantizedInt8: [2,1,2] {1,2,3,4} + [2,1,2] {5,6,7,8}, axis 2, scale 0.1 zp 0 -> [2,1,4]", () => {
    expect(loadBytes(concatModel([2, 1, 2], [2, 1, 2], [5, 6, 7, 8], [2, 1, 4], 2, 0.1, 0))).toBe(S.OK);
    expect(runInt8([1, 2, 3, 4])).toStrictEqual([1, 2, 5, 6, 3, 4, 7, 8]);
    expect(lastStatus).toBe(S.OK);
  });
  test("TwoInputsAllAxesCombinations, axis 0 and -2: [2,3] 1..6 + [2,3] 7..12 -> [4,3] 1..12", () => {
    const want: i32[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], 0, 1.0, 0))).toBe(S.OK);
    expect(runInt8(A6)).toStrictEqual(want);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], -2, 1.0, 0))).toBe(S.OK);
    expect(runInt8(A6)).toStrictEqual(want);
  });
  test("TwoInputsAllAxesCombinations, axis 1 and -1: [2,3] 1..6 + [2,3] 7..12 -> [2,6]", () => {
    const want: i32[] = [1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12];
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [2, 6], 1, 1.0, 0))).toBe(S.OK);
    expect(runInt8(A6)).toStrictEqual(want);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [2, 6], -1, 1.0, 0))).toBe(S.OK);
    expect(runInt8(A6)).toStrictEqual(want);
  });
});

describe("CONCATENATION exact values and refusals", () => {
  test("unequal axis sizes ([2,1] + [2,3] on axis 1 -> [2,4]); values pass through unchanged at any zp", () => {
    expect(loadBytes(concatModel([2, 1], [2, 3], [-128, 0, 127, 5, 6, 7], [2, 4], 1, 0.25, -7))).toBe(S.OK);
    expect(runInt8([-1, 100])).toStrictEqual([-1, -128, 0, 127, 100, 5, 6, 7]);
  });
  test("an input with another scale or zero point than the output -> E_QUANT (no requantization)", () => {
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], 0, 1.0, 0, T.ACT_NONE, 0.5))).toBe(S.E_QUANT);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], 0, 1.0, 0, T.ACT_NONE, -1, 3))).toBe(S.E_QUANT);
  });
  test("a fused activation (RELU) -> E_UNSUPPORTED_OP", () => {
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], 0, 1.0, 0, T.ACT_RELU))).toBe(S.E_UNSUPPORTED_OP);
  });
  test("dims off the axis differing, axis sizes not summing to the output's, axis out of range, ranks differing -> E_SHAPE", () => {
    expect(loadBytes(concatModel([2, 3], [2, 2], [1, 2, 3, 4], [4, 3], 0, 1.0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [5, 3], 0, 1.0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], 2, 1.0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], -3, 1.0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(concatModel([2, 3], [6], B6, [4, 3], 0, 1.0, 0))).toBe(S.E_SHAPE);
  });
  test("an int32 input or output -> E_UNSUPPORTED_TYPE", () => {
    expect(loadBytes(concatModel([2, 1], [2, 1], [0, 0, 0, 0, 0, 0, 0, 0], [4, 1], 0, 1.0, 0, T.ACT_NONE, -1, 999, T.TYPE_INT32))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(concatModel([2, 3], [2, 3], B6, [4, 3], 0, 1.0, 0, T.ACT_NONE, -1, 999, T.TYPE_INT8, T.TYPE_INT32))).toBe(S.E_UNSUPPORTED_TYPE);
  });
});
