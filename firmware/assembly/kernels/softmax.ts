// SOFTMAX, int8 in and out (TFLite reference_ops::Softmax for quantized types, as TFLite Micro
// runs it): PreprocessSoftmaxScaling with kScaledDiffIntegerBits = 5, diff_min from
// CalculateInputRadius, gemmlowp exp_on_negative_values, sums in Q12 (kAccumulationIntegerBits),
// reciprocal by one_over_one_plus_x_for_x_in_0_1. Output scale 1/256, zero point -128.

import * as S from "../status";
import * as T from "../tflite/schema";
import { tType, tRank, tCount, tPtr, oOut, oOpt, oOptType, oNIn, dim, scale0, zpAt, opInput } from "../tflite/model";
import { fbF32, fbScalarOk, fbScalarReset } from "../tflite/flatbuffer";
import { quantizeMultiplier, qmMultiplier, qmShift, srdhm, roundingDivideByPOT } from "./fixedpoint";
import { expOnNegativeValues, getReciprocal, reciprocalBitsOverUnit } from "./gemmlowp";
import { getP, setP } from "./opdata";
import { checkInt8Activation } from "./quant";

const P_OUTER = 0;
const P_DEPTH = 1;
const P_MULT = 2;
const P_LEFT_SHIFT = 3;
const P_DIFF_MIN = 4;

const kScaledDiffIntegerBits = 5;
const kAccumulationIntegerBits = 12;
/** Longest softmax row: keeps the Q12 sum of exps and every shift inside 31 bits. */
export const SOFTMAX_MAX_DEPTH: i32 = 256;

/** Multiplier, left shift and diff_min written by softmaxScaling(). */
export let smMultiplier: i32 = 0;
export let smLeftShift: i32 = 0;
export let smDiffMin: i32 = 0;

/**
 * TFLite PreprocessSoftmaxScaling (double rounding) + CalculateInputRadius for beta and the
 * input scale (both f32 widened to f64). Returns OK or E_QUANT when the multiplier is below 1
 * (TFLite's QuantizeMultiplierGreaterThanOne would fail) or not finite.
 */
export function softmaxScaling(beta: f32, inputScale: f32): i32 {
  let real = <f64>beta * <f64>inputScale * <f64>(1 << (31 - kScaledDiffIntegerBits));
  const cap: f64 = 2147483647.0;
  if (real > cap) real = cap;
  const st = quantizeMultiplier(real);
  if (st != S.OK) return st;
  if (qmShift < 0) return S.E_QUANT;
  smMultiplier = qmMultiplier;
  smLeftShift = qmShift;
  const maxRescaled = 1.0 * <f64>((1 << kScaledDiffIntegerBits) - 1)
    * <f64>(<i64>1 << (31 - kScaledDiffIntegerBits)) / <f64>(<i64>1 << qmShift);
  smDiffMin = <i32>(-1.0 * floor(maxRescaled));
  return S.OK;
}

/**
 * Prepare: one int8 input, int8 output of the same shape (last dimension <= SOFTMAX_MAX_DEPTH),
 * output quantized with scale 1/256 (within 0.1%) and zero point -128.
 * Returns OK, E_GRAPH, E_UNSUPPORTED_OP (wrong options type), E_UNSUPPORTED_TYPE, E_SHAPE,
 * E_QUANT or E_BOUNDS (options table out of range).
 */
export function softmaxPrepare(o: i32): i32 {
  if (unchecked(oNIn[o]) != 1) return S.E_GRAPH;
  const inp = opInput(o, 0);
  const out = unchecked(oOut[o]);
  if (inp < 0) return S.E_GRAPH;
  if (unchecked(tType[inp]) != T.TYPE_INT8 || unchecked(tType[out]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  const rank = unchecked(tRank[inp]);
  if (rank < 1 || unchecked(tRank[out]) != rank || unchecked(tCount[out]) != unchecked(tCount[inp])) return S.E_SHAPE;
  const depth = dim(inp, rank - 1);
  if (dim(out, rank - 1) != depth || depth > SOFTMAX_MAX_DEPTH) return S.E_SHAPE;
  let st = checkInt8Activation(inp);
  if (st == S.OK) st = checkInt8Activation(out);
  if (st != S.OK) return st;
  const os = scale0(out);
  if (zpAt(out, 0) != -128 || abs<f32>(os - <f32>1.0 / <f32>256.0) > <f32>0.001 / <f32>256.0) return S.E_QUANT;
  let beta: f32 = 0; // TFLite leaves beta 0 when the options table is absent
  const opt = unchecked(oOpt[o]);
  if (opt != 0) {
    if (unchecked(oOptType[o]) != T.OPTS_SOFTMAX) return S.E_UNSUPPORTED_OP;
    fbScalarReset();
    beta = fbF32(opt, T.SOFTMAX_OPT_BETA, 0);
    if (!fbScalarOk) return S.E_BOUNDS;
  }
  st = softmaxScaling(beta, scale0(inp));
  if (st != S.OK) return st;
  setP(o, P_OUTER, unchecked(tCount[inp]) / depth);
  setP(o, P_DEPTH, depth);
  setP(o, P_MULT, smMultiplier);
  setP(o, P_LEFT_SHIFT, smLeftShift);
  setP(o, P_DIFF_MIN, smDiffMin);
  return S.OK;
}

/**
 * Softmax of `depth` int8 values at `src` into `dst` with the given scaling (from
 * softmaxScaling). Bounded by depth; no allocation.
 */
export function softmaxRow(src: usize, dst: usize, depth: i32, mult: i32, leftShift: i32, diffMin: i32): void {
  let maxIn: i32 = -128;
  for (let c = 0; c < depth; c++) {
    const v = <i32>load<i8>(src + <usize>c);
    if (v > maxIn) maxIn = v;
  }
  let sumOfExps: i32 = 0; // FixedPoint<int32, 12>
  for (let c = 0; c < depth; c++) {
    const diff = <i32>load<i8>(src + <usize>c) - maxIn;
    if (diff >= diffMin) {
      const scaled = srdhm(diff * (1 << leftShift), mult);
      sumOfExps += roundingDivideByPOT(expOnNegativeValues(scaled), kAccumulationIntegerBits);
    }
  }
  const shiftedScale = getReciprocal(sumOfExps, kAccumulationIntegerBits);
  const outShift = reciprocalBitsOverUnit + 31 - 8;
  for (let c = 0; c < depth; c++) {
    const diff = <i32>load<i8>(src + <usize>c) - maxIn;
    let q: i32 = -128;
    if (diff >= diffMin) {
      const scaled = srdhm(diff * (1 << leftShift), mult);
      const e = expOnNegativeValues(scaled);
      q = roundingDivideByPOT(srdhm(shiftedScale, e), outShift) - 128;
      q = q < -128 ? -128 : q > 127 ? 127 : q;
    }
    store<i8>(dst + <usize>c, <i8>q);
  }
}

/** Eval: softmax over the last dimension, one row at a time. Returns OK. */
export function softmaxEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const outer = getP(o, P_OUTER);
  const depth = getP(o, P_DEPTH);
  const mult = getP(o, P_MULT);
  const ls = getP(o, P_LEFT_SHIFT);
  const dm = getP(o, P_DIFF_MIN);
  for (let r = 0; r < outer; r++) {
    const off = <usize>(r * depth);
    softmaxRow(src + off, dst + off, depth, mult, ls, dm);
  }
  return S.OK;
}
