/**
 * RELU and RELU6 int8 -> int8 with requantization (TFLite reference_ops::ReluX, TFLite Micro
 * ReluQuantized): out = zp_out + MultiplyByQuantizedMultiplier(x - zp_in, M, shift) with
 * M * 2^shift = f64(in_scale) / f64(out_scale), clamped to the RELU / RELU6 range of the output
 * quantization. TFLite Micro's RELU6 clamps in the input quantization without rescaling; with equal
 * input and output quantization (its tests) the rescale is exact (M = 2^30, shift 1) and both agree.
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier, type QuantizedMultiplier } from '../fixedpoint.ts';
import { activationRange, clamp, opError, type OpSite, type PreparedOp, type Values } from './common.ts';
import { unaryOperands } from './elementwise.ts';

function prepareReluX(site: OpSite, act: 'RELU' | 'RELU6'): PreparedOp {
  const { qx, qy } = unaryOperands(site);
  let m: QuantizedMultiplier;
  try {
    m = quantizeMultiplier(qx.scale / qy.scale);
    if (m.shift > 30) throw new RangeError('multiplier too large');
  } catch {
    opError(site, `input scale ${qx.scale} / output scale ${qy.scale} is out of range`);
  }
  const [lo, hi] = activationRange(act, qy.scale, qy.zeroPoint);
  const [xi, yi] = [site.op.inputs[0], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      const x = values[xi] as Int8Array;
      values[yi] = Int8Array.from(x, (v) => clamp(qy.zeroPoint + multiplyByQuantizedMultiplier(v - qx.zeroPoint, m.multiplier, m.shift), lo, hi));
    },
  };
}

/**
 * Validates a RELU op.
 *
 * @throws InputError (code `E_MODEL`) when input/output are not int8 per-tensor of the same shape, or
 *   in_scale / out_scale is too large for QuantizeMultiplier.
 */
export function prepareRelu(site: OpSite): PreparedOp {
  return prepareReluX(site, 'RELU');
}

/** Validates a RELU6 op (errors as {@link prepareRelu}). */
export function prepareRelu6(site: OpSite): PreparedOp {
  return prepareReluX(site, 'RELU6');
}
