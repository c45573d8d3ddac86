/**
 * SOFTMAX int8 -> int8 (TFLite reference_ops::Softmax, the gemmlowp fixed-point version with
 * kScaledDiffIntegerBits = 5 and kAccumulationIntegerBits = 12), over the last dimension.
 * Output quantization is fixed by TFLite: scale 1/256, zero point -128.
 */
import {
  calculateInputRadius, expOnNegativeValues, getReciprocal, multiplyByQuantizedMultiplierGreaterThanOne,
  preprocessSoftmaxScaling, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from '../fixedpoint.ts';
import { clamp, elementCount, input, opError, output, perTensor, type OpSite, type PreparedOp, type Values } from './common.ts';

/** Integer bits of the scaled input differences (Q5.26). */
export const SCALED_DIFF_INTEGER_BITS = 5;
/** Integer bits of the sum of exponentials (Q12.19). */
export const ACCUMULATION_INTEGER_BITS = 12;

/** Precomputed softmax parameters (TFLite SoftmaxParams). */
export interface SoftmaxParams {
  inputMultiplier: number;
  inputLeftShift: number;
  diffMin: number;
}

/**
 * Softmax parameters as TFLite's Prepare computes them, in f64 from the f32 beta and input scale.
 *
 * @throws RangeError when beta * inputScale * 2^26 <= 1 (TFLite CHECK-fails there too).
 */
export function softmaxParams(beta: number, inputScale: number): SoftmaxParams {
  const s = preprocessSoftmaxScaling(Math.fround(beta), Math.fround(inputScale), SCALED_DIFF_INTEGER_BITS);
  return { inputMultiplier: s.multiplier, inputLeftShift: s.leftShift, diffMin: -calculateInputRadius(SCALED_DIFF_INTEGER_BITS, s.leftShift) };
}

/** Softmax of one row of int8 values into `out` (int8, 1/256, -128). */
export function softmaxRow(x: Int8Array, from: number, depth: number, p: SoftmaxParams, out: Int8Array): void {
  let max = -128;
  for (let c = 0; c < depth; c++) max = Math.max(max, x[from + c]);
  const exps = new Int32Array(depth);
  let sum = 0;
  for (let c = 0; c < depth; c++) {
    const diff = x[from + c] - max;
    if (diff >= p.diffMin) {
      const scaled = multiplyByQuantizedMultiplierGreaterThanOne(diff, p.inputMultiplier, p.inputLeftShift);
      exps[c] = expOnNegativeValues(scaled, SCALED_DIFF_INTEGER_BITS);
      sum = (sum + roundingDivideByPOT(exps[c], ACCUMULATION_INTEGER_BITS)) | 0;
    }
  }
  const { reciprocal, numBitsOverUnit } = getReciprocal(sum, ACCUMULATION_INTEGER_BITS);
  for (let c = 0; c < depth; c++) {
    const diff = x[from + c] - max;
    if (diff >= p.diffMin) {
      const unsat = roundingDivideByPOT(saturatingRoundingDoublingHighMul(reciprocal, exps[c]), numBitsOverUnit + 31 - 8);
      out[from + c] = clamp(unsat - 128, -128, 127);
    } else {
      out[from + c] = -128;
    }
  }
}

/**
 * Validates a SOFTMAX op and precomputes its input scaling.
 *
 * @throws InputError (code `E_MODEL`) when input/output are not int8 per-tensor, shapes differ in
 *   size, the output is not scale 1/256 (within 1e-6) and zero point -128, or beta * input scale is
 *   too small for TFLite's fixed-point scaling.
 */
export function prepareSoftmax(site: OpSite): PreparedOp {
  const x = input(site, 0, 'int8');
  const y = output(site, 'int8');
  const n = elementCount(x.shape);
  if (n !== elementCount(y.shape) || x.shape.length === 0) opError(site, `input [${x.shape}] and output [${y.shape}] differ`);
  const xq = perTensor(site, x);
  const yq = perTensor(site, y);
  if (yq.zeroPoint !== -128 || Math.abs(yq.scale - 1 / 256) > 1e-6) {
    opError(site, `output ${y.name} must have scale 1/256 and zero point -128 (has ${yq.scale}, ${yq.zeroPoint})`);
  }
  const beta = site.op.options.beta ?? 1;
  let p: SoftmaxParams;
  try {
    p = softmaxParams(beta, xq.scale);
  } catch {
    opError(site, `beta ${beta} x input scale ${xq.scale} is too small`);
  }
  const depth = x.shape[x.shape.length - 1];
  const [xi, yi] = [site.op.inputs[0], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      const xs = values[xi] as Int8Array;
      const out = new Int8Array(n);
      for (let r = 0; r < n; r += depth) softmaxRow(xs, r, depth, p, out);
      values[yi] = out;
    },
  };
}
