// ADD int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/add_test.cc). Inputs and goldens are the file's float values
// quantized as its tests do (tflite::Quantize: round(v / scale) + zp); the int8 tests there
// compare with tolerance 1e-5, i.e. exactly, and so do these.
import { binaryModel, quantizeI8, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

function addModel(act: i32, sh1: i32[], s1: f32, z1: i32, sh2: i32[], v2: f32[], s2: f32, z2: i32, shOut: i32[], so: f32, zo: i32): Uint8Array {
  return binaryModel(T.OP_ADD, T.OPTS_ADD, act, sh1, s1, z1, sh2, quantizeI8(v2, s2, z2), s2, z2, shOut, so, zo);
}

/** Loads, runs in1 and checks the int8 output equals the quantized golden exactly. */
function checkAdd(act: i32, sh1: i32[], v1: f32[], s1: f32, z1: i32, sh2: i32[], v2: f32[], s2: f32, z2: i32,
  shOut: i32[], golden: f32[], so: f32, zo: i32): void {
  expect(loadBytes(addModel(act, sh1, s1, z1, sh2, v2, s2, z2, shOut, so, zo))).toBe(S.OK);
  const out = runInt8(quantizeI8(v1, s1, z1));
  expect(lastStatus).toBe(S.OK);
  expect(out).toStrictEqual(quantizeI8(golden, so, zo));
}

// add_test.cc shared data.
const IN1_6: f32[] = [-2.0, 0.2, 0.7, 0.8, 1.1, 2.0];
const SHAPES_6: i32[][] = [[6], [2, 3], [2, 1, 3], [1, 3, 1, 2]];
const BC_IN1: f32[] = [-0.3, 2.3, 0.9, 0.5, 0.8, -1.1, 1.2, 2.8, -1.6, 0.0, 0.7, -2.2];
const BC_IN2: f32[] = [0.2, 0.3, -0.4, 0.5, 1.0, 0.9];
const BC_IN2_SHAPES: i32[][] = [[1, 1, 3, 2], [1, 3, 1, 2], [2, 1, 3, 1], [2, 3, 1, 1]];
const BC_OUT_SHAPES: i32[][] = [[2, 3, 3, 2], [2, 3, 1, 2], [2, 3, 3, 2], [2, 3, 1, 2]];
const BC_GOLDENS: f32[][] = [
  [-0.1, 2.6, -0.7, 2.8, 0.7, 3.2, 1.1, 0.8, 0.5, 1.0, 1.9, 1.4,
    1.0, -0.8, 0.4, -0.6, 1.8, -0.2, 1.4, 3.1, 0.8, 3.3, 2.2, 3.7,
    -1.4, 0.3, -2.0, 0.5, -0.6, 0.9, 0.9, -1.9, 0.3, -1.7, 1.7, -1.3],
  [-0.1, 2.6, 0.5, 1.0, 1.8, -0.2, 1.4, 3.1, -2.0, 0.5, 1.7, -1.3],
  [-0.1, 2.5, 0.0, 2.6, -0.7, 1.9, 1.1, 0.7, 1.2, 0.8, 0.5, 0.1,
    1.0, -0.9, 1.1, -0.8, 0.4, -1.5, 1.7, 3.3, 2.2, 3.8, 2.1, 3.7,
    -1.1, 0.5, -0.6, 1.0, -0.7, 0.9, 1.2, -1.7, 1.7, -1.2, 1.6, -1.3],
  [-0.1, 2.5, 1.2, 0.8, 0.4, -1.5, 1.7, 3.3, -0.6, 1.0, 1.6, -1.3],
];

describe("ADD int8 (TFLM add_test.cc goldens, exact)", () => {
  test("QuantizedAddNoActivationInt8: [1,2,2,1] + [1,2,2,1], scales 0.25/0.5/1.0, zps -10/4/13", () => {
    checkAdd(T.ACT_NONE, [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10,
      [1, 2, 2, 1], [1.01, 1.99, 2.99, 4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 3, 5], 1.0, 13);
  });
  test("QuantizedAddActivationRelu1Int8: same data, RELU_N1_TO_1 -> {-1,1,1,1}", () => {
    checkAdd(T.ACT_RELU_N1_TO_1, [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10,
      [1, 2, 2, 1], [1.01, 1.99, 2.99, 4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 1, 1], 1.0, 13);
  });
  test("QuantizedAddVariousInputShapesInt8: [6], [2,3], [2,1,3], [1,3,1,2]; scales 0.1/0.05/0.1, zps -9/5/14", () => {
    for (let i = 0; i < SHAPES_6.length; i++) {
      checkAdd(T.ACT_NONE, SHAPES_6[i], IN1_6, 0.1, -9, SHAPES_6[i], [0.1, 0.2, 0.3, 0.5, 1.1, 0.1], 0.05, 5,
        SHAPES_6[i], [-1.9, 0.4, 1.0, 1.3, 2.2, 2.1], 0.1, 14);
    }
  });
  test("QuantizedAddWithScalarBroadcastInt8: the four shapes + a rank-0 scalar 0.1; scales 0.1/0.05/0.05, zps -8/4/12", () => {
    for (let i = 0; i < SHAPES_6.length; i++) {
      checkAdd(T.ACT_NONE, SHAPES_6[i], IN1_6, 0.1, -8, [], [0.1], 0.05, 4,
        SHAPES_6[i], [-1.9, 0.3, 0.8, 0.9, 1.2, 2.1], 0.05, 12);
    }
  });
  test("QuantizedAddWithMixedBroadcastInt8: [2,3,1,2] + {[1,1,3,2], [1,3,1,2], [2,1,3,1], [2,3,1,1]}; scales 0.1/0.05/0.1, zps -10/-5/7", () => {
    for (let i = 0; i < BC_IN2_SHAPES.length; i++) {
      checkAdd(T.ACT_NONE, [2, 3, 1, 2], BC_IN1, 0.1, -10, BC_IN2_SHAPES[i], BC_IN2, 0.05, -5,
        BC_OUT_SHAPES[i], BC_GOLDENS[i], 0.1, 7);
    }
  });
});

describe("ADD exact values and refusals", () => {
  test("equal scales 1.0, zps 0: 100 + 100 saturates to 127, -100 + -100 to -128, 3 + 4 = 7", () => {
    expect(loadBytes(addModel(T.ACT_NONE, [3], 1.0, 0, [3], [100, -100, 4], 1.0, 0, [3], 1.0, 0))).toBe(S.OK);
    expect(runInt8([100, -100, 3])).toStrictEqual([127, -128, 7]);
  });
  test("RELU clamps at the output zero point; RELU6 at zp + round(6 / scale)", () => {
    // inputs {1.0, 2.0} + {-3.0, 6.0} = {-2.0, 8.0}; output scale 0.5 zp -10 -> {-14, 6} unclamped
    expect(loadBytes(addModel(T.ACT_RELU, [2], 0.5, 0, [2], [-3.0, 6.0], 0.5, 0, [2], 0.5, -10))).toBe(S.OK);
    expect(runInt8([2, 4])).toStrictEqual([-10, 6]);
    expect(loadBytes(addModel(T.ACT_RELU6, [2], 0.5, 0, [2], [-3.0, 6.0], 0.5, 0, [2], 0.5, -10))).toBe(S.OK);
    expect(runInt8([2, 4])).toStrictEqual([-10, 2]); // 6.0 -> zp + 12 = 2
  });
  test("shapes that do not broadcast ([2,3] + [2]) -> E_SHAPE; output not the broadcast shape -> E_SHAPE", () => {
    expect(loadBytes(addModel(T.ACT_NONE, [2, 3], 1.0, 0, [2], [1, 2], 1.0, 0, [2, 3], 1.0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(addModel(T.ACT_NONE, [2, 3], 1.0, 0, [3], [1, 2, 3], 1.0, 0, [6], 1.0, 0))).toBe(S.E_SHAPE);
  });
  test("output multiplier >= 1 (input scale 2^20 x the output's) -> E_QUANT", () => {
    expect(loadBytes(addModel(T.ACT_NONE, [2], 1.0, 0, [2], [0, 0], 1.0, 0, [2], 1e-7, 0))).toBe(S.E_QUANT);
  });
  test("fused TANH (4) -> E_UNSUPPORTED_OP; options of another type -> E_UNSUPPORTED_OP", () => {
    expect(loadBytes(addModel(4, [2], 1.0, 0, [2], [0, 0], 1.0, 0, [2], 1.0, 0))).toBe(S.E_UNSUPPORTED_OP);
    const m = binaryModel(T.OP_ADD, T.OPTS_MUL, 0, [2], 1.0, 0, [2], [0, 0], 1.0, 0, [2], 1.0, 0);
    expect(loadBytes(m)).toBe(S.E_UNSUPPORTED_OP);
  });
});
