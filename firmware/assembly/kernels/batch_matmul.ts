// BATCH_MATMUL, int8 per-tensor (TFLite reference_ops::BatchMatMul, quantized): lhs [B?, M, K]
// times rhs [B?, K, N] (or [B?, N, K] with adj_y) -> output [B?, M, N], rank 2 or 3, batch
// dimension broadcast when one side has 1 (or no) batch. adj_x is refused. Both operands may
// be constant or computed. No fused activation: output clamped to [-128, 127].

import * as S from "../status";
import * as T from "../tflite/schema";
import { tType, tRank, tPtr, oOut, oOpt, oOptType, oNIn, dim, scale0, zpAt, opInput } from "../tflite/model";
import { fbU32 } from "../tflite/flatbuffer";
import { quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplier } from "./fixedpoint";
import { getP, setP } from "./opdata";
import { dot, dotColumns8, dotStridedRef } from "./dot";
import { checkInt8Activation } from "./quant";

const P_B = 0;
const P_M = 1;
const P_K = 2;
const P_N = 3;
const P_LHS_STRIDE = 4;
const P_RHS_STRIDE = 5;
const P_ADJ_Y = 6;
const P_LHS_OFF = 7;
const P_RHS_OFF = 8;
const P_OUT_OFF = 9;
const P_MULT = 10;
const P_SHIFT = 11;

/** Eight i32 column sums for dotColumns8. */
const scratch: usize = memory.data(32, 16);

/** Reads adj_x/adj_y; returns adj_y (0/1) or E_UNSUPPORTED_OP when adj_x is set. */
function bmmAdjY(o: i32): i32 {
  const opt = unchecked(oOpt[o]);
  if (opt == 0) return 0;
  if (unchecked(oOptType[o]) != T.OPTS_BATCH_MATMUL) return S.E_UNSUPPORTED_OP;
  const ax = fbU32(opt, T.BMM_OPT_ADJ_X, 1, 0);
  const ay = fbU32(opt, T.BMM_OPT_ADJ_Y, 1, 0);
  if (ax < 0 || ay < 0) return S.E_BOUNDS;
  if (ax != 0) return S.E_UNSUPPORTED_OP;
  return ay != 0 ? 1 : 0;
}

/** Batch size of a rank-2/3 operand (1 for rank 2). */
function batchOf(t: i32): i32 {
  return unchecked(tRank[t]) == 3 ? dim(t, 0) : 1;
}

/** Checks shapes (ranks 2/3, K match, broadcastable batch, output dims); sets B, M, K, N, strides. */
function bmmShapes(o: i32, lhs: i32, rhs: i32, out: i32, adjY: i32): i32 {
  const rl = unchecked(tRank[lhs]);
  const rr = unchecked(tRank[rhs]);
  const ro = unchecked(tRank[out]);
  if (rl < 2 || rl > 3 || rr < 2 || rr > 3) return S.E_SHAPE;
  const m = dim(lhs, rl - 2);
  const k = dim(lhs, rl - 1);
  const rk = adjY != 0 ? dim(rhs, rr - 1) : dim(rhs, rr - 2);
  const n = adjY != 0 ? dim(rhs, rr - 2) : dim(rhs, rr - 1);
  if (rk != k) return S.E_SHAPE;
  const bl = batchOf(lhs);
  const br = batchOf(rhs);
  if (bl != br && bl != 1 && br != 1) return S.E_SHAPE;
  const b = bl > br ? bl : br;
  const wantRank = rl > rr ? rl : rr;
  if (ro != wantRank || dim(out, ro - 2) != m || dim(out, ro - 1) != n) return S.E_SHAPE;
  if (ro == 3 && dim(out, 0) != b) return S.E_SHAPE;
  setP(o, P_B, b);
  setP(o, P_M, m);
  setP(o, P_K, k);
  setP(o, P_N, n);
  setP(o, P_LHS_STRIDE, bl == 1 ? 0 : m * k);
  setP(o, P_RHS_STRIDE, br == 1 ? 0 : k * n);
  setP(o, P_ADJ_Y, adjY);
  return S.OK;
}

/**
 * Prepare: validates two int8 per-tensor inputs and the int8 output, shapes and options, and
 * precomputes offsets and the multiplier f64(f32(lhs_scale * rhs_scale)) / f64(out_scale).
 * Returns OK, E_GRAPH, E_UNSUPPORTED_OP (adj_x), E_UNSUPPORTED_TYPE, E_SHAPE or E_QUANT.
 */
