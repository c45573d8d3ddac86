// BATCH_MATMUL int8 through the loader and interpreter. The first golden is from TFLite Micro
// (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/batch_matmul_test.cc,
// QuantizedBatchMatMulOpTestSimpleTestQuantizedInt8): lhs/rhs min -63.5 max 64 -> scale 0.5,
// zp -1 (q = 2x - 1); output min -127 max 128 -> scale 1, zp -1; expected {22,22,22,56,56,56}.
import { ModelSpec, TensorSpec, OpSpec, buildModel, i8Bytes, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import { dotUseSimd } from "./dot";
import * as S from "../status";
import * as T from "../tflite/schema";

/** lhs = graph input t0; rhs = constant t1 (buffer 1); output t2. */
function bmmModel(lShape: i32[], rShape: i32[], rhs: i32[], oShape: i32[], ls: f32, lz: i64, rs: f32, rz: i64,
  os: f32, oz: i64, adjX: bool, adjY: bool): Uint8Array {
  const m = new ModelSpec();
  m.opcodes = [T.OP_BATCH_MATMUL];
  m.buffers.push(i8Bytes(rhs));
  m.tensors = [
    new TensorSpec(lShape, T.TYPE_INT8, 0, [ls], [lz]),
    new TensorSpec(rShape, T.TYPE_INT8, 1, [rs], [rz]),
    new TensorSpec(oShape, T.TYPE_INT8, 0, [os], [oz]),
  ];
  const op = new OpSpec(0, [0, 1], [2]);
  op.optType = T.OPTS_BATCH_MATMUL;
  op.adjX = adjX;
  op.adjY = adjY;
  m.ops = [op];
  m.inputs = [0];
  m.outputs = [2];
  return buildModel(m);
}

function q2(v: i32[]): i32[] {
  const o: i32[] = [];
  for (let i = 0; i < v.length; i++) o.push(2 * v[i] - 1);
  return o;
}

const LHS: i32[] = [1, 2, 3, 4, 5, 6, 7, 8, -9, -10, 1, 2, 3, 4, 5, 6, 7, -8, 9, -10];
const RHS: i32[] = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10];

describe("BATCH_MATMUL int8", () => {
  test("TFLM golden: [2,10] x [10,3] -> [2,3] = {22,22,22,56,56,56}", () => {
    const m = bmmModel([2, 10], [10, 3], q2(RHS), [2, 3], 0.5, -1, 0.5, -1, 1.0, -1, false, false);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(q2(LHS))).toStrictEqual([22, 22, 22, 56, 56, 56]);
    expect(lastStatus).toBe(S.OK);
  });
  test("adj_y: [2,10] x [3,10]^T -> [2,3] gives the same golden", () => {
    const rt: i32[] = [];
    for (let j = 0; j < 3; j++) for (let k = 0; k < 10; k++) rt.push(RHS[k * 3 + j]);
    const m = bmmModel([2, 10], [3, 10], q2(rt), [2, 3], 0.5, -1, 0.5, -1, 1.0, -1, false, true);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(q2(LHS))).toStrictEqual([22, 22, 22, 56, 56, 56]);
  });
  test("rank 3 broadcast: [2,2,3] x [3,4] -> [2,2,4] (TFLM Float32Test_Broadcast values, scale 1)", () => {
    // lhs iota 1..12, rhs iota 7..18; expected 74 80 86 92 173 188 203 218 272 296 320 344 371 404 437 470
    // output scale 4, zp 0: q = MultiplyByQuantizedMultiplier(v, 2^30, -1), i.e. v/2 rounded, then
    // /2 rounded: 437 -> 218.5 -> 219 -> 109.5 -> 110 (double rounding; one rounding would give 109), and 173 -> 44, not 43
    const lhs: i32[] = [];
    for (let i = 1; i <= 12; i++) lhs.push(i);
    const rhs: i32[] = [];
    for (let i = 7; i <= 18; i++) rhs.push(i);
    const m = bmmModel([2, 2, 3], [3, 4], rhs, [2, 2, 4], 1.0, 0, 1.0, 0, 4.0, 0, false, false);
    expect(loadBytes(m)).toBe(S.OK);
    expect(runInt8(lhs)).toStrictEqual([19, 20, 22, 23, 44, 47, 51, 55, 68, 74, 80, 86, 93, 101, 110, 118]);
  });
  test("reference and SIMD agree: [7,7] x [7,16] -> [7,16] and [1,7] x [7,19] (column blocks + tail)", () => {
    for (let v = 0; v < 2; v++) {
      const n = v == 0 ? 16 : 19;
      const mRows = v == 0 ? 7 : 1;
      const rhs: i32[] = [];
      for (let i = 0; i < 7 * n; i++) rhs.push(((i * 91 + 13) % 256) - 128);
      const lhs: i32[] = [];
      for (let i = 0; i < mRows * 7; i++) lhs.push(((i * 29 + 3) % 256) - 128);
      const m = bmmModel([mRows, 7], [7, n], rhs, [mRows, n], 0.03, 4, 0.05, -7, 0.6, 2, false, false);
      expect(loadBytes(m)).toBe(S.OK);
      dotUseSimd(false);
      const ref = runInt8(lhs);
      dotUseSimd(true);
      expect(runInt8(lhs)).toStrictEqual(ref);
    }
  });
});

describe("BATCH_MATMUL refusals", () => {
  test("adj_x -> E_UNSUPPORTED_OP", () => {
    expect(loadBytes(bmmModel([10, 2], [10, 3], q2(RHS), [2, 3], 0.5, -1, 0.5, -1, 1.0, -1, true, false))).toBe(S.E_UNSUPPORTED_OP);
  });
  test("K mismatch [2,10] x [9,3] -> E_SHAPE", () => {
    const r: i32[] = [];
    for (let i = 0; i < 27; i++) r.push(1);
    expect(loadBytes(bmmModel([2, 10], [9, 3], r, [2, 3], 0.5, -1, 0.5, -1, 1.0, -1, false, false))).toBe(S.E_SHAPE);
  });
  test("batch 2 vs 3 not broadcastable -> E_SHAPE", () => {
    const r: i32[] = [];
    for (let i = 0; i < 3 * 3 * 4; i++) r.push(1);
    expect(loadBytes(bmmModel([2, 2, 3], [3, 3, 4], r, [2, 2, 4], 1.0, 0, 1.0, 0, 1.0, 0, false, false))).toBe(S.E_SHAPE);
  });
  test("zero scale on the output -> E_QUANT", () => {
    expect(loadBytes(bmmModel([2, 10], [10, 3], q2(RHS), [2, 3], 0.5, -1, 0.5, -1, 0.0, -1, false, false))).toBe(S.E_QUANT);
  });
});
