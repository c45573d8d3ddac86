/**
 * SUM and MEAN int8 over constant axes (TFLite Micro reduce_common.cc, reference reduce.h:
 * reference_ops::Mean and QuantizedMeanOrSum). sum = int32 sum of the raw int8 values, n = count.
 * MEAN with equal input/output quantization: trunc(sum / n). MEAN otherwise, in f32:
 * clamp(roundf(f32(sum) / f32(n) * scale + bias) + outZp) with scale = inScale / outScale and
 * bias = -inZp * scale. SUM, in f32: roundf(f32(sum) * scale + bias * n) + outZp, saturated to
 * int8 (TFLite Micro wraps on overflow; identical whenever the result fits).
 */
import { roundHalfAway } from '../fixedpoint.ts';
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
  const bias = isSum ? f(f(-xq.zeroPoint * scale) * n) : f(-xq.zeroPoint * scale);
  if (!Number.isFinite(scale) || !Number.isFinite(bias)) opError(site, 'input/output scale ratio is not finite');
  const intMean = !isSum && xq.zeroPoint === yq.zeroPoint && xq.scale === yq.scale;
  const finish = (sum: number): number => {
    if (intMean) return Math.trunc(sum / n);
    let v: number;
    if (!isSum) {
      v = roundHalfAway(f(f(f(f(sum) / n) * scale) + bias)) + yq.zeroPoint;
    } else {
      v = clamp(roundHalfAway(f(f(f(sum) * scale) + bias)), -1024, 1024) + yq.zeroPoint;
    }
    return clamp(v, -128, 127);
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
