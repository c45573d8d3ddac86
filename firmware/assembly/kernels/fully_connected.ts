// FULLY_CONNECTED, int8 (TFLite reference_integer_ops::FullyConnected and
// FullyConnectedPerChannel): input [batches, K] (any shape with batches * K elements),
// weights [N, K] int8 (per-tensor, or per-channel on dimension 0 with zero points 0),
// optional int32 bias [N], output [batches, N] int8; fused NONE, RELU or RELU6.
// Requantization rounds once (multiplyByQuantizedMultiplierSingle), as TFLite 2.21's reference
// kernel does (BUILTIN_REF, docs/notes/oracle-findings.md section 6).

import * as S from "../status";
import * as T from "../tflite/schema";
import {
  oCode, tType, tRank, tCount, tNScale, tNZp, tQDim, tPtr, oOut, oOpt, oOptType, oNIn,
  dim, scale0, scaleAt, zpAt, opInput,
} from "../tflite/model";
import { fbU32 } from "../tflite/flatbuffer";
import {
  quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplierSingle, activationRange,
  actMin, actMax,
} from "./fixedpoint";
import { getP, setP, chanAlloc, chanSet, chanMultAt, chanShiftAt } from "./opdata";
import { dot } from "./dot";
import { activationScaleOk, checkInt8Activation } from "./quant";

// Parameter slots.
const P_BATCHES = 0;
const P_K = 1;
const P_N = 2;
const P_IN_OFF = 3;
const P_W_OFF = 4;
const P_OUT_OFF = 5;
const P_MULT = 6;
const P_SHIFT = 7;
const P_CHAN = 8; // first per-channel entry, -1 for per-tensor weights
const P_ACT_MIN = 9;
const P_ACT_MAX = 10;

/** Reads the fused activation from FullyConnectedOptions; <0 on an unsupported option. */
function fcActivation(o: i32): i32 {
  const opt = unchecked(oOpt[o]);
  if (opt == 0) return T.ACT_NONE;
  if (unchecked(oOptType[o]) != T.OPTS_FULLY_CONNECTED) return S.E_UNSUPPORTED_OP;
  const act = fbU32(opt, T.FC_OPT_ACTIVATION, 1, 0);
  const fmt = fbU32(opt, T.FC_OPT_WEIGHTS_FORMAT, 1, 0);
  if (act < 0 || fmt < 0) return S.E_BOUNDS;
  if (fmt != 0) return S.E_UNSUPPORTED_OP;
  return <i32>act;
}

