// GATHER int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/gather_test.cc; the same vectors as tests/ops-goldens.test.ts).
// The file's float data are small integers and GATHER only moves bytes, so they are used as
// int8 values directly (scale 1, zp 0); the outputs must match exactly.
import { oneOpModel, TensorSpec, OpSpec, i8Bytes, i32Bytes, loadBytes, runInt8, lastStatus } from "../../tests/testing";
import * as S from "../status";
import * as T from "../tflite/schema";

/** t0 params (graph input, int8 unless `pType`), t1 constant indices (buffer 1), t2 output. */
function gatherModel(pShape: i32[], iShape: i32[], idx: i32[], oShape: i32[], axis: i32, bd: i32,
  withOptions: bool = true, iType: u8 = T.TYPE_INT32, oType: u8 = T.TYPE_INT8, nIn: i32 = 2): Uint8Array {
  const op = new OpSpec(0, [], []);
  if (withOptions) {
    op.optType = T.OPTS_GATHER;
    op.axis = axis;
    op.batchDims = bd;
  }
  const tensors = [
    new TensorSpec(pShape, T.TYPE_INT8, 0, [1.0], [0]),
    new TensorSpec(iShape, iType, 1),
    new TensorSpec(oShape, oType, 0, [1.0], [0]),
  ];
  const data = iType == T.TYPE_INT32 ? i32Bytes(idx) : i8Bytes(idx);
  return oneOpModel(T.OP_GATHER, tensors, [data], nIn == 2 ? [0, 1] : [0], 2, op);
}

function seq(n: i32, from: i32): i32[] {
  const v: i32[] = [];
  for (let i = 0; i < n; i++) v.push(from + i);
  return v;
}

describe("GATHER int8 (TFLM gather_test.cc goldens, exact)", () => {
  test("GatherOp_Int8Int32: params [2,2] {-13,-120,14,15}, indices [2] {1,0}, axis 0 -> [2,2] {14,15,-13,-120}", () => {
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 2], 0, 0))).toBe(S.OK);
    expect(runInt8([-13, -120, 14, 15])).toStrictEqual([14, 15, -13, -120]);
    expect(lastStatus).toBe(S.OK);
  });
  test("GatherOp_Axis1: params [1,2,3] = 1..6, indices [2] {1,0}, axis 1 -> [1,2,3] {4,5,6,1,2,3}", () => {
    expect(loadBytes(gatherModel([1, 2, 3], [2], [1, 0], [1, 2, 3], 1, 0))).toBe(S.OK);
    expect(runInt8(seq(6, 1))).toStrictEqual([4, 5, 6, 1, 2, 3]);
  });
  test("GatherOp_Axis1Slice: params [1,4,2] = 1..8, indices [2] {3,1}, axis 1 -> [1,2,2] {7,8,3,4}", () => {
    expect(loadBytes(gatherModel([1, 4, 2], [2], [3, 1], [1, 2, 2], 1, 0))).toBe(S.OK);
    expect(runInt8(seq(8, 1))).toStrictEqual([7, 8, 3, 4]);
  });
  test("GatherOp_LastAxis: params [1,2,3] = 1..6, indices [2] {2,0}, axis -1 -> [1,2,2] {3,1,6,4}", () => {
    expect(loadBytes(gatherModel([1, 2, 3], [2], [2, 0], [1, 2, 2], -1, 0))).toBe(S.OK);
    expect(runInt8(seq(6, 1))).toStrictEqual([3, 1, 6, 4]);
  });
  test("GatherOp_BatchDims2: params [2,2,3,5] = 0..59, indices [2,2,2], axis 2, batch_dims 2 -> [2,2,2,5]", () => {
    expect(loadBytes(gatherModel([2, 2, 3, 5], [2, 2, 2], [1, 0, 0, 1, 1, 0, 0, 1], [2, 2, 2, 5], 2, 2))).toBe(S.OK);
    expect(runInt8(seq(60, 0))).toStrictEqual([5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
      35, 36, 37, 38, 39, 30, 31, 32, 33, 34, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54]);
  });
});

describe("GATHER exact values and refusals", () => {
  test("no options table: axis 0, batch_dims 0; a rank-0 index drops the axis ([3,2] -> [2])", () => {
    expect(loadBytes(gatherModel([3, 2], [], [2], [2], 0, 0, false))).toBe(S.OK);
    expect(runInt8([1, 2, 3, 4, 5, 6])).toStrictEqual([5, 6]);
  });
  test("an index outside the axis (2, -1, 2^31 - 1 on size 2) loads OK and stops invoke with E_INDEX", () => {
    const bad: i32[] = [2, -1, 0x7fffffff];
    for (let i = 0; i < bad.length; i++) {
      expect(loadBytes(gatherModel([2, 2], [2], [0, bad[i]], [2, 2], 0, 0))).toBe(S.OK);
      runInt8([1, 2, 3, 4]);
      expect(lastStatus).toBe(S.E_INDEX);
    }
  });
  test("int8 indices, or an output of another type than params -> E_UNSUPPORTED_TYPE", () => {
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 2], 0, 0, true, T.TYPE_INT8))).toBe(S.E_UNSUPPORTED_TYPE);
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 2], 0, 0, true, T.TYPE_INT32, T.TYPE_INT32))).toBe(S.E_UNSUPPORTED_TYPE);
  });
  test("axis outside [-rank, rank), batch_dims > axis, leading dims differing, wrong output shape -> E_SHAPE", () => {
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 2], 2, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 2], -3, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(gatherModel([2, 2], [2, 1], [1, 0], [2, 1], 0, 1))).toBe(S.E_SHAPE);
    expect(loadBytes(gatherModel([2, 3], [3, 1], [1, 0, 1], [2, 1], 1, 1))).toBe(S.E_SHAPE);
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 3], 0, 0))).toBe(S.E_SHAPE);
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [4], 0, 0))).toBe(S.E_SHAPE);
  });
  test("options of another type -> E_UNSUPPORTED_OP; one input -> E_GRAPH", () => {
    const op = new OpSpec(0, [], []);
    op.optType = T.OPTS_REDUCER;
    const tensors = [
      new TensorSpec([2, 2], T.TYPE_INT8, 0, [1.0], [0]),
      new TensorSpec([2], T.TYPE_INT32, 1),
      new TensorSpec([2, 2], T.TYPE_INT8, 0, [1.0], [0]),
    ];
    expect(loadBytes(oneOpModel(T.OP_GATHER, tensors, [i32Bytes([1, 0])], [0, 1], 2, op))).toBe(S.E_UNSUPPORTED_OP);
    expect(loadBytes(gatherModel([2, 2], [2], [1, 0], [2, 2], 0, 0, true, T.TYPE_INT32, T.TYPE_INT8, 1))).toBe(S.E_GRAPH);
  });
});
