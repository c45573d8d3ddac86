/**
 * LOGISTIC int8 -> int8, TFLite Micro's integer reference (reference_integer_ops::Logistic with
 * logistic_common.cc's scaling; deterministic fixed point, no float LUT): x - zp beyond
 * +-input_range_radius saturates to 127 / -128; otherwise it is rescaled to Q4.27 by
 * MultiplyByQuantizedMultiplier(x, M, shift) (M * 2^shift = in_scale * 2^27 via frexp), passed
 * through gemmlowp logistic, and RoundingDivideByPOT(., 23) - 128 is clamped to int8. Output zero
 * point -128 and scale 1/256 (within 1%; TFLite Micro checks only the zero point).
 */
import {
  INT32_MAX, calculateInputRadius, expOnNegativeValues, frexp, multiplyByQuantizedMultiplier,
  oneOverOnePlusXForXIn01, roundHalfAway, roundingDivideByPOT,
} from '../fixedpoint.ts';
import { clamp, opError, type OpSite, type PreparedOp, type Values } from './common.ts';
import { unaryOperands } from './elementwise.ts';

/** Integer bits of the rescaled input (Q4.27), as in TFLite. */
export const SIGMOID_INPUT_INTEGER_BITS = 4;

/** Input scaling of LOGISTIC and TANH (int8). */
export interface SigmoidScaling {
  zeroPoint: number;
  multiplier: number;
  shift: number;
  radius: number;
}

/**
 * TFLite's int8 LOGISTIC/TANH input scaling for an f32 input scale: frexp(scale * 2^27) = q * 2^shift,
 * multiplier round(q * 2^31), radius CalculateInputRadius(4, shift).
 *
 * @throws RangeError when shift is outside [0, 30] or the multiplier rounds to 2^31.
 */
export function sigmoidScaling(scale: number, zeroPoint: number): SigmoidScaling {
  const [q, shift] = frexp(scale * 2 ** (31 - SIGMOID_INPUT_INTEGER_BITS));
  const multiplier = roundHalfAway(q * 2 ** 31);
  if (shift < 0 || shift > 30 || multiplier >= 2 ** 31) throw new RangeError(`input scale ${scale} is out of range`);
  return { zeroPoint, multiplier, shift, radius: calculateInputRadius(SIGMOID_INPUT_INTEGER_BITS, shift) };
}

/** gemmlowp logistic of a Q4.27 raw value, as a Q0.31 raw value. */
export function logisticQ4(a: number): number {
  if (a === 0) return 1 << 30;
  const pos = oneOverOnePlusXForXIn01(expOnNegativeValues(-Math.abs(a), SIGMOID_INPUT_INTEGER_BITS));
  return a > 0 ? pos : (INT32_MAX - pos) | 0;
}

/** True when `s` is within 1% of `want`. */
export function scaleNear(s: number, want: number): boolean {
  return Math.abs(s / want - 1) <= 0.01;
}

/** Maps int8 values through a saturating fixed-point function of the rescaled input. */
export function sigmoidLike(x: Int8Array, s: SigmoidScaling, f: (q4: number) => number): Int8Array {
  return Int8Array.from(x, (v) => {
    const d = v - s.zeroPoint;
    if (d <= -s.radius) return -128;
    if (d >= s.radius) return 127;
    return f(multiplyByQuantizedMultiplier(d, s.multiplier, s.shift));
  });
}

/**
 * Prepare shared by LOGISTIC and TANH: int8 operands, the fixed output quantization (`scale`
 * within 1%, `zeroPoint` exact), the input scaling, and an eval mapping every element through `f`
 * (applied to the rescaled Q4.27 input).
 *
 * @throws InputError (code `E_MODEL`) when input/output are not int8 per-tensor of the same shape,
 *   the output quantization is not the fixed one, or the input scale is out of range.
 */
export function prepareSigmoidLike(site: OpSite, scale: number, zeroPoint: number, f: (q4: number) => number): PreparedOp {
  const { qx, qy } = unaryOperands(site);
  if (qy.zeroPoint !== zeroPoint || !scaleNear(qy.scale, scale)) opError(site, `output must have scale 1/${1 / scale} and zero point ${zeroPoint} (has ${qy.scale}, ${qy.zeroPoint})`);
  let s: SigmoidScaling;
  try {
    s = sigmoidScaling(qx.scale, qx.zeroPoint);
  } catch {
    opError(site, `input scale ${qx.scale} is out of range`);
  }
  const [xi, yi] = [site.op.inputs[0], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      values[yi] = sigmoidLike(values[xi] as Int8Array, s, f);
    },
  };
}

/**
 * Validates a LOGISTIC op.
 *
 * @throws InputError (code `E_MODEL`) when input/output are not int8 per-tensor of the same shape,
 *   the output is not zero point -128 and scale 1/256 (within 1%), or the input scale is out of range.
 */
export function prepareLogistic(site: OpSite): PreparedOp {
  return prepareSigmoidLike(site, 1 / 256, -128, (q4) => clamp(roundingDivideByPOT(logisticQ4(q4), 23) - 128, -128, 127));
}
