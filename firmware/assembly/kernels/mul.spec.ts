// MUL int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/mul_test.cc), quantized as its tests do (round(v / scale) + zp);
// the int8 tests there allow a difference of 1, and so do these (the exact outputs are also
// pinned, worked out in the comments).
import { binaryModel, quantizeI8, loadBytes, runInt8, lastStatus, maxAbsDiff } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

function mulModel(act: i32, sh1: i32[], s1: f32, z1: i32, sh2: i32[], v2: f32[], s2: f32, z2: i32, shOut: i32[], so: f32, zo: i32): Uint8Array {
  return binaryModel(T.OP_MUL, T.OPTS_MUL, act, sh1, s1, z1, sh2, quantizeI8(v2, s2, z2), s2, z2, shOut, so, zo);
}

describe("MUL int8 (TFLM mul_test.cc goldens, tolerance 1)", () => {
  test("SimpleInt8NoAcativationShouldMatchGolden: [1,2,2,1] x [1,2,2,1], all scales 0.01 zp 0", () => {
    expect(loadBytes(mulModel(T.ACT_NONE, [1, 2, 2, 1], 0.01, 0, [1, 2, 2, 1], [0.6, 0.4, 0.9, 0.8], 0.01, 0, [1, 2, 2, 1], 0.01, 0))).toBe(S.OK);
    const out = runInt8(quantizeI8([-0.8, 0.2, 0.9, 0.7], 0.01, 0));
    expect(lastStatus).toBe(S.OK);
    expect(maxAbsDiff(out, quantizeI8([-0.48, 0.08, 0.81, 0.56], 0.01, 0))).toBeLessThanOrEqual(1);
    // -80 * 60 * 0.01 = -48 exactly, 20 * 40 = 8, 90 * 90 = 81, 70 * 80 = 56
    expect(out).toStrictEqual([-48, 8, 81, 56]);
  });
  test("BroadcastInt8NoAcativationShouldMatchGolden: [1,3,1,2] x [1] scalar 0.1; inputs 0.05 zp 0, output 0.01 zp 0", () => {
    expect(loadBytes(mulModel(T.ACT_NONE, [1, 3, 1, 2], 0.05, 0, [1], [0.1], 0.05, 0, [1, 3, 1, 2], 0.01, 0))).toBe(S.OK);
    const out = runInt8(quantizeI8([-2.0, 0.2, 0.7, 0.8, 1.1, 2.0], 0.05, 0));
    expect(lastStatus).toBe(S.OK);
    expect(maxAbsDiff(out, quantizeI8([-0.2, 0.02, 0.07, 0.08, 0.11, 0.2], 0.01, 0))).toBeLessThanOrEqual(1);
  });
});

describe("MUL exact values and refusals", () => {
  test("RELU: scales 1.0, zps 0: {3, -3, 20} x {4, 4, 20} -> {12, 0, 127}", () => {
    expect(loadBytes(mulModel(T.ACT_RELU, [3], 1.0, 0, [3], [4, 4, 20], 1.0, 0, [3], 1.0, 0))).toBe(S.OK);
    expect(runInt8([3, -3, 20])).toStrictEqual([12, 0, 127]);
  });
  test("last-dim broadcast [2,3] x [3] with zero points: (x - 1) * (y + 2) at scale 0.5 -> output scale 0.25", () => {
    // real product (a/2) * (b/2) / 0.25 = a * b: out = (x - 1) * (y + 2)
    const m = binaryModel(T.OP_MUL, T.OPTS_MUL, 0, [2, 3], 0.5, 1, [3], [0, 1, 2], 0.5, -2, [2, 3], 0.25, 0);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8([1, 2, 3, 4, 5, 6])).toStrictEqual([0, 3, 8, 6, 12, 20]);
  });
  test("broadcast in both operands ([2,1] x [1,3]) -> [2,3]", () => {
    const m = binaryModel(T.OP_MUL, T.OPTS_MUL, 0, [2, 1], 1.0, 0, [1, 3], [1, 2, 3], 1.0, 0, [2, 3], 1.0, 0);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8([2, -5])).toStrictEqual([2, 4, 6, -5, -10, -15]);
  });
  test("incompatible shapes [2,3] x [2] -> E_SHAPE", () => {
    expect(loadBytes(mulModel(T.ACT_NONE, [2, 3], 1.0, 0, [2], [1, 2], 1.0, 0, [2, 3], 1.0, 0))).toBe(S.E_SHAPE);
  });
});
