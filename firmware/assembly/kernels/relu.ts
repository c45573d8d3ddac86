// RELU and RELU6, int8, with requantization (TFLite reference_ops::ReluX / TFLite Micro
// ReluQuantized): out = zp_out + MultiplyByQuantizedMultiplier(x - zp_in, M, shift) with
// M * 2^shift = in_scale / out_scale (f64), clamped to [max(-128, zp_out), 127] for RELU and
// [max(-128, zp_out), min(127, zp_out + roundf(6 / out_scale))] for RELU6.
// TFLite Micro's RELU6 clamps in the input's quantization without rescaling (Relu6Quantized);
// when input and output quantization are equal (as in its tests) M = 2^30, shift 1 and the
// rescale is exact, so both give the same bytes. With different output quantization this
// kernel follows TFLite's requantizing ReluX (TFLite Micro would ignore the output params).

import * as S from "../status";
import * as T from "../tflite/schema";
import { tPtr, tCount, oOut, scale0, zpAt, opInput } from "../tflite/model";
import { quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplier, activationRange, actMin, actMax } from "./fixedpoint";
import { getP, setP } from "./opdata";
import { unaryOperands, ewIn1, ewOut } from "./elementwise";

const P_COUNT = 0;
const P_MULT = 1;
const P_SHIFT = 2;
const P_IN_ZP = 3;
const P_OUT_ZP = 4;
const P_MIN = 5;
const P_MAX = 6;

/** Shared prepare; `act` is ACT_RELU or ACT_RELU6. */
function reluXPrepare(o: i32, act: i32): i32 {
  let st = unaryOperands(o);
  if (st != S.OK) return st;
  const so = scale0(ewOut);
  const zo = <i32>zpAt(ewOut, 0);
  st = quantizeMultiplier(<f64>scale0(ewIn1) / <f64>so);
  if (st != S.OK) return st;
  setP(o, P_MULT, qmMultiplier);
  setP(o, P_SHIFT, qmShift);
  st = activationRange(act, so, zo);
  if (st != S.OK) return st;
  setP(o, P_MIN, actMin);
  setP(o, P_MAX, actMax);
  setP(o, P_IN_ZP, <i32>zpAt(ewIn1, 0));
  setP(o, P_OUT_ZP, zo);
  setP(o, P_COUNT, unchecked(tCount[ewIn1]));
  return S.OK;
}

/**
 * RELU prepare: one int8 input, int8 output of the same shape, both per-tensor quantized.
 * Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_SHAPE or E_QUANT (bad quantization, or
 * in_scale / out_scale too large for QuantizeMultiplier).
 */
export function reluPrepare(o: i32): i32 {
  return reluXPrepare(o, T.ACT_RELU);
}

/** RELU6 prepare: as reluPrepare (same status codes), upper bound zp_out + roundf(6 / out_scale). */
export function relu6Prepare(o: i32): i32 {
  return reluXPrepare(o, T.ACT_RELU6);
}

/** RELU / RELU6 eval: one requantize and clamp per element. Returns OK. */
export function reluEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const n = getP(o, P_COUNT);
  const m = getP(o, P_MULT);
  const sh = getP(o, P_SHIFT);
  const zi = getP(o, P_IN_ZP);
  const zo = getP(o, P_OUT_ZP);
  const lo = getP(o, P_MIN);
  const hi = getP(o, P_MAX);
  for (let i = 0; i < n; i++) {
    const x = <i32>load<i8>(src + <usize>i) - zi;
    let r = zo + multiplyByQuantizedMultiplier(x, m, sh);
    r = r < lo ? lo : r > hi ? hi : r;
    store<i8>(dst + <usize>i, <i8>r);
  }
  return S.OK;
}
