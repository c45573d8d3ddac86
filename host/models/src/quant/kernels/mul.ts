/**
 * MUL int8 -> int8 (TFLite reference_integer_ops::Mul / BroadcastMul4DSlow, prepared as TFLite
 * Micro's mul_common.cc): out = zp_out + MultiplyByQuantizedMultiplier((x1 - zp1) * (x2 - zp2), M,
 * shift) with M * 2^shift = f64(in1_scale) * f64(in2_scale) / f64(out_scale), clamped to the fused
 * activation. Broadcasting: see elementwise.ts.
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier, type QuantizedMultiplier } from '../fixedpoint.ts';
import { activationRange, clamp, opError, type OpSite, type PreparedOp, type Values } from './common.ts';
import { binaryOperands, broadcastApply, broadcastPlan } from './elementwise.ts';

/**
 * Validates a MUL op and precomputes its multiplier.
 *
 * @throws InputError (code `E_MODEL`) when the op does not have two int8 per-tensor inputs and an
 *   int8 per-tensor output, the shapes do not broadcast (rank <= 4) to the output's, or the
 *   multiplier is too large for QuantizeMultiplier.
 */
export function prepareMul(site: OpSite): PreparedOp {
  const { x1, x2, y, q1, q2, qy } = binaryOperands(site);
  const plan = broadcastPlan(site, x1, x2, y);
  let m: QuantizedMultiplier;
  try {
    m = quantizeMultiplier((q1.scale * q2.scale) / qy.scale);
    if (m.shift > 30) throw new RangeError('multiplier too large');
  } catch {
    opError(site, `multiplier ${q1.scale} x ${q2.scale} / ${qy.scale} is out of range`);
  }
  const [actMin, actMax] = activationRange(site.op.options.activation ?? 'NONE', qy.scale, qy.zeroPoint);
  const [z1, z2, zo] = [q1.zeroPoint, q2.zeroPoint, qy.zeroPoint];
  const f = (a: number, b: number) => clamp(zo + multiplyByQuantizedMultiplier((a - z1) * (b - z2), m.multiplier, m.shift), actMin, actMax);
  const [i1, i2, yi] = [site.op.inputs[0], site.op.inputs[1], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      values[yi] = broadcastApply(plan, values[i1] as Int8Array, values[i2] as Int8Array, f);
    },
  };
}
