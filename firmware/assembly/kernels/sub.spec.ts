// SUB int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/sub_test.cc), quantized as its tests do (round(v / scale) + zp);
// the int8 tests there compare exactly, and so do these.
import { binaryModel, quantizeI8, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

function checkSub(act: i32, sh1: i32[], v1: f32[], s1: f32, z1: i32, sh2: i32[], v2: f32[], s2: f32, z2: i32,
  shOut: i32[], golden: f32[], so: f32, zo: i32): void {
  const m = binaryModel(T.OP_SUB, T.OPTS_SUB, act, sh1, s1, z1, sh2, quantizeI8(v2, s2, z2), s2, z2, shOut, so, zo);
  expect(loadBytes(m)).toBe(S.OK);
  const out = runInt8(quantizeI8(v1, s1, z1));
  expect(lastStatus).toBe(S.OK);
  expect(out).toStrictEqual(quantizeI8(golden, so, zo));
}

const IN1_6: f32[] = [-2.0, 0.2, 0.7, 0.8, 1.1, 2.0];
const SHAPES_6: i32[][] = [[6], [2, 3], [2, 1, 3], [1, 3, 1, 2]];

describe("SUB int8 (TFLM sub_test.cc goldens, exact)", () => {
  test("QuantizedSubNoActivationInt8: [1,2,2,1] - [1,2,2,1], scales 0.25/0.5/1.0, zps -10/4/13", () => {
    checkSub(T.ACT_NONE, [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10,
      [1, 2, 2, 1], [-1.01, -1.99, -2.99, -4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 3, 5], 1.0, 13);
  });
  test("QuantizedSubActivationRelu1Int8: same data, RELU_N1_TO_1 -> {-1,1,1,1}", () => {
    checkSub(T.ACT_RELU_N1_TO_1, [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10,
      [1, 2, 2, 1], [-1.01, -1.99, -2.99, -4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 1, 1], 1.0, 13);
  });
  test("QuantizedSubVariousInputShapesInt8: [6], [2,3], [2,1,3], [1,3,1,2]; scales 0.1/0.05/0.1, zps -9/5/14", () => {
    for (let i = 0; i < SHAPES_6.length; i++) {
      checkSub(T.ACT_NONE, SHAPES_6[i], IN1_6, 0.1, -9, SHAPES_6[i], [-0.1, -0.2, -0.3, -0.5, -1.1, -0.1], 0.05, 5,
        SHAPES_6[i], [-1.9, 0.4, 1.0, 1.3, 2.2, 2.1], 0.1, 14);
    }
  });
  test("QuantizedSubWithScalarBroadcastInt8: the four shapes - a rank-0 scalar -0.1; scales 0.1/0.05/0.05, zps -8/4/12", () => {
    for (let i = 0; i < SHAPES_6.length; i++) {
      checkSub(T.ACT_NONE, SHAPES_6[i], IN1_6, 0.1, -8, [], [-0.1], 0.05, 4,
        SHAPES_6[i], [-1.9, 0.3, 0.8, 0.9, 1.2, 2.1], 0.05, 12);
    }
  });
});

describe("SUB exact values", () => {
  test("scales 1.0, zps 0: {5, -100, 100} - {7, 100, -100} = {-2, -128, 127}", () => {
    const m = binaryModel(T.OP_SUB, T.OPTS_SUB, 0, [3], 1.0, 0, [3], [7, 100, -100], 1.0, 0, [3], 1.0, 0);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8([5, -100, 100])).toStrictEqual([-2, -128, 127]);
  });
  test("ADD options on a SUB operator -> E_UNSUPPORTED_OP", () => {
    const m = binaryModel(T.OP_SUB, T.OPTS_ADD, 0, [3], 1.0, 0, [3], [7, 100, -100], 1.0, 0, [3], 1.0, 0);
    expect(loadBytes(m)).toBe(S.E_UNSUPPORTED_OP);
  });
});
