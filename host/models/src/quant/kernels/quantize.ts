/**
 * QUANTIZE and DEQUANTIZE (TFLite Micro quantize_common.cc / dequantize_common.cc):
 * f32 -> int8 q = clamp(roundf(f32(x / scale)) + zp) (NaN -> zp, +-inf saturate);
 * int8 -> int8 q = clamp(MBQM(x - inZp, M, s) + outZp) with M * 2^s = f64(inScale) / f64(outScale);
 * int8 -> f32 y = f32(scale * (x - zp)).
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway } from '../fixedpoint.ts';
import { clamp, elementCount, opError, output, perTensor, type OpSite, type PreparedOp, type Values } from './common.ts';

const f = Math.fround;

function single(site: OpSite) {
  if (site.op.inputs.length !== 1) opError(site, `has ${site.op.inputs.length} inputs, want 1`);
  const x = site.model.tensors[site.op.inputs[0]] ?? opError(site, 'input 0 is missing');
  return { x, xi: site.op.inputs[0], yi: site.op.outputs[0] };
}

/** f32 -> int8 of one value (TFLite AffineQuantize; NaN gives the zero point). */
export function quantizeF32(v: number, scale: number, zp: number): number {
  let r = roundHalfAway(f(f(v) / f(scale)));
  if (Number.isNaN(r)) r = 0;
  return clamp(clamp(r, -1024, 1024) + zp, -128, 127);
}

/**
 * Validates a QUANTIZE op (float32 or int8 input, int8 per-tensor output, same element count).
 *
 * @throws InputError (code `E_MODEL`) on other types, counts or quantization.
 */
export function prepareQuantize(site: OpSite): PreparedOp {
  const { x, xi, yi } = single(site);
  const y = output(site, 'int8');
  const yq = perTensor(site, y);
  const n = elementCount(y.shape);
  if (elementCount(x.shape) !== n) opError(site, `input [${x.shape}] and output [${y.shape}] differ in size`);
  if (x.type === 'float32') {
    return {
      eval(values: Values): void {
        const src = values[xi] as Float32Array;
        values[yi] = Int8Array.from(src, (v) => quantizeF32(v, yq.scale, yq.zeroPoint));
      },
    };
  }
  if (x.type !== 'int8') opError(site, `input ${x.name} is ${x.type}, want float32 or int8`);
  const xq = perTensor(site, x);
  const m = quantizeMultiplier(xq.scale / yq.scale);
  return {
    eval(values: Values): void {
      const src = values[xi] as Int8Array;
      values[yi] = Int8Array.from(src, (v) => clamp(multiplyByQuantizedMultiplier(v - xq.zeroPoint, m.multiplier, m.shift) + yq.zeroPoint, -128, 127));
    },
  };
}

/**
 * Validates a DEQUANTIZE op (int8 per-tensor input, float32 output, same element count).
 *
 * @throws InputError (code `E_MODEL`) on other types, counts or quantization.
 */
export function prepareDequantize(site: OpSite): PreparedOp {
  const { x, xi, yi } = single(site);
  if (x.type !== 'int8') opError(site, `input ${x.name} is ${x.type}, want int8`);
  const y = output(site, 'float32');
  if (elementCount(x.shape) !== elementCount(y.shape)) opError(site, `input [${x.shape}] and output [${y.shape}] differ in size`);
  const xq = perTensor(site, x);
  return {
    eval(values: Values): void {
      const src = values[xi] as Int8Array;
      values[yi] = Float32Array.from(src, (v) => f(xq.scale * (v - xq.zeroPoint)));
    },
  };
}
