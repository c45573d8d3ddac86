// CONCATENATION, int8 (TFLite Micro concatenation.cc, reference_ops::Concatenation): 1 to
// MAX_OP_INPUTS inputs of equal rank (<= 4) and equal dims except on `axis`, joined along
// `axis` (negative counts from the end). As in TFLite and TFLite Micro, int8 inputs must carry
// exactly the output's scale and zero point (no requantization), and the fused activation
// must be NONE.

import * as S from "../status";
import * as T from "../tflite/schema";
import { tType, tRank, tCount, tPtr, oOut, oOpt, oOptType, oNIn, dim, opInput, scale0, zpAt } from "../tflite/model";
import { fbI32, fbU32, fbScalarOk, fbScalarReset } from "../tflite/flatbuffer";
import { getP, setP } from "./opdata";
import { checkInt8Activation } from "./quant";

const P_OUTER = 0; // product of output dims [0, axis)

/** Reads the axis (written to P_OUTER temporarily); E_UNSUPPORTED_OP for a fused activation. */
function concatOptions(o: i32): i32 {
  setP(o, P_OUTER, 0);
  const opt = unchecked(oOpt[o]);
  if (opt == 0) return S.OK;
  if (unchecked(oOptType[o]) != T.OPTS_CONCATENATION) return S.E_UNSUPPORTED_OP;
  fbScalarReset();
  const axis = fbI32(opt, T.CONCAT_OPT_AXIS, 0);
  const act = fbU32(opt, T.CONCAT_OPT_ACTIVATION, 1, 0);
  if (!fbScalarOk || act < 0) return S.E_BOUNDS;
  if (act != T.ACT_NONE) return S.E_UNSUPPORTED_OP;
  setP(o, P_OUTER, axis);
  return S.OK;
}

/** Checks one input against the output: type, rank, dims off the axis, quantization. */
function concatInput(t: i32, out: i32, axis: i32): i32 {
  if (unchecked(tType[t]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  const r = unchecked(tRank[out]);
  if (unchecked(tRank[t]) != r) return S.E_SHAPE;
  for (let d = 0; d < r; d++) if (d != axis && dim(t, d) != dim(out, d)) return S.E_SHAPE;
  const st = checkInt8Activation(t);
  if (st != S.OK) return st;
  if (scale0(t) != scale0(out) || zpAt(t, 0) != zpAt(out, 0)) return S.E_QUANT;
  return S.OK;
}

/**
 * Prepare: validates inputs, output shape (sum of the inputs' axis dims), quantization and
 * options. Returns OK, E_GRAPH (no inputs or an absent one), E_UNSUPPORTED_OP, E_BOUNDS,
 * E_UNSUPPORTED_TYPE, E_SHAPE (rank 0, bad axis or dims) or E_QUANT.
 */
export function concatenationPrepare(o: i32): i32 {
  const n = unchecked(oNIn[o]);
  const out = unchecked(oOut[o]);
  if (n < 1) return S.E_GRAPH;
  if (unchecked(tType[out]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  let st = concatOptions(o);
  if (st != S.OK) return st;
  st = checkInt8Activation(out);
  if (st != S.OK) return st;
  const r = unchecked(tRank[out]);
  let axis = getP(o, P_OUTER);
  if (axis < 0) axis += r;
  if (r < 1 || axis < 0 || axis >= r) return S.E_SHAPE;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const t = opInput(o, k);
    if (t < 0) return S.E_GRAPH;
    st = concatInput(t, out, axis);
    if (st != S.OK) return st;
    sum += dim(t, axis);
  }
  if (sum != dim(out, axis)) return S.E_SHAPE;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= dim(out, d);
  setP(o, P_OUTER, outer);
  return S.OK;
}

/** Eval: for each outer index, copies each input's block (count / outer bytes) in input order. Returns OK. */
export function concatenationEval(o: i32): i32 {
  const n = unchecked(oNIn[o]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const outer = getP(o, P_OUTER);
  let w: usize = 0;
  for (let q = 0; q < outer; q++) {
    for (let k = 0; k < n; k++) {
      const t = opInput(o, k);
      const block = <usize>(unchecked(tCount[t]) / outer);
      memory.copy(dst + w, unchecked(tPtr[t]) + <usize>q * block, block);
      w += block;
    }
  }
  return S.OK;
}
