// TANH, int8, TFLite Micro's integer reference (reference_integer_ops::Tanh with the scaling
// of tanh.cc): the LOGISTIC input path (logistic.ts sigmoidInputScaling: radius, Q4.27 rescale),
// gemmlowp tanh, then RoundingDivideByPOT(., 24) clamped to int8. Output quantization is
// scale 1/128, zero point 0 (TFLite Micro checks neither; this kernel refuses other zero points
// and scales more than 1% from 1/128, since the output is produced in 1/128 steps).

import * as S from "../status";
import { scale0, zpAt } from "../tflite/model";
import { unaryOperands, ewOut } from "./elementwise";
import { sigmoidInputScaling, sigmoidLikeEval, scaleNear } from "./logistic";

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

/** TANH eval: one fixed-point tanh per element (sigmoidLikeEval in logistic.ts). Returns OK. */
export function tanhEval(o: i32): i32 {
  return sigmoidLikeEval(o, true);
}
