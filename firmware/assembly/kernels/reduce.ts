// SUM and MEAN over constant axes, int8 (TFLite Micro reduce_common.cc EvalSumHelper /
// EvalMeanHelper with reference_ops::Mean and QuantizedMeanOrSum; kernels/internal/reference/
// reduce.h). Input rank <= 4; axis = constant int32 tensor (scalar or 1-D, negative values count
// from the end, duplicates ignored); ReducerOptions.keep_dims keeps reduced dims as 1.
//
// Arithmetic (sum = int32 sum of the raw int8 values over the reduced axes, n = their count):
//  MEAN (TFLite 2.21 reference kernel, measured bit-exact against BUILTIN_REF; TFLite Micro's
//    reduce_common.cc does the same): (M, s) = QuantizeMultiplier(f64(in_scale) / f64(out_scale)),
//    then the division by n is folded into the multiplier: k = min(floor(log2 n), 32, 31 + s),
//    M' = (i64(M) << k) / n, s' = s - k; out = clamp(MBQM(sum - in_zp * n, M', s') + out_zp).
//  SUM, in f32: bias = -in_zp * scale * n, out = roundf(f32(sum) * scale + bias) + out_zp,
//    saturated to [-128, 127] (TFLite Micro casts to int8 without clamping: a wrap-around on
//    overflow; Dendra saturates, identical whenever the result fits in int8).

import * as S from "../status";
import * as T from "../tflite/schema";
import {
  tType, tRank, tCount, tPtr, tConst, oOut, oOpt, oOptType, oNIn, dim, opInput, scale0, zpAt,
} from "../tflite/model";
import { fbU32 } from "../tflite/flatbuffer";
import { getP, setP } from "./opdata";
import { checkInt8Activation } from "./quant";
import { roundHalfAwayF32, quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplier } from "./fixedpoint";

const P_MODE = 0; // 1 fixed-point mean, 2 f32 sum
const P_D0 = 1;   // input dims padded to rank 4 (leading 1s): slots 1..4
const P_MASK = 5; // bit d set = padded dim d is reduced
const P_N = 6;
const P_SCALE = 7; // SUM: f32 bits; MEAN: multiplier M'
const P_BIAS = 8;  // SUM: f32 bits; MEAN: shift s'
const P_OUT_ZP = 9;
const P_IN_ZP_N = 10; // in_zp * n

const MODE_Q_MEAN = 1;
const MODE_F32_SUM = 2;

/** keep_dims from ReducerOptions (0/1), or a negative status. */
function keepDims(o: i32): i32 {
  const opt = unchecked(oOpt[o]);
  if (opt == 0) return 0;
  if (unchecked(oOptType[o]) != T.OPTS_REDUCER) return S.E_UNSUPPORTED_OP;
  const k = fbU32(opt, T.REDUCER_OPT_KEEP_DIMS, 1, 0);
  if (k < 0) return S.E_BOUNDS;
  return k != 0 ? 1 : 0;
}

/** Resolves the constant axis tensor into P_MASK (padded dims); returns a status. */
function resolveAxes(o: i32, inp: i32, axes: i32): i32 {
  if (unchecked(tType[axes]) != T.TYPE_INT32) return S.E_UNSUPPORTED_TYPE;
  if (unchecked(tConst[axes]) == 0) return S.E_UNSUPPORTED_OP; // dynamic axes
  if (unchecked(tRank[axes]) > 1) return S.E_SHAPE;
  const r = unchecked(tRank[inp]);
  const pad = 4 - r;
  const n = unchecked(tCount[axes]);
  const p = unchecked(tConst[axes]);
  let mask = 0;
  for (let i = 0; i < n; i++) {
    let a = load<i32>(p + (<usize>i << 2));
    if (a < -r || a >= r) return S.E_SHAPE;
    if (a < 0) a += r;
    mask |= 1 << (a + pad);
  }
  setP(o, P_MASK, mask);
  return S.OK;
}

/** Checks the output dims: kept dims in order, reduced ones as 1 (keep) or dropped. */
function reduceOutputShape(o: i32, inp: i32, out: i32, keep: i32): bool {
  const r = unchecked(tRank[inp]);
  const pad = 4 - r;
  const mask = getP(o, P_MASK);
  let k = 0;
  const ro = unchecked(tRank[out]);
  for (let d = 0; d < r; d++) {
    const red = (mask >> (d + pad)) & 1;
    if (red != 0 && keep == 0) continue;
    if (k >= ro) return false;
    if (dim(out, k++) != (red != 0 ? 1 : dim(inp, d))) return false;
  }
  return k == ro;
}