export function batchMatMulPrepare(o: i32): i32 {
  if (unchecked(oNIn[o]) != 2) return S.E_GRAPH;
  const lhs = opInput(o, 0);
  const rhs = opInput(o, 1);
  const out = unchecked(oOut[o]);
  if (lhs < 0 || rhs < 0) return S.E_GRAPH;
  if (unchecked(tType[lhs]) != T.TYPE_INT8 || unchecked(tType[rhs]) != T.TYPE_INT8
    || unchecked(tType[out]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  const adjY = bmmAdjY(o);
  if (adjY < 0) return adjY;
  let st = bmmShapes(o, lhs, rhs, out, adjY);
  if (st != S.OK) return st;
  st = checkInt8Activation(lhs);
  if (st == S.OK) st = checkInt8Activation(rhs);
  if (st == S.OK) st = checkInt8Activation(out);
  if (st != S.OK) return st;
  setP(o, P_LHS_OFF, -<i32>zpAt(lhs, 0));
  setP(o, P_RHS_OFF, -<i32>zpAt(rhs, 0));
  setP(o, P_OUT_OFF, <i32>zpAt(out, 0));
  // GetQuantizedConvolutionMultipler (kernel_util.cc): the product is taken in f32, then widened.
  st = quantizeMultiplier(<f64>(scale0(lhs) * scale0(rhs)) / <f64>scale0(out));
  setP(o, P_MULT, qmMultiplier);
  setP(o, P_SHIFT, qmShift);
  return st;
}

/** Requantizes one accumulator to int8. */
// @ts-ignore: decorator
@inline
function requant(acc: i32, mult: i32, shift: i32, outOff: i32): i8 {
  let v = multiplyByQuantizedMultiplier(acc, mult, shift) + outOff;
  v = v < -128 ? -128 : v > 127 ? 127 : v;
  return <i8>v;
}

/** One output row: out[j] for j < n from lhs row `row` and the rhs matrix of this batch. */
function bmmRow(o: i32, row: usize, rhs: usize, dst: usize): void {
  const k = getP(o, P_K);
  const n = getP(o, P_N);
  const lo = getP(o, P_LHS_OFF);
  const ro = getP(o, P_RHS_OFF);
  const outOff = getP(o, P_OUT_OFF);
  const mult = getP(o, P_MULT);
  const shift = getP(o, P_SHIFT);
  if (getP(o, P_ADJ_Y) != 0) {
    for (let j = 0; j < n; j++) {
      const acc = dot(row, lo, rhs + <usize>(j * k), ro, k);
      store<i8>(dst + <usize>j, requant(acc, mult, shift, outOff));
    }
    return;
  }
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    dotColumns8(row, lo, rhs + <usize>j, ro, k, n, scratch);
    for (let q = 0; q < 8; q++) {
      const acc = load<i32>(scratch + (<usize>q << 2));
      store<i8>(dst + <usize>(j + q), requant(acc, mult, shift, outOff));
    }
  }
  for (; j < n; j++) {
    const acc = dotStridedRef(row, lo, rhs + <usize>j, ro, k, n);
    store<i8>(dst + <usize>j, requant(acc, mult, shift, outOff));
  }
}

/** Eval: out[b][i][j] = clamp(requant(sum_k (lhs[b][i][k] + lo) * (rhs[b][k][j] + ro)) + zp). */
export function batchMatMulEval(o: i32): i32 {
  const lhs = unchecked(tPtr[opInput(o, 0)]);
  const rhs = unchecked(tPtr[opInput(o, 1)]);
  const out = unchecked(tPtr[unchecked(oOut[o])]);
  const b = getP(o, P_B);
  const m = getP(o, P_M);
  const k = getP(o, P_K);
  const n = getP(o, P_N);
  const ls = getP(o, P_LHS_STRIDE);
  const rs = getP(o, P_RHS_STRIDE);
  for (let bi = 0; bi < b; bi++) {
    const lb = lhs + <usize>(bi * ls);
    const rb = rhs + <usize>(bi * rs);
    for (let i = 0; i < m; i++) {
      bmmRow(o, lb + <usize>(i * k), rb, out + <usize>((bi * m + i) * n));
    }
  }
  return S.OK;
}
