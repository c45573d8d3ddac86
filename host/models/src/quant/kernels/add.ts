/**
 * ADD and SUB int8 -> int8 (TFLite reference_integer_ops::Add / BroadcastAdd4DSlow and the int8
 * path of reference_ops::Sub, prepared as TFLite Micro's add_common.cc / sub_common.cc do it):
 * each input minus its zero point is shifted left by 20 and scaled by
 * MultiplyByQuantizedMultiplierSmallerThanOneExp with scale_i / (2 * max(scale1, scale2)); the sum
 * (difference) is scaled by 2 * max_scale / (2^20 * out_scale), offset by the output zero point and
 * clamped to the fused activation. ADD computes the real multipliers in f64, SUB in f32.
 * Broadcasting: see elementwise.ts.
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier, type QuantizedMultiplier } from '../fixedpoint.ts';
import { activationRange, clamp, opError, type OpSite, type PreparedOp, type Values } from './common.ts';
import { binaryOperands, broadcastApply, broadcastPlan } from './elementwise.ts';

/** Left shift of the offset inputs (TFLite: 20 for int8). */
export const ADD_LEFT_SHIFT = 20;

/** Precomputed ADD/SUB parameters (TFLite ArithmeticParams, int8 fields). */
export interface AddParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  input1: QuantizedMultiplier;
  input2: QuantizedMultiplier;
  output: QuantizedMultiplier;
  actMin: number;
  actMax: number;
}

/**
 * QuantizeMultiplierSmallerThanOneExp: {@link quantizeMultiplier} with shift <= 0.
 *
 * @throws RangeError when the multiplier quantizes to 1 or more (TFLite CHECK-fails).
 */
export function quantizeMultiplierSmallerThanOneExp(real: number): QuantizedMultiplier {
  const q = quantizeMultiplier(real);
  if (q.shift > 0) throw new RangeError(`multiplier ${real} is not below 1`);
  return q;
}

/**
 * The three multipliers of ADD (`sub` false: f64 arithmetic, add_common.cc) or SUB (`sub` true:
 * f32 arithmetic widened to f64, sub_common.cc) for f32 scales s1, s2 and output scale so.
 *
 * @throws RangeError when a multiplier does not quantize below 1.
 */
export function addMultipliers(s1: number, s2: number, so: number, sub: boolean): [QuantizedMultiplier, QuantizedMultiplier, QuantizedMultiplier] {
  const f = Math.fround;
  let m: [number, number, number];
  if (sub) {
    const twiceMax = f(2 * Math.max(s1, s2));
    m = [f(s1 / twiceMax), f(s2 / twiceMax), f(twiceMax / f(2 ** ADD_LEFT_SHIFT * so))];
  } else {
    const twiceMax = 2 * Math.max(s1, s2);
    m = [s1 / twiceMax, s2 / twiceMax, twiceMax / (2 ** ADD_LEFT_SHIFT * so)];
  }
  return [quantizeMultiplierSmallerThanOneExp(m[0]), quantizeMultiplierSmallerThanOneExp(m[1]), quantizeMultiplierSmallerThanOneExp(m[2])];
}

/** One ADD (or SUB, `sub` true) output value from two int8 inputs. */
export function addValue(p: AddParams, a: number, b: number, sub: boolean): number {
  const s1 = multiplyByQuantizedMultiplier((a + p.input1Offset) * 2 ** ADD_LEFT_SHIFT, p.input1.multiplier, p.input1.shift);
  const s2 = multiplyByQuantizedMultiplier((b + p.input2Offset) * 2 ** ADD_LEFT_SHIFT, p.input2.multiplier, p.input2.shift);
  const raw = sub ? (s1 - s2) | 0 : (s1 + s2) | 0;
  return clamp(multiplyByQuantizedMultiplier(raw, p.output.multiplier, p.output.shift) + p.outputOffset, p.actMin, p.actMax);
}

/**
 * Validates an ADD (or SUB) op and precomputes its parameters.
 *
 * @throws InputError (code `E_MODEL`) when the op does not have two int8 per-tensor inputs and an
 *   int8 per-tensor output, the shapes do not broadcast (rank <= 4) to the output's, or the output
 *   multiplier 2 * max_scale / (2^20 * out_scale) is not below 1.
 */
export function prepareAddSub(site: OpSite, sub: boolean): PreparedOp {
  const { x1, x2, y, q1, q2, qy } = binaryOperands(site);
  const plan = broadcastPlan(site, x1, x2, y);
  let mults: [QuantizedMultiplier, QuantizedMultiplier, QuantizedMultiplier];
  try {
    mults = addMultipliers(q1.scale, q2.scale, qy.scale, sub);
  } catch {
    opError(site, `input scales ${q1.scale}, ${q2.scale} are too large for output scale ${qy.scale}`);
  }
  const [actMin, actMax] = activationRange(site.op.options.activation ?? 'NONE', qy.scale, qy.zeroPoint);
  const p: AddParams = {
    input1Offset: -q1.zeroPoint, input2Offset: -q2.zeroPoint, outputOffset: qy.zeroPoint,
    input1: mults[0], input2: mults[1], output: mults[2], actMin, actMax,
  };
  const [i1, i2, yi] = [site.op.inputs[0], site.op.inputs[1], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      values[yi] = broadcastApply(plan, values[i1] as Int8Array, values[i2] as Int8Array, (a, b) => addValue(p, a, b, sub));
    },
  };
}

/** Validates an ADD op (see {@link prepareAddSub} for the errors it throws). */
export function prepareAdd(site: OpSite): PreparedOp {
  return prepareAddSub(site, false);
}
