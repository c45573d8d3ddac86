// QUANTIZE / DEQUANTIZE int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/quantize_test.cc and dequantize_test.cc; the same vectors as
// tests/ops-goldens.test.ts). The expected int8 values are the file's goldens quantized with the
// scale and zero point it states; every value is exact (ties included: these are exact
// multiples of the scale).
import { oneOpModel, TensorSpec, OpSpec, loadBytes, runInt8, runF32ToInt8, runInt8ToF32, lastStatus } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

/** t0 input (type tin; quantized when int8) -> t1 output (type tout), one op `code`. */
function edgeModel(code: i32, inShape: i32[], tin: u8, si: f32, zi: i32, outShape: i32[], tout: u8, so: f32, zo: i32): Uint8Array {
  const tensors = [
    tin == T.TYPE_INT8 ? new TensorSpec(inShape, tin, 0, [si], [zi]) : new TensorSpec(inShape, tin, 0),
    tout == T.TYPE_INT8 ? new TensorSpec(outShape, tout, 0, [so], [zo]) : new TensorSpec(outShape, tout, 0),
  ];
  return oneOpModel(code, tensors, [], [0], 1, new OpSpec(0, [], []));
}

const VALS: f32[] = [-63.5, -63, -62.5, -62, -61.5, 62, 62.5, 63, 63.5, 64];
const QVALS: i32[] = [-128, -127, -126, -125, -124, 123, 124, 125, 126, 127];

describe("QUANTIZE / DEQUANTIZE (TFLM quantize_test.cc, dequantize_test.cc goldens, exact)", () => {
  test("QuantizeOpTestInt16's values as f32 -> int8: [2,5], scale 0.5, zp -1 (all fit int8)", () => {
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [2, 5], T.TYPE_FLOAT32, 0, 0, [2, 5], T.TYPE_INT8, 0.5, -1))).toBe(S.OK);
    expect(runF32ToInt8(VALS)).toStrictEqual(QVALS);
    expect(lastStatus).toBe(S.OK);
  });
  test("DequantizeOpTestInt8: [5,2] int8, scale 0.5, zp -1 -> f32", () => {
    expect(loadBytes(edgeModel(T.OP_DEQUANTIZE, [5, 2], T.TYPE_INT8, 0.5, -1, [5, 2], T.TYPE_FLOAT32, 0, 0))).toBe(S.OK);
    expect(runInt8ToF32(QVALS)).toStrictEqual(VALS);
  });
  test("QuantizeOpTestInt8toInt8: [2,5], in scale 2 zp 0 -> out scale 0.5 zp 32 (54..62 saturate at 127)", () => {
    const v: i32[] = [-64, -62, -60, -58, -56, 54, 56, 58, 60, 62];
    const inQ: i32[] = [];
    const want: i32[] = [];
    for (let i = 0; i < v.length; i++) {
      inQ.push(v[i] / 2);
      want.push(min(127, v[i] * 2 + 32));
    }
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [2, 5], T.TYPE_INT8, 2.0, 0, [2, 5], T.TYPE_INT8, 0.5, 32))).toBe(S.OK);
    expect(runInt8(inQ)).toStrictEqual(want);
  });
  test("QuantizeOpTestInt8toInt8NoZeroPoint: [2,5], in scale 1 zp 0 -> out scale 0.5 zp 0", () => {
    const v: i32[] = [-32, -31, -30, -29, -28, 27, 28, 29, 30, 31];
    const want: i32[] = [];
    for (let i = 0; i < v.length; i++) want.push(v[i] * 2);
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [2, 5], T.TYPE_INT8, 1.0, 0, [2, 5], T.TYPE_INT8, 0.5, 0))).toBe(S.OK);
    expect(runInt8(v)).toStrictEqual(want);
  });
});

describe("QUANTIZE / DEQUANTIZE exact values and refusals", () => {
  test("f32 -> int8: ties round away from zero, out-of-range values and +-inf saturate, NaN gives the zero point", () => {
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [7], T.TYPE_FLOAT32, 0, 0, [7], T.TYPE_INT8, 1.0, 3))).toBe(S.OK);
    expect(runF32ToInt8([0.5, -0.5, 2.5, 1000, -1000, Infinity, NaN])).toStrictEqual([4, 2, 6, 127, -128, 127, 3]);
    expect(runF32ToInt8([-Infinity, -2.5, 0, 0, 0, 0, 0])).toStrictEqual([-128, 0, 3, 3, 3, 3, 3]);
  });
  test("QUANTIZE: int32 output, or an int32 input -> E_UNSUPPORTED_TYPE; element counts differing -> E_SHAPE", () => {
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [4], T.TYPE_FLOAT32, 0, 0, [4], T.TYPE_INT32, 1.0, 0))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [4], T.TYPE_INT32, 1.0, 0, [4], T.TYPE_INT8, 1.0, 0))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [4], T.TYPE_FLOAT32, 0, 0, [2, 3], T.TYPE_INT8, 1.0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [2, 2], T.TYPE_FLOAT32, 0, 0, [4], T.TYPE_INT8, 1.0, 0))).toBe(S.OK);
  });
  test("QUANTIZE: output zero point outside int8, or no output quantization -> E_QUANT", () => {
    expect(loadBytes(edgeModel(T.OP_QUANTIZE, [4], T.TYPE_FLOAT32, 0, 0, [4], T.TYPE_INT8, 1.0, 200))).toBe(S.E_QUANT);
    const tensors = [new TensorSpec([4], T.TYPE_FLOAT32, 0), new TensorSpec([4], T.TYPE_INT8, 0)];
    expect(loadBytes(oneOpModel(T.OP_QUANTIZE, tensors, [], [0], 1, new OpSpec(0, [], [])))).toBe(S.E_QUANT);
  });
  test("DEQUANTIZE: f32 input or int8 output -> E_UNSUPPORTED_TYPE; counts differing -> E_SHAPE; zp outside int8 -> E_QUANT", () => {
    expect(loadBytes(edgeModel(T.OP_DEQUANTIZE, [4], T.TYPE_FLOAT32, 0, 0, [4], T.TYPE_FLOAT32, 0, 0))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(edgeModel(T.OP_DEQUANTIZE, [4], T.TYPE_INT8, 1.0, 0, [4], T.TYPE_INT8, 1.0, 0))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(edgeModel(T.OP_DEQUANTIZE, [4], T.TYPE_INT8, 1.0, 0, [5], T.TYPE_FLOAT32, 0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(edgeModel(T.OP_DEQUANTIZE, [4], T.TYPE_INT8, 1.0, -129, [4], T.TYPE_FLOAT32, 0, 0))).toBe(S.E_QUANT);
  });
  test("QUANTIZE with two inputs -> E_GRAPH", () => {
    const tensors = [new TensorSpec([4], T.TYPE_FLOAT32, 0), new TensorSpec([4], T.TYPE_INT8, 0, [1.0], [0])];
    expect(loadBytes(oneOpModel(T.OP_QUANTIZE, tensors, [], [0, 0], 1, new OpSpec(0, [], [])))).toBe(S.E_GRAPH);
  });
});
