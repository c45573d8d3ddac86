/**
 * SUM and MEAN int8 over constant axes (TFLite Micro reduce_common.cc, reference reduce.h:
 * reference_ops::Mean and QuantizedMeanOrSum). sum = int32 sum of the raw int8 values, n = count.
 * MEAN (TFLite 2.21's reference kernel, measured bit-exact against BUILTIN_REF; TFLite Micro the
 * same): (M, s) = QuantizeMultiplier(inScale / outScale), k = min(floor(log2 n), 32, 31 + s),
 * M' = floor(M * 2^k / n), s' = s - k; clamp(MBQM(sum - inZp * n, M', s') + outZp). SUM, in f32: roundf(f32(sum) * scale + bias * n) + outZp, saturated to
 * int8 (TFLite Micro wraps on overflow; identical whenever the result fits).
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway } from '../fixedpoint.ts';
import { clamp, elementCount, input, opError, output, perTensor, type OpSite, type PreparedOp, type Values } from './common.ts';

const f = Math.fround;

function prepareReduce(site: OpSite, isSum: boolean): PreparedOp {
  if (site.op.inputs.length !== 2) opError(site, `has ${site.op.inputs.length} inputs, want 2 (input, axes)`);
  const x = input(site, 0, 'int8');
  const axes = input(site, 1, 'int32');
  const y = output(site, 'int8');
  if (!axes.data) opError(site, `axes ${axes.name} must be a constant`);
  if (axes.shape.length > 1) opError(site, `axes ${axes.name} must be a scalar or 1-D`);
  const r = x.shape.length;
  if (r > 4) opError(site, `input rank ${r} > 4`);
  const reduced = new Set<number>();
  for (const a of axes.data as Int32Array) {
    if (a < -r || a >= r) opError(site, `axis ${a} is outside [-${r}, ${r})`);
    reduced.add(a < 0 ? a + r : a);
  }
  const keep = site.op.options.keepDims ?? false;
  const want = x.shape.flatMap((d, i) => (reduced.has(i) ? (keep ? [1] : []) : [d]));
  if (want.length !== y.shape.length || want.some((d, i) => d !== y.shape[i])) opError(site, `output ${y.name} [${y.shape}] should be [${want}]`);
  const xq = perTensor(site, x);
  const yq = perTensor(site, y);
  const dims = [...Array(4 - r).fill(1), ...x.shape];
  const red = [...Array(4 - r).fill(false), ...x.shape.map((_, i) => reduced.has(i))];
  const n = dims.reduce((a, d, i) => (red[i] ? a * d : a), 1);
  const scale = f(xq.scale / yq.scale);
  const bias = f(f(-xq.zeroPoint * scale) * n);
  if (!Number.isFinite(scale) || !Number.isFinite(bias)) opError(site, 'input/output scale ratio is not finite');
  const mean = isSum ? undefined : meanMultiplier(site, xq.scale / yq.scale, n);
  const zin = xq.zeroPoint * n;
  const finish = (sum: number): number => {
    if (mean) return clamp(multiplyByQuantizedMultiplier(sum - zin, mean.multiplier, mean.shift) + yq.zeroPoint, -128, 127);
    return clamp(clamp(roundHalfAway(f(f(f(sum) * scale) + bias)), -1024, 1024) + yq.zeroPoint, -128, 127);
  };
  const e = dims.map((d, i) => (red[i] ? 1 : d));
  const rr = dims.map((d, i) => (red[i] ? d : 1));
  const [xi, yi] = [site.op.inputs[0], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      const src = values[xi] as Int8Array;
      const out = new Int8Array(elementCount(y.shape));
      let w = 0;
      for (let a = 0; a < e[0]; a++) for (let b = 0; b < e[1]; b++) for (let c = 0; c < e[2]; c++) for (let d = 0; d < e[3]; d++) {
        let sum = 0;
        for (let i = 0; i < rr[0]; i++) for (let j = 0; j < rr[1]; j++) for (let k = 0; k < rr[2]; k++) {
          const row = (((a + i) * dims[1] + (b + j)) * dims[2] + (c + k)) * dims[3] + d;
          for (let l = 0; l < rr[3]; l++) sum = (sum + src[row + l]) | 0;
        }
        out[w++] = finish(sum);
      }
      values[yi] = out;
    },
  };
}

/** MEAN's requantization inScale / (outScale * n) as TFLite folds it (see the header). */
function meanMultiplier(site: OpSite, real: number, n: number): { multiplier: number; shift: number } {
  if (!(real > 0) || !Number.isFinite(real)) opError(site, 'input/output scale ratio is not finite');
  const q = quantizeMultiplier(real);
  if (q.shift > 30) opError(site, 'input/output scale ratio is too large');
  const k = Math.min(31 - Math.clz32(n), 32, 31 + q.shift);
  return { multiplier: Number((BigInt(q.multiplier) << BigInt(k)) / BigInt(n)), shift: q.shift - k };
}

/**
 * Validates a SUM op (int8 input of rank <= 4 and output, constant int32 axes, output shape per
 * keep_dims) and precomputes its f32 scale and bias.
 *
 * @throws InputError (code `E_MODEL`) naming the problem.
 */
export function prepareSum(site: OpSite): PreparedOp {
  return prepareReduce(site, true);
}

/** Validates a MEAN op (as {@link prepareSum}); @throws InputError (code `E_MODEL`). */
export function prepareMean(site: OpSite): PreparedOp {
  return prepareReduce(site, false);
}
