/**
 * The channel graph of the grid model: 7 nodes (the ETT channels), edge weights from the absolute
 * Pearson correlation of the training rows, symmetrically normalized with self loops.
 */
import { InputError } from '@dendra/core/errors.ts';
import type { EttData, RowRange } from './data.ts';

/** A dense n x n matrix, row-major (a[i][j]). */
export type Matrix = number[][];

/**
 * Pearson correlation matrix of the channels over the rows of `r` (f64).
 *
 * @throws InputError (code `E_DATA`) when the range has fewer than 2 rows or a channel is constant.
 */
export function correlation(data: EttData, r: RowRange, channels?: readonly number[]): Matrix {
  const n = r.end - r.start;
  const pick = channels ?? Array.from({ length: data.rows[0]?.length ?? 0 }, (_, c) => c);
  const N_CHANNELS = pick.length;
  if (n < 2) throw new InputError('E_DATA', `${data.source}: correlation needs at least 2 rows, got ${n}`, data.source);
  const mean = new Array<number>(N_CHANNELS).fill(0);
  for (let t = r.start; t < r.end; t++) for (let c = 0; c < N_CHANNELS; c++) mean[c] += data.rows[t][pick[c]] / n;
  const cov: Matrix = Array.from({ length: N_CHANNELS }, () => new Array<number>(N_CHANNELS).fill(0));
  for (let t = r.start; t < r.end; t++) {
    const row = pick.map((c) => data.rows[t][c]);
    for (let i = 0; i < N_CHANNELS; i++) {
      const di = row[i] - mean[i];
      for (let j = 0; j <= i; j++) cov[i][j] += di * (row[j] - mean[j]);
    }
  }
  for (let i = 0; i < N_CHANNELS; i++) {
    if (!(cov[i][i] > 0)) throw new InputError('E_DATA', `${data.source}: channel ${i} is constant, correlation undefined`, data.source);
  }
  const c: Matrix = Array.from({ length: N_CHANNELS }, () => new Array<number>(N_CHANNELS).fill(0));
  for (let i = 0; i < N_CHANNELS; i++) {
    for (let j = 0; j <= i; j++) {
      const v = i === j ? 1 : cov[i][j] / Math.sqrt(cov[i][i] * cov[j][j]);
      c[i][j] = v;
      c[j][i] = v;
    }
  }
  return c;
}

/**
 * Normalized adjacency A = D^-1/2 (|C| + I) D^-1/2 where D is the diagonal of row sums of |C| + I.
 * A is symmetric, non-negative, and its largest eigenvalue is 1 (eigenvector sqrt(D)).
 */
export function normalizedAdjacency(c: Matrix): Matrix {
  const w = c.map((row, i) => row.map((v, j) => Math.abs(v) + (i === j ? 1 : 0)));
  const dInvSqrt = w.map((row) => 1 / Math.sqrt(row.reduce((s, v) => s + v, 0)));
  return w.map((row, i) => row.map((v, j) => v * (dInvSqrt[i] * dInvSqrt[j])));
}

/**
 * The grid model's adjacency over the node `channels` (default: every column) from the training
 * rows of `data` (see {@link correlation} and {@link normalizedAdjacency}).
 *
 * @throws InputError (code `E_DATA`) as {@link correlation} does.
 */
export function gridAdjacency(data: EttData, train: RowRange, channels?: readonly number[]): Matrix {
  return normalizedAdjacency(correlation(data, train, channels));
}
