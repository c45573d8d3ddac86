// FULLY_CONNECTED int8 through the loader and interpreter (one-op models built in the test).
// Numbers of the first two groups are from TFLite Micro's kernel tests
// (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/fully_connected_test.cc:
// SimpleTestQuantizedInt8, SimpleTestQuantizedInt8Relu, SimpleTestQuantizedInt8NullBias,
// SimpleTest4DInputQuantizedInt8), quantized with the scales stated there.
import { fcModel, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import { dotUseSimd } from "./dot";
import * as S from "../status";
import * as T from "../tflite/schema";

// input floats {1..8,-9,-10 | 1..7,-8,9,-10}, scale 1, zp -1 -> q = x - 1
const IN_Q: i32[] = [0, 1, 2, 3, 4, 5, 6, 7, -10, -11, 0, 1, 2, 3, 4, 5, 6, -9, 8, -11];
const W: i32[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const W_RELU: i32[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe("FULLY_CONNECTED int8 (TFLM fully_connected_test.cc goldens)", () => {
  test("[2,10] x [3,10] + bias -> [2,3], out scale 0.5 zp -1: golden {24,25,26,58,59,60}", () => {
    const m = fcModel([2, 10], 1.0, -1, [3, 10], W, [1.0], [0], [1, 2, 3], [2, 3], 0.5, -1, T.ACT_NONE);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(IN_Q)).toStrictEqual([47, 49, 51, 115, 117, 119]);
    expect(lastStatus).toBe(S.OK);
  });
  test("null bias [2,10] x [3,10] -> [2,3]: golden {23,23,23,57,57,57}", () => {
    const m = fcModel([2, 10], 1.0, -1, [3, 10], W, [1.0], [0], [], [2, 3], 0.5, -1, T.ACT_NONE);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(IN_Q)).toStrictEqual([45, 45, 45, 113, 113, 113]);
  });
  test("4-D input [1,1,2,10] x [3,10] -> [2,3] flattens to 2 batches", () => {
    const m = fcModel([1, 1, 2, 10], 1.0, -1, [3, 10], W, [1.0], [0], [1, 2, 3], [2, 3], 0.5, -1, T.ACT_NONE);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(IN_Q)).toStrictEqual([47, 49, 51, 115, 117, 119]);
  });
  test("RELU [2,10] x [3,10] -> [2,3], out zp -128: golden {24,0,26,58,0,60}", () => {
    const m = fcModel([2, 10], 1.0, -1, [3, 10], W_RELU, [1.0], [0], [1, -2, 3], [2, 3], 0.5, -128, T.ACT_RELU);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(IN_Q)).toStrictEqual([-80, -128, -76, -12, -128, -8]);
  });
});

describe("FULLY_CONNECTED int8, hand-computed", () => {
  test("RELU6 [2,10] x [3,10] -> [2,3], out scale 0.5 zp -128: clamps at 6.0 = -116", () => {
    const m = fcModel([2, 10], 1.0, -1, [3, 10], W_RELU, [1.0], [0], [1, -2, 3], [2, 3], 0.5, -128, T.ACT_RELU6);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(IN_Q)).toStrictEqual([-116, -128, -116, -116, -128, -116]);
  });
  test("per-channel weights [3,10] scales {1, 0.5, 0.25}, out scale 1 zp 0 -> [2,3]", () => {
    // acc row b0 = 23 (sum x*w without bias); channel multipliers 1, 0.5, 0.25:
    // b0: 23+1=24 -> 24, 23+2=25 -> 12.5 -> 13, 23+3=26 -> 6.5 -> 7 (half away from zero)
    // b1: 57+1=58 -> 58, 59 -> 29.5 -> 30, 60 -> 15
    const m = fcModel([2, 10], 1.0, -1, [3, 10], W, [1.0, 0.5, 0.25], [0, 0, 0], [1, 2, 3], [2, 3], 1.0, 0, T.ACT_NONE);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(IN_Q)).toStrictEqual([24, 13, 7, 58, 30, 15]);
  });
  test("saturates to [-128,127]: [1,4] x [2,4] with large products", () => {
    const w: i32[] = [127, 127, 127, 127, -127, -127, -127, -127];
    const m = fcModel([1, 4], 1.0, 0, [2, 4], w, [1.0], [0], [0, 0], [1, 2], 1.0, 0, T.ACT_NONE);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8([100, 100, 100, 100])).toStrictEqual([127, -128]);
  });
  test("reference and SIMD loops agree on [3,37] x [5,37] (K not a multiple of 16)", () => {
    const w: i32[] = [];
    for (let i = 0; i < 5 * 37; i++) w.push(((i * 37 + 11) % 255) - 127);
    const x: i32[] = [];
    for (let i = 0; i < 3 * 37; i++) x.push(((i * 53 + 7) % 256) - 128);
    const m = fcModel([3, 37], 0.02, 5, [5, 37], w, [0.01, 0.02, 0.005, 0.03, 0.01], [0, 0, 0, 0, 0],
      [100, -200, 300, -400, 500], [3, 5], 0.5, -3, T.ACT_NONE);
    expect(loadBytes(m)).toBe(S.OK);
    dotUseSimd(false);
    const ref = runInt8(x);
    dotUseSimd(true);
    const simd = runInt8(x);
    expect(simd).toStrictEqual(ref);
    expect(ref.length).toBe(15);
  });
});

describe("FULLY_CONNECTED refusals", () => {
  test("weights K mismatch: input [2,10], weights [3,9] -> E_SHAPE", () => {
    const w: i32[] = [];
    for (let i = 0; i < 27; i++) w.push(1);
    expect(loadBytes(fcModel([2, 10], 1.0, 0, [3, 9], w, [1.0], [0], [1, 2, 3], [2, 3], 1.0, 0, 0))).toBe(S.E_SHAPE);
  });
  test("wrong output shape [2,4] for N = 3 -> E_SHAPE", () => {
    expect(loadBytes(fcModel([2, 10], 1.0, 0, [3, 10], W, [1.0], [0], [1, 2, 3], [2, 4], 1.0, 0, 0))).toBe(S.E_SHAPE);
  });
  test("per-channel weights with a non-zero zero point -> E_QUANT", () => {
    expect(loadBytes(fcModel([2, 10], 1.0, 0, [3, 10], W, [1.0, 1.0, 1.0], [0, 1, 0], [1, 2, 3], [2, 3], 1.0, 0, 0))).toBe(S.E_QUANT);
  });
  test("two scales for three channels -> E_QUANT", () => {
    expect(loadBytes(fcModel([2, 10], 1.0, 0, [3, 10], W, [1.0, 1.0], [0, 0], [1, 2, 3], [2, 3], 1.0, 0, 0))).toBe(S.E_QUANT);
  });
  test("fused TANH (4) -> E_UNSUPPORTED_OP", () => {
    expect(loadBytes(fcModel([2, 10], 1.0, 0, [3, 10], W, [1.0], [0], [1, 2, 3], [2, 3], 1.0, 0, 4))).toBe(S.E_UNSUPPORTED_OP);
  });
});