/** Checks types and shapes; sets batches, K and N. */
function fcShapes(o: i32, inp: i32, w: i32, bias: i32, out: i32): i32 {
  if (unchecked(tType[inp]) != T.TYPE_INT8 || unchecked(tType[w]) != T.TYPE_INT8
    || unchecked(tType[out]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  if (unchecked(tRank[w]) != 2) return S.E_SHAPE;
  const n = dim(w, 0);
  const k = dim(w, 1);
  const count = unchecked(tCount[inp]);
  if (count % k != 0) return S.E_SHAPE;
  const batches = count / k;
  const outRank = unchecked(tRank[out]);
  if (outRank < 1 || dim(out, outRank - 1) != n || unchecked(tCount[out]) != batches * n) return S.E_SHAPE;
  if (bias >= 0) {
    if (unchecked(tType[bias]) != T.TYPE_INT32) return S.E_UNSUPPORTED_TYPE;
    if (unchecked(tCount[bias]) != n) return S.E_SHAPE;
  }
  setP(o, P_BATCHES, batches);
  setP(o, P_K, k);
  setP(o, P_N, n);
  return S.OK;
}

/**
 * Multipliers as TFLite Micro computes them (fully_connected_common.cc): per-tensor (one weight
 * scale) real = f64(f32(in_scale * w_scale)) / f64(out_scale) (GetQuantizedConvolutionMultipler,
 * product in f32); per-channel real = f64(in_scale) * f64(w_scale[c]) / f64(out_scale). Stored in
 * P_MULT/P_SHIFT, or in the shared pool (P_CHAN).
 */
function fcMultipliers(o: i32, inp: i32, w: i32, out: i32): i32 {
  const n = getP(o, P_N);
  const ns = unchecked(tNScale[w]);
  const inScale = <f64>scale0(inp);
  const outScale = <f64>scale0(out);
  setP(o, P_CHAN, -1);
  if (ns == 1) {
    const wz = zpAt(w, 0);
    if (wz < -128 || wz > 127 || !activationScaleOk(scale0(w))) return S.E_QUANT;
    setP(o, P_W_OFF, -<i32>wz);
    // GetQuantizedConvolutionMultipler (kernel_util.cc): the product is taken in f32, then widened.
    const st = quantizeMultiplier(<f64>(scale0(inp) * scale0(w)) / outScale);
    setP(o, P_MULT, qmMultiplier);
    setP(o, P_SHIFT, qmShift);
    return st;
  }
  if (ns != n || unchecked(tQDim[w]) != 0) return S.E_QUANT;
  const base = chanAlloc(n);
  if (base < 0) return base;
  setP(o, P_CHAN, base);
  setP(o, P_W_OFF, 0);
  for (let c = 0; c < n; c++) {
    if (c < unchecked(tNZp[w]) && zpAt(w, c) != 0) return S.E_QUANT;
    const ws = scaleAt(w, c);
    if (!activationScaleOk(ws)) return S.E_QUANT;
    const st = quantizeMultiplier(inScale * <f64>ws / outScale);
    if (st != S.OK) return st;
    chanSet(base + c, qmMultiplier, qmShift);
  }
  return S.OK;
}

/**
 * Per-channel entries operator `o` takes in the arena when prepared: the weights' scale count
 * when it is a FULLY_CONNECTED with per-channel weights (more than one scale), else 0.
 */
export function fcChannelCount(o: i32): i32 {
  if (unchecked(oCode[o]) != T.OP_FULLY_CONNECTED) return 0;
  const w = opInput(o, 1);
  if (w < 0) return 0;
  const ns = unchecked(tNScale[w]);
  return ns > 1 ? ns : 0;
}

/**
 * Prepare: validates inputs (input, weights, optional bias), types, shapes and quantization,
 * and precomputes offsets, multipliers and the activation range.
 * Returns OK, E_GRAPH (missing inputs), E_UNSUPPORTED_OP (activation other than NONE/RELU/RELU6
 * or a non-default weights format), E_UNSUPPORTED_TYPE, E_SHAPE, E_QUANT or E_TOO_MANY.
 */
export function fullyConnectedPrepare(o: i32): i32 {
  const nIn = unchecked(oNIn[o]);
  if (nIn < 2 || nIn > 3) return S.E_GRAPH;
  const inp = opInput(o, 0);
  const w = opInput(o, 1);
  const bias = opInput(o, 2);
  const out = unchecked(oOut[o]);
  if (inp < 0 || w < 0) return S.E_GRAPH;
  const act = fcActivation(o);
  if (act < 0) return act;
  let st = fcShapes(o, inp, w, bias, out);
  if (st != S.OK) return st;
  st = checkInt8Activation(inp);
  if (st != S.OK) return st;
  st = checkInt8Activation(out);
  if (st != S.OK) return st;
  if (unchecked(tNScale[w]) < 1) return S.E_QUANT;
  setP(o, P_IN_OFF, -<i32>zpAt(inp, 0));
  setP(o, P_OUT_OFF, <i32>zpAt(out, 0));
  st = fcMultipliers(o, inp, w, out);
  if (st != S.OK) return st;
  st = activationRange(act, scale0(out), <i32>zpAt(out, 0));
  setP(o, P_ACT_MIN, actMin);
  setP(o, P_ACT_MAX, actMax);
  return st;
}

/**
 * Eval: output[b][n] = clamp(requant(sum_k (w[n][k] + wOff) * (x[b][k] + inOff) + bias[n]) + zp).
 * Bounded loops over the shapes fixed in prepare; always returns OK.
 */
export function fullyConnectedEval(o: i32): i32 {
  const inPtr = unchecked(tPtr[opInput(o, 0)]);
  const wPtr = unchecked(tPtr[opInput(o, 1)]);
  const bias = opInput(o, 2);
  const bPtr: usize = bias >= 0 ? unchecked(tPtr[bias]) : 0;
  const outPtr = unchecked(tPtr[unchecked(oOut[o])]);
  const batches = getP(o, P_BATCHES);
  const k = getP(o, P_K);
  const n = getP(o, P_N);
  const inOff = getP(o, P_IN_OFF);
  const wOff = getP(o, P_W_OFF);
  const outOff = getP(o, P_OUT_OFF);
  const chan = getP(o, P_CHAN);
  const lo = getP(o, P_ACT_MIN);
  const hi = getP(o, P_ACT_MAX);
  let mult = getP(o, P_MULT);
  let shift = getP(o, P_SHIFT);
  for (let b = 0; b < batches; b++) {
    const x = inPtr + <usize>(b * k);
    for (let c = 0; c < n; c++) {
      let acc = dot(wPtr + <usize>(c * k), wOff, x, inOff, k);
      if (bPtr != 0) acc += load<i32>(bPtr + (<usize>c << 2));
      if (chan >= 0) {
        mult = chanMultAt(chan + c);
        shift = chanShiftAt(chan + c);
      }
      acc = multiplyByQuantizedMultiplierSingle(acc, mult, shift) + outOff;
      acc = acc < lo ? lo : acc > hi ? hi : acc;
      store<i8>(outPtr + <usize>(b * n + c), <i8>acc);
    }
  }
  return S.OK;
}
