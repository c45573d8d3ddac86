// GATHER (TFLite Micro gather.cc / reference Gather): params int8 (or int32) of rank <= 4,
// indices int32, axis and batch_dims from GatherOptions (negative values count from the end).
// output shape = params[:axis] + indices[batch_dims:] + params[axis+1:]. Pure data movement: no
// requantization (the output takes the params' bytes, as in TFLite). Every index is checked
// against the axis size at eval; an out-of-range index stops the op with E_INDEX before any
// out-of-bounds read.

import * as S from "../status";
import * as T from "../tflite/schema";
import { tType, tRank, tCount, tPtr, oOut, oOpt, oOptType, oNIn, dim, opInput } from "../tflite/model";
import { fbI32, fbScalarOk, fbScalarReset } from "../tflite/flatbuffer";
import { getP, setP } from "./opdata";

const P_BATCH = 0;  // product of params dims [0, batch_dims)
const P_OUTER = 1;  // product of params dims [batch_dims, axis)
const P_AXIS = 2;   // params dims[axis]
const P_INNER = 3;  // product of params dims (axis, rank), times the element size
const P_COORDS = 4; // product of indices dims [batch_dims, rank)

/** Product of dims [from, to) of tensor t. */
function dimProduct(t: i32, from: i32, to: i32): i32 {
  let p = 1;
  for (let d = from; d < to; d++) p *= dim(t, d);
  return p;
}

/** Reads axis and batch_dims (defaults 0); returns E_BOUNDS/E_UNSUPPORTED_OP on bad options. */
function gatherOptions(o: i32): i32 {
  setP(o, P_AXIS, 0);
  setP(o, P_BATCH, 0);
  const opt = unchecked(oOpt[o]);
  if (opt == 0) return S.OK;
  if (unchecked(oOptType[o]) != T.OPTS_GATHER) return S.E_UNSUPPORTED_OP;
  fbScalarReset();
  const axis = fbI32(opt, T.GATHER_OPT_AXIS, 0);
  const bd = fbI32(opt, T.GATHER_OPT_BATCH_DIMS, 0);
  if (!fbScalarOk) return S.E_BOUNDS;
  setP(o, P_AXIS, axis);
  setP(o, P_BATCH, bd);
  return S.OK;
}

/** Checks the output shape params[:axis] + indices[bd:] + params[axis+1:]. */
function gatherOutputShape(params: i32, idx: i32, out: i32, axis: i32, bd: i32): bool {
  const rp = unchecked(tRank[params]);
  const ri = unchecked(tRank[idx]);
  const ro = unchecked(tRank[out]);
  if (ro != rp - 1 + ri - bd) return false;
  let k = 0;
  for (let d = 0; d < axis; d++) if (dim(out, k++) != dim(params, d)) return false;
  for (let d = bd; d < ri; d++) if (dim(out, k++) != dim(idx, d)) return false;
  for (let d = axis + 1; d < rp; d++) if (dim(out, k++) != dim(params, d)) return false;
  return true;
}

/**
 * Prepare: params int8 or int32 (output of the same type), indices int32, output shape as above;
 * 0 <= batch_dims <= axis < rank(params), batch_dims <= rank(indices) and the leading batch_dims
 * dims of params and indices equal.
 * Returns OK, E_GRAPH (not 2 inputs), E_UNSUPPORTED_OP (bad options table), E_BOUNDS,
 * E_UNSUPPORTED_TYPE or E_SHAPE.
 */
export function gatherPrepare(o: i32): i32 {
  if (unchecked(oNIn[o]) != 2) return S.E_GRAPH;
  const params = opInput(o, 0);
  const idx = opInput(o, 1);
  const out = unchecked(oOut[o]);
  if (params < 0 || idx < 0) return S.E_GRAPH;
  const ty = unchecked(tType[params]);
  if ((ty != T.TYPE_INT8 && ty != T.TYPE_INT32) || unchecked(tType[out]) != ty
    || unchecked(tType[idx]) != T.TYPE_INT32) return S.E_UNSUPPORTED_TYPE;
  const st = gatherOptions(o);
  if (st != S.OK) return st;
  const rp = unchecked(tRank[params]);
  const ri = unchecked(tRank[idx]);
  let axis = getP(o, P_AXIS);
  let bd = getP(o, P_BATCH);
  if (axis < 0) axis += rp;
  if (bd < 0) bd += ri;
  if (axis < 0 || axis >= rp || bd < 0 || bd > ri || bd > axis) return S.E_SHAPE;
  for (let d = 0; d < bd; d++) if (dim(params, d) != dim(idx, d)) return S.E_SHAPE;
  if (!gatherOutputShape(params, idx, out, axis, bd)) return S.E_SHAPE;
  const esize = ty == T.TYPE_INT8 ? 1 : 4;
  setP(o, P_BATCH, dimProduct(params, 0, bd));
  setP(o, P_OUTER, dimProduct(params, bd, axis));
  setP(o, P_AXIS, dim(params, axis));
  setP(o, P_INNER, dimProduct(params, axis + 1, rp) * esize);
  setP(o, P_COORDS, dimProduct(idx, bd, ri));
  return unchecked(tCount[out]) == 0 ? S.E_SHAPE : S.OK;
}

/**
 * Eval: copies params slices selected by the indices. Returns OK, or E_INDEX when an index is
 * negative or >= the axis size (checked before that slice is read; earlier slices are written).
 */
export function gatherEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const ip = unchecked(tPtr[opInput(o, 1)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const batch = getP(o, P_BATCH);
  const outer = getP(o, P_OUTER);
  const axisSize = getP(o, P_AXIS);
  const inner = getP(o, P_INNER);
  const coords = getP(o, P_COORDS);
  let w: usize = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outer; r++) {
      const base = <usize>((b * outer + r) * axisSize) * <usize>inner;
      for (let i = 0; i < coords; i++) {
        const at = load<i32>(ip + (<usize>(b * coords + i) << 2));
        if (at < 0 || at >= axisSize) return S.E_INDEX;
        memory.copy(dst + w, src + base + <usize>at * <usize>inner, <usize>inner);
        w += <usize>inner;
      }
    }
  }
  return S.OK;
}
