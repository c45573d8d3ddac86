// TANH, int8, TFLite Micro's integer reference (reference_integer_ops::Tanh with the scaling
// of tanh.cc): the LOGISTIC input path (logistic.ts sigmoidInputScaling: radius, Q4.27 rescale),
// gemmlowp tanh, then RoundingDivideByPOT(., 24) clamped to int8. Output quantization is
// scale 1/128, zero point 0 (TFLite Micro checks neither; this kernel refuses other zero points
// and scales more than 1% from 1/128, since the output is produced in 1/128 steps).

import * as S from "../status";
import { tPtr, oOut, scale0, zpAt, opInput } from "../tflite/model";
import { multiplyByQuantizedMultiplier, roundingDivideByPOT } from "./fixedpoint";
import { tanhQ4 } from "./gemmlowp";
import { getP } from "./opdata";
import { unaryOperands, ewOut } from "./elementwise";
import { sigmoidInputScaling, scaleNear, P_COUNT, P_ZP, P_RADIUS, P_MULT, P_SHIFT } from "./logistic";

/**
 * TANH prepare: one int8 input, int8 output of the same shape, per-tensor quantized; output zero
 * point 0 and scale 1/128 (within 1%). Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_SHAPE or
 * E_QUANT.
 */
export function tanhPrepare(o: i32): i32 {
  const st = unaryOperands(o);
  if (st != S.OK) return st;
  if (zpAt(ewOut, 0) != 0 || !scaleNear(scale0(ewOut), 1.0 / 128.0)) return S.E_QUANT;
  return sigmoidInputScaling(o);
}

/** TANH eval: one fixed-point tanh per element. Returns OK. */
export function tanhEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const n = getP(o, P_COUNT);
  const zp = getP(o, P_ZP);
  const radius = getP(o, P_RADIUS);
  const m = getP(o, P_MULT);
  const sh = getP(o, P_SHIFT);
  for (let i = 0; i < n; i++) {
    const x = <i32>load<i8>(src + <usize>i) - zp;
    let r: i32;
    if (x <= -radius) r = -128;
    else if (x >= radius) r = 127;
    else {
      r = roundingDivideByPOT(tanhQ4(multiplyByQuantizedMultiplier(x, m, sh)), 24);
      r = r < -128 ? -128 : r > 127 ? 127 : r;
    }
    store<i8>(dst + <usize>i, <i8>r);
  }
  return S.OK;
}
