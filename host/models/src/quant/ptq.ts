/**
 * Int8 post-training quantization primitives with TFLite's conventions: activations asymmetric
 * per-tensor from observed ranges (0 always representable), weights symmetric int8 (per-channel on
 * axis 0 or per-tensor), biases int32 with scale in_scale * w_scale and zero point 0.
 * Every scale is rounded to f32 before it is used, since the .tflite stores f32 scales.
 */
import type { QParams } from '@dendra/core/tflite/ir.ts';
import { roundHalfAway } from './fixedpoint.ts';


/** Running min/max of one tensor over the calibration set. */
export class RangeObserver {
  min = Infinity;
  max = -Infinity;

  /** Widens the range by every value of `values`. */
  observe(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
  }
}

/**
 * Asymmetric per-tensor int8 parameters for the range [min, max] widened to include 0:
 * scale = (hi - lo) / 255, zero point = roundHalfAway(-128 - lo / scale) clamped to [-128, 127].
 *
 * @throws Error when min or max is not finite (nothing was observed).
 */
export function activationParams(min: number, max: number): QParams {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`ptq: no calibration range (min ${min}, max ${max})`);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1 / 255);
  const zp = Math.max(-128, Math.min(127, roundHalfAway(-128 - lo / scale)));
  return { scale: [scale], zeroPoint: [zp], axis: 0 };
}

/** Quantized weights: int8 values and their symmetric parameters. */
export interface QuantizedWeights {
  data: Int8Array;
  quant: QParams;
}

/** Symmetric scale for a max-abs value (f32); a zero row gets scale 1 so it stays exactly 0. */
function symmetricScale(maxAbs: number): number {
  return Math.fround(maxAbs > 0 ? maxAbs / 127 : 1);
}

/**
 * Symmetric int8 weights, per-channel on axis 0 of a row-major [channels, ...] array:
 * scale[c] = max|w[c]| / 127, q = clamp(roundHalfAway(w / scale[c]), -127, 127), zero point 0.
 *
 * @throws Error when `data.length` is not a multiple of `channels`.
 */
export function quantizeWeightsPerChannel(data: ArrayLike<number>, channels: number): QuantizedWeights {
  if (channels <= 0 || data.length % channels !== 0) throw new Error(`ptq: ${data.length} weights do not split into ${channels} channels`);
  const per = data.length / channels;
  const out = new Int8Array(data.length);
  const scale: number[] = [];
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(data[c * per + i]));
    const s = symmetricScale(m);
    scale.push(s);
    for (let i = 0; i < per; i++) out[c * per + i] = Math.max(-127, Math.min(127, roundHalfAway(data[c * per + i] / s)));
  }
  return { data: out, quant: { scale, zeroPoint: new Array(channels).fill(0), axis: 0 } };
}

/** Symmetric per-tensor int8 (one scale = max|w| / 127, zero point 0). */
export function quantizeWeightsPerTensor(data: ArrayLike<number>): QuantizedWeights {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  const s = symmetricScale(m);
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.max(-127, Math.min(127, roundHalfAway(data[i] / s)));
  return { data: out, quant: { scale: [s], zeroPoint: [0], axis: 0 } };
}

/** Quantized bias. */
export interface QuantizedBias {
  data: Int32Array;
  quant: QParams;
}

/**
 * Int32 bias for an op whose input has scale `inScale` and whose weights have `wScales` (one per
 * output channel, or one for all): scale[c] = inScale * wScale[c] (f32), q = roundHalfAway(b / scale).
 * Per-tensor weights give a per-tensor bias (one scale).
 *
 * @throws Error when a quantized bias does not fit in int32 (a degenerate calibration).
 */
export function quantizeBias(bias: ArrayLike<number>, inScale: number, wScales: readonly number[]): QuantizedBias {
  const scale = Array.from({ length: bias.length }, (_, c) => Math.fround(inScale * wScales[wScales.length === 1 ? 0 : c]));
  const data = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const q = roundHalfAway(bias[c] / scale[c]);
    if (q > 2147483647 || q < -2147483648) throw new Error(`ptq: bias ${c} (${bias[c]}) overflows int32 at scale ${scale[c]}`);
    data[c] = q;
  }
  const perTensor = wScales.length === 1;
  return { data, quant: { scale: perTensor ? [scale[0]] : scale, zeroPoint: new Array(perTensor ? 1 : bias.length).fill(0), axis: 0 } };
}

/** Dequantizes int8 values with per-tensor parameters. */
export function dequantize(q: ArrayLike<number>, p: QParams): Float64Array {
  const out = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i] - p.zeroPoint[0]) * p.scale[0];
  return out;
}
