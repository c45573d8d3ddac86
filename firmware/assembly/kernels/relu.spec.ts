// RELU / RELU6 int8. Goldens from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/activations_test.cc, SimpleReluTestInt8 and SimpleRelu6TestInt8;
// exact comparison there and here). Those tests declare shape {2, 1, 5} (rank 2, [1,5]) with
// ten values, so TFLM compares only the first five; here all ten run as a [2,5] tensor.
import { unaryModel, quantizeI8, loadBytes, runInt8, lastStatus, ModelSpec, TensorSpec, OpSpec, buildModel } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

describe("RELU / RELU6 int8 (TFLM activations_test.cc goldens, exact)", () => {
  test("SimpleReluTestInt8: [2,5] {1..5, -1..-5}, scale 0.5 zp 0 in and out -> {1..5, 0 x5}", () => {
    expect(loadBytes(unaryModel(T.OP_RELU, [2, 5], 0.5, 0, 0.5, 0))).toBe(S.OK);
    const out = runInt8(quantizeI8([1, 2, 3, 4, 5, -1, -2, -3, -4, -5], 0.5, 0));
    expect(lastStatus).toBe(S.OK);
    expect(out).toStrictEqual(quantizeI8([1, 2, 3, 4, 5, 0, 0, 0, 0, 0], 0.5, 0));
  });
  test("SimpleRelu6TestInt8: [2,5] {4..8, -1..-5}, scale 0.5 zp 127 in and out -> {4,5,6,6,6, 0 x5} (all 127)", () => {
    expect(loadBytes(unaryModel(T.OP_RELU6, [2, 5], 0.5, 127, 0.5, 127))).toBe(S.OK);
    const out = runInt8(quantizeI8([4, 5, 6, 7, 8, -1, -2, -3, -4, -5], 0.5, 127));
    expect(lastStatus).toBe(S.OK);
    expect(out).toStrictEqual(quantizeI8([4, 5, 6, 6, 6, 0, 0, 0, 0, 0], 0.5, 127));
  });
});

describe("RELU / RELU6 exact values", () => {
  test("RELU6 at scale 0.5 zp 0: {4..8, -1..-5} -> {8,10,12,12,12, 0 x5}", () => {
    expect(loadBytes(unaryModel(T.OP_RELU6, [10], 0.5, 0, 0.5, 0))).toBe(S.OK);
    expect(runInt8([8, 10, 12, 14, 16, -2, -4, -6, -8, -10])).toStrictEqual([8, 10, 12, 12, 12, 0, 0, 0, 0, 0]);
  });
  test("RELU requantizes: in scale 0.5 zp -10, out scale 0.25 zp -128: x -> 2 * (x + 10) - 128, >= -128", () => {
    // multiplier 2.0 = 2^30 * 2^2 / 2^31; x = -20 (-5.0) clamps to zp -128
    expect(loadBytes(unaryModel(T.OP_RELU, [4], 0.5, -10, 0.25, -128))).toBe(S.OK);
    expect(runInt8([-20, -10, 0, 40])).toStrictEqual([-128, -128, -108, -28]);
  });
  test("RELU6 requantizes and caps at zp + round(6 / out_scale): in 0.1 zp 0 -> out 6/255 zp -128", () => {
    // multiplier 0.1 / (6/255) = 4.25: 2.0 -> 85 - 128 = -43; 7.0 -> 297.5 - 128 capped at -128 + 255 = 127
    expect(loadBytes(unaryModel(T.OP_RELU6, [3], 0.1, 0, 6.0 / 255.0, -128))).toBe(S.OK);
    expect(runInt8([20, 70, -5])).toStrictEqual([-43, 127, -128]);
  });
  test("output shape different from the input's ([4] -> [2,2]) -> E_SHAPE", () => {
    const m = new ModelSpec();
    m.opcodes = [T.OP_RELU];
    m.tensors = [
      new TensorSpec([4], T.TYPE_INT8, 0, [0.5], [0]),
      new TensorSpec([2, 2], T.TYPE_INT8, 0, [0.5], [0]),
    ];
    m.ops = [new OpSpec(0, [0], [1])];
    m.inputs = [0];
    m.outputs = [1];
    expect(loadBytes(buildModel(m))).toBe(S.E_SHAPE);
  });
});
