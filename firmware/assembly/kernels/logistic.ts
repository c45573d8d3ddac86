// LOGISTIC, int8, TFLite Micro's integer reference (reference_integer_ops::Logistic with the
// scaling of logistic_common.cc): deterministic fixed point, no float LUT. The input minus its
// zero point is compared with input_range_radius (beyond it the output saturates to -128 /
// 127), else rescaled to Q4.27 by MultiplyByQuantizedMultiplier(x, M, shift) where
// M * 2^shift = in_scale * 2^27 (frexp, M = round(q * 2^31)), fed to gemmlowp logistic, and the
// Q0.31 result is RoundingDivideByPOT(., 23) - 128 clamped to int8. Output quantization is
// scale 1/256, zero point -128 (TFLite Micro checks only the zero point; this kernel also
// refuses scales more than 1% from 1/256, since the output is produced in 1/256 steps).

import * as S from "../status";
import { tPtr, tCount, oOut, scale0, zpAt, opInput } from "../tflite/model";
import { frexp, frexpExp, roundHalfAway, multiplyByQuantizedMultiplier, roundingDivideByPOT } from "./fixedpoint";
import { logisticQ4, tanhQ4 } from "./gemmlowp";
import { getP, setP } from "./opdata";
import { unaryOperands, ewIn1, ewOut } from "./elementwise";

// Parameter slots written by sigmoidInputScaling (read by LOGISTIC and TANH eval).
/** Slot: element count. */
export const P_COUNT: i32 = 0;
/** Slot: input zero point. */
export const P_ZP: i32 = 1;
/** Slot: input_range_radius. */
export const P_RADIUS: i32 = 2;
/** Slot: input multiplier (Q31). */
export const P_MULT: i32 = 3;
/** Slot: input left shift. */
export const P_SHIFT: i32 = 4;

/** Integer bits of the rescaled input (Q4.27), as in TFLite. */
export const SIGMOID_INPUT_INTEGER_BITS: i32 = 4;

/**
 * Input scaling shared by LOGISTIC and TANH (int8): M, shift and input_range_radius =
 * floor(15 * 2^27 / 2^shift) for `o`'s input, written to its slots with the element count and
 * input zero point. Returns OK, or E_QUANT when shift is outside [0, 30] (input scale below
 * 2^-27 or above 8) or round(q * 2^31) reaches 2^31 (TFLite would overflow there).
 */
export function sigmoidInputScaling(o: i32): i32 {
  const q = frexp(<f64>scale0(ewIn1) * <f64>(1 << (31 - SIGMOID_INPUT_INTEGER_BITS)));
  const shift = frexpExp;
  if (shift < 0 || shift > 30) return S.E_QUANT;
  const m = roundHalfAway(q * 2147483648.0);
  if (m >= 2147483648.0) return S.E_QUANT;
  const maxRescaled = 15.0 * <f64>(1 << (31 - SIGMOID_INPUT_INTEGER_BITS)) / <f64>(<i64>1 << shift);
  setP(o, P_COUNT, unchecked(tCount[ewIn1]));
  setP(o, P_ZP, <i32>zpAt(ewIn1, 0));
  setP(o, P_RADIUS, <i32>floor(maxRescaled));
  setP(o, P_MULT, <i32>m);
  setP(o, P_SHIFT, shift);
  return S.OK;
}

/** True when `s` is within 1% of `want`. */
export function scaleNear(s: f32, want: f64): bool {
  return abs(<f64>s / want - 1.0) <= 0.01;
}

/**
 * LOGISTIC prepare: one int8 input, int8 output of the same shape, per-tensor quantized; output
 * zero point -128 and scale 1/256 (within 1%). Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE,
 * E_SHAPE or E_QUANT.
 */
export function logisticPrepare(o: i32): i32 {
  const st = unaryOperands(o);
  if (st != S.OK) return st;
  if (zpAt(ewOut, 0) != -128 || !scaleNear(scale0(ewOut), 1.0 / 256.0)) return S.E_QUANT;
  return sigmoidInputScaling(o);
}

/**
 * Eval shared by LOGISTIC (`isTanh` false: RoundingDivideByPOT(logistic, 23) - 128) and TANH
 * (RoundingDivideByPOT(tanh, 24)): saturation beyond the input radius, else the Q4.27 rescale
 * and the gemmlowp function, clamped to int8. Returns OK.
 */
export function sigmoidLikeEval(o: i32, isTanh: bool): i32 {
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
      const q4 = multiplyByQuantizedMultiplier(x, m, sh);
      r = isTanh ? roundingDivideByPOT(tanhQ4(q4), 24) : roundingDivideByPOT(logisticQ4(q4), 23) - 128;
      r = r < -128 ? -128 : r > 127 ? 127 : r;
    }
    store<i8>(dst + <usize>i, <i8>r);
  }
  return S.OK;
}

/** LOGISTIC eval: one fixed-point logistic per element. Returns OK. */
export function logisticEval(o: i32): i32 {
  return sigmoidLikeEval(o, false);
}
