/**
 * FULLY_CONNECTED int8 (TFLite reference_integer_ops::FullyConnected and FullyConnectedPerChannel):
 * acc = sum_d (w[o,d] + wOffset) * (x[b,d] - inZp) + bias[o]; out = clamp(MBQM1(acc, M[o], S[o]) +
 * outZp, actMin, actMax), MBQM1 = single-rounding requantization as in TFLite 2.21's reference
 * kernel (BUILTIN_REF). Per-channel when the weights carry more than one scale.
 */
import type { QTensor } from '@dendra/core/tflite/ir.ts';
import { multiplyByQuantizedMultiplierSingle, quantizeMultiplier } from '../fixedpoint.ts';
import {
  activationRange, clamp, elementCount, input, opError, optionalInput, output, perTensor, type OpSite, type PreparedOp, type Values,
} from './common.ts';

/** Requantization of one output channel. */
interface ChannelScale {
  multiplier: number;
  shift: number;
}

/**
 * Output multipliers as TFLite computes them: per-channel (PopulateConvolutionQuantizationParams)
 * real = f64(inScale) * f64(wScale[c]) / f64(outScale); per-tensor (GetQuantizedConvolutionMultipler)
 * real = f64(f32(inScale * wScale)) / f64(outScale): the product is rounded to f32 first.
 * All scales are taken as f32 (as stored in the .tflite).
 *
 * @throws RangeError when a resulting multiplier is negative or not finite.
 */
export function fcMultipliers(inScale: number, wScales: readonly number[], outScale: number, outC: number): ChannelScale[] {
  if (wScales.length > 1) {
    return wScales.map((ws) => {
      const q = quantizeMultiplier((Math.fround(inScale) * Math.fround(ws)) / Math.fround(outScale));
      return { multiplier: q.multiplier, shift: q.shift };
    });
  }
  const q = quantizeMultiplier(Math.fround(Math.fround(inScale) * Math.fround(wScales[0])) / Math.fround(outScale));
  return Array.from({ length: outC }, () => ({ multiplier: q.multiplier, shift: q.shift }));
}

function checkWeights(site: OpSite, w: QTensor, outC: number): { offset: number } {
  if (!w.data) opError(site, `weights ${w.name} must be a constant`);
  const q = w.quant ?? opError(site, `weights ${w.name} have no quantization`);
  if (q.scale.length > 1) {
    if (q.axis !== 0 || q.scale.length !== outC) opError(site, `weights ${w.name}: ${q.scale.length} scales on axis ${q.axis}, want ${outC} on axis 0`);
    if (q.zeroPoint.some((z) => z !== 0)) opError(site, `per-channel weights ${w.name} must have zero points 0`);
    return { offset: 0 };
  }
  return { offset: -q.zeroPoint[0] };
}

/**
 * Validates a FULLY_CONNECTED op and precomputes its multipliers.
 *
 * @throws InputError (code `E_MODEL`) when a tensor is missing or of the wrong type, the weights are
 *   not a rank-2 constant [outC, inC], the bias is not int32 [outC], the input size is not a
 *   multiple of inC, the output size is not batches * outC, or quantization is missing/inconsistent.
 */
export function prepareFullyConnected(site: OpSite): PreparedOp {
  const x = input(site, 0, 'int8');
  const w = input(site, 1, 'int8');
  const bias = optionalInput(site, 2);
  const y = output(site, 'int8');
  if (w.shape.length !== 2) opError(site, `weights ${w.name} have shape [${w.shape}], want [outC, inC]`);
  const [outC, inC] = w.shape;
  const { offset: wOffset } = checkWeights(site, w, outC);
  if (bias && (bias.type !== 'int32' || !bias.data || bias.data.length !== outC)) opError(site, `bias ${bias.name} must be a constant int32 [${outC}]`);
  const n = elementCount(x.shape);
  if (inC === 0 || n % inC !== 0) opError(site, `input ${x.name} [${x.shape}] is not a multiple of ${inC} values`);
  const batches = n / inC;
  if (elementCount(y.shape) !== batches * outC) opError(site, `output ${y.name} [${y.shape}] should hold ${batches} x ${outC} values`);
  const xq = perTensor(site, x);
  const yq = perTensor(site, y);
  const scales = fcMultipliers(xq.scale, w.quant!.scale, yq.scale, outC);
  const [actMin, actMax] = activationRange(site.op.options.activation ?? 'NONE', yq.scale, yq.zeroPoint);
  const wData = w.data as Int8Array;
  const bData = bias ? (bias.data as Int32Array) : null;
  const [xi, yi] = [site.op.inputs[0], site.op.outputs[0]];
  const inOffset = -xq.zeroPoint;
  return {
    eval(values: Values): void {
      const xs = values[xi] as Int8Array;
      const out = new Int8Array(batches * outC);
      for (let b = 0; b < batches; b++) {
        for (let o = 0; o < outC; o++) {
          let acc = 0;
          for (let d = 0, wo = o * inC, xo = b * inC; d < inC; d++) acc += (wData[wo + d] + wOffset) * (xs[xo + d] + inOffset);
          if (bData) acc += bData[o];
          const s = scales[o];
          const v = multiplyByQuantizedMultiplierSingle(acc | 0, s.multiplier, s.shift) + yq.zeroPoint;
          out[b * outC + o] = clamp(v, actMin, actMax);
        }
      }
      values[yi] = out;
    },
  };
}