/** Shared prepare of SUM and MEAN. */
function reducePrepare(o: i32, isSum: bool): i32 {
  if (unchecked(oNIn[o]) != 2) return S.E_GRAPH;
  const inp = opInput(o, 0);
  const axes = opInput(o, 1);
  const out = unchecked(oOut[o]);
  if (inp < 0 || axes < 0) return S.E_GRAPH;
  if (unchecked(tType[inp]) != T.TYPE_INT8 || unchecked(tType[out]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  const keep = keepDims(o);
  if (keep < 0) return keep;
  let st = resolveAxes(o, inp, axes);
  if (st != S.OK) return st;
  if (!reduceOutputShape(o, inp, out, keep)) return S.E_SHAPE;
  st = checkInt8Activation(inp);
  if (st == S.OK) st = checkInt8Activation(out);
  if (st != S.OK) return st;
  const r = unchecked(tRank[inp]);
  const mask = getP(o, P_MASK);
  let n = 1;
  for (let d = 0; d < 4; d++) {
    const v = d < 4 - r ? 1 : dim(inp, d - (4 - r));
    setP(o, P_D0 + d, v);
    if (((mask >> d) & 1) != 0) n *= v;
  }
  setP(o, P_N, n);
  const si = scale0(inp);
  const so = scale0(out);
  const zi = <i32>zpAt(inp, 0);
  const zo = <i32>zpAt(out, 0);
  setP(o, P_OUT_ZP, zo);
  setP(o, P_IN_ZP_N, zi * n);
  if (!isSum) return meanMultiplier(o, si, so, n);
  const scale: f32 = si / so;
  const bias: f32 = <f32>(-zi) * scale * <f32>n;
  setP(o, P_SCALE, reinterpret<i32>(scale));
  setP(o, P_BIAS, reinterpret<i32>(bias));
  if (!isFinite(scale) || !isFinite(bias)) return S.E_QUANT;
  setP(o, P_MODE, MODE_F32_SUM);
  return S.OK;
}

/** MEAN's multiplier in_scale / (out_scale * n) as (M', s') (see the header); E_QUANT when unusable. */
function meanMultiplier(o: i32, si: f32, so: f32, n: i32): i32 {
  const st = quantizeMultiplier(<f64>si / <f64>so);
  if (st != S.OK) return st;
  let k = 31 - clz(n);
  if (k > 32) k = 32;
  if (k > 31 + qmShift) k = 31 + qmShift;
  setP(o, P_SCALE, <i32>((<i64>qmMultiplier << k) / <i64>n));
  setP(o, P_BIAS, qmShift - k);
  setP(o, P_MODE, MODE_Q_MEAN);
  return S.OK;
}

/**
 * SUM prepare: int8 input (rank <= 4) and output, constant int32 axes (scalar or 1-D) in
 * [-rank, rank), output shape per keep_dims. Returns OK, E_GRAPH, E_UNSUPPORTED_OP (dynamic
 * axes, wrong options table), E_BOUNDS, E_UNSUPPORTED_TYPE, E_SHAPE or E_QUANT.
 */
export function sumPrepare(o: i32): i32 {
  return reducePrepare(o, true);
}

/** MEAN prepare: as sumPrepare (same status codes). */
export function meanPrepare(o: i32): i32 {
  return reducePrepare(o, false);
}

/** Final int8 value of one output element from its int32 sum. */
// @ts-ignore: decorator
@inline
function finish(mode: i32, sum: i32, p7: i32, p8: i32, zin: i32, zo: i32): i32 {
  if (mode == MODE_Q_MEAN) {
    const q = multiplyByQuantizedMultiplier(sum - zin, p7, p8) + zo;
    return q > 127 ? 127 : q < -128 ? -128 : q;
  }
  let r = roundHalfAwayF32(<f32>sum * reinterpret<f32>(p7) + reinterpret<f32>(p8));
  r = r > <f32>1024 ? <f32>1024 : r < <f32>-1024 ? <f32>-1024 : r; // saturate before i32
  r += <f32>zo;
  r = r > <f32>127 ? <f32>127 : r;
  r = r < <f32>-128 ? <f32>-128 : r;
  return <i32>r;
}

/**
 * Eval (SUM and MEAN): for each output element (kept coordinates in row-major order) sums the
 * input over the reduced coordinates; 8 nested loops bounded by the padded dims. Returns OK.
 */
export function reduceEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const mask = getP(o, P_MASK);
  const d0 = getP(o, P_D0), d1 = getP(o, P_D0 + 1), d2 = getP(o, P_D0 + 2), d3 = getP(o, P_D0 + 3);
  const e0 = (mask & 1) != 0 ? 1 : d0, e1 = (mask & 2) != 0 ? 1 : d1;
  const e2 = (mask & 4) != 0 ? 1 : d2, e3 = (mask & 8) != 0 ? 1 : d3;
  const r0 = d0 / e0, r1 = d1 / e1, r2 = d2 / e2, r3 = d3 / e3;
  const mode = getP(o, P_MODE);
  const p7 = getP(o, P_SCALE);
  const p8 = getP(o, P_BIAS);
  const zin = getP(o, P_IN_ZP_N);
  const zo = getP(o, P_OUT_ZP);
  let w: usize = 0;
  for (let a = 0; a < e0; a++) for (let b = 0; b < e1; b++) for (let c = 0; c < e2; c++) for (let d = 0; d < e3; d++) {
    let sum = 0;
    for (let i = 0; i < r0; i++) for (let j = 0; j < r1; j++) for (let k = 0; k < r2; k++) {
      const row = (((a + i) * d1 + (b + j)) * d2 + (c + k)) * d3 + d;
      for (let l = 0; l < r3; l++) sum += <i32>load<i8>(src + <usize>(row + l));
    }
    store<i8>(dst + w, <i8>finish(mode, sum, p7, p8, zin, zo));
    w++;
  }
  return S.OK;
}
