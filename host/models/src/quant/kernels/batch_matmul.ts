/**
 * BATCH_MATMUL int8 (TFLite reference_ops::BatchMatMul as called by kernels/batch_matmul.cc):
 * out[.., i, j] = clamp(MBQM(sum_k (lhs[.., i, k] - lhsZp) * (rhs[.., k, j] - rhsZp), M, S) + outZp,
 * -128, 127), batch dims broadcast, adj_x / adj_y transpose the last two dims of lhs / rhs.
 * Multiplier as GetQuantizedConvolutionMultipler: f64(f32(lhsScale * rhsScale)) / f64(outScale).
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../fixedpoint.ts';
import { clamp, elementCount, input, opError, output, perTensor, type OpSite, type PreparedOp, type Values } from './common.ts';

/** Broadcast batch shape of two batch shapes (numpy rules), or null when incompatible. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(Math.max(da, db));
  }
  return out;
}

/** Flat batch offsets (in matrices) of a broadcast operand for each output batch index. */
function batchIndex(batch: readonly number[], own: readonly number[]): number[] {
  const total = elementCount(batch);
  const padded = [...Array(batch.length - own.length).fill(1), ...own];
  const out: number[] = [];
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let idx = 0;
    let stride = 1;
    for (let d = batch.length - 1; d >= 0; d--) {
      const coord = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      idx += (padded[d] === 1 ? 0 : coord) * stride;
      stride *= padded[d];
    }
    out.push(idx);
  }
  return out;
}

/**
 * Validates a BATCH_MATMUL op (rank >= 2 operands, per-tensor quantization) and precomputes its
 * multiplier and broadcast plan.
 *
 * @throws InputError (code `E_MODEL`) when an operand is missing, not int8, has rank < 2, inner
 *   dims differ, batch dims do not broadcast, the output shape is not [...batch, M, N], or
 *   quantization is missing or per-channel.
 */
export function prepareBatchMatMul(site: OpSite): PreparedOp {
  const lhs = input(site, 0, 'int8');
  const rhs = input(site, 1, 'int8');
  const y = output(site, 'int8');
  if (lhs.shape.length < 2 || rhs.shape.length < 2) opError(site, `operands [${lhs.shape}] and [${rhs.shape}] need rank >= 2`);
  const { adjX = false, adjY = false } = site.op.options;
  const [l0, l1] = lhs.shape.slice(-2);
  const [r0, r1] = rhs.shape.slice(-2);
  const [m, k] = adjX ? [l1, l0] : [l0, l1];
  const [k2, n] = adjY ? [r1, r0] : [r0, r1];
  if (k !== k2) opError(site, `inner dims differ: [${lhs.shape}]${adjX ? '^T' : ''} x [${rhs.shape}]${adjY ? '^T' : ''}`);
  const batch = broadcastBatch(lhs.shape.slice(0, -2), rhs.shape.slice(0, -2));
  if (!batch) opError(site, `batch dims of [${lhs.shape}] and [${rhs.shape}] do not broadcast`);
  const want = [...batch, m, n];
  if (elementCount(y.shape) !== elementCount(want) || y.shape[y.shape.length - 1] !== n) {
    opError(site, `output ${y.name} [${y.shape}] should be [${want}]`);
  }
  const lq = perTensor(site, lhs);
  const rq = perTensor(site, rhs);
  const yq = perTensor(site, y);
  const q = quantizeMultiplier(Math.fround(lq.scale * rq.scale) / yq.scale);
  const lBatch = batchIndex(batch, lhs.shape.slice(0, -2));
  const rBatch = batchIndex(batch, rhs.shape.slice(0, -2));
  // Element strides of lhs[i, kk] and rhs[kk, j] inside one matrix, honouring adj flags.
  const [lsi, lsk] = adjX ? [1, m] : [k, 1];
  const [rsk, rsj] = adjY ? [1, k] : [n, 1];
  const [li, ri, yi] = [site.op.inputs[0], site.op.inputs[1], site.op.outputs[0]];
  return {
    eval(values: Values): void {
      const a = values[li] as Int8Array;
      const b = values[ri] as Int8Array;
      const out = new Int8Array(lBatch.length * m * n);
      for (let bi = 0; bi < lBatch.length; bi++) {
        const ao = lBatch[bi] * m * k;
        const bo = rBatch[bi] * k * n;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let acc = 0;
            for (let kk = 0; kk < k; kk++) acc += (a[ao + i * lsi + kk * lsk] - lq.zeroPoint) * (b[bo + kk * rsk + j * rsj] - rq.zeroPoint);
            const v = multiplyByQuantizedMultiplier(acc | 0, q.multiplier, q.shift) + yq.zeroPoint;
            out[(bi * m + i) * n + j] = clamp(v, -128, 127);
          }
        }
      }
      values[yi] = out;
    },
  };
}
