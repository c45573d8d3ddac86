/**
 * Per-fold preprocessing: median imputation of missing values, min-max scaling, and iterative
 * variance-inflation-factor (VIF) filtering. Everything is fitted on the training fold only and
 * then applied unchanged to the validation fold.
 *
 * VIF of column j is 1 / (1 - R²_j), where R²_j is from the least-squares regression of column j
 * on all other kept columns (with intercept). Equivalently, VIF_j is the j-th diagonal entry of
 * the inverse of the columns' correlation matrix (D. A. Belsley, E. Kuh, R. E. Welsch,
 * "Regression Diagnostics", Wiley 1980, ch. 3); that identity is what {@link vifs} uses (one
 * inversion instead of p regressions), and {@link vifByRegression} is the direct regression form
 * (used in the tests to check the identity).
 */

import { Matrix, inverse, solve } from 'ml-matrix';
import * as stats from '@dendra/core/stats.ts';

/** Fitted preprocessing: impute -> scale -> select. Plain JSON. */
export interface Preprocessor {
  /** Training-fold median per input column (used for NaN). */
  readonly fill: number[];
  readonly min: number[];
  readonly max: number[];
  /** Indices of the input columns that are kept, in order. */
  readonly keep: number[];
}

/** Default VIF threshold (columns with VIF > 5 are dropped). */
export const VIF_THRESHOLD = 5;
/** Ridge added to the correlation diagonal so exactly collinear sets give huge, finite VIFs. */
const RIDGE = 1e-9;

/** Column j of `X`. */
function column(X: readonly number[][], j: number): number[] {
  return X.map((r) => r[j]);
}

/**
 * VIF of every column of `X` (rows = samples). Constant columns get Infinity.
 * @throws RangeError when `X` has fewer than 2 rows.
 */
export function vifs(X: readonly number[][]): number[] {
  if (X.length < 2) throw new RangeError('VIF needs at least 2 rows');
  const p = X[0].length;
  const m = new Matrix(X.map((r) => [...r]));
  const mean = m.mean('column');
  const sd = m.standardDeviation('column', { mean });
  const ok = sd.map((s) => s > 1e-12);
  const idx = ok.flatMap((o, j) => (o ? [j] : []));
  const out = new Array<number>(p).fill(Infinity);
  if (idx.length === 0) return out;
  if (idx.length === 1) { out[idx[0]] = 1; return out; }
  const z = new Matrix(X.length, idx.length);
  for (let i = 0; i < X.length; i++) idx.forEach((j, k) => z.set(i, k, (X[i][j] - mean[j]) / sd[j]));
  const corr = z.transpose().mmul(z).div(X.length - 1);
  for (let k = 0; k < idx.length; k++) corr.set(k, k, corr.get(k, k) + RIDGE);
  const inv = inverse(corr);
  idx.forEach((j, k) => { out[j] = Math.max(1, inv.get(k, k)); });
  return out;
}

/**
 * VIF of column `j` by explicit least-squares regression on the other columns (with intercept),
 * solved with ml-matrix. Returns Infinity when R² = 1.
 */
export function vifByRegression(X: readonly number[][], j: number): number {
  const y = Matrix.columnVector(column(X, j));
  const A = new Matrix(X.map((r) => [1, ...r.filter((_, k) => k !== j)]));
  const beta = solve(A, y, true);
  const resid = y.clone().sub(A.mmul(beta));
  const ym = y.mean();
  const sst = y.to1DArray().reduce((s, v) => s + (v - ym) ** 2, 0);
  const sse = resid.to1DArray().reduce((s, v) => s + v * v, 0);
  const r2 = 1 - sse / sst;
  return r2 >= 1 ? Infinity : 1 / (1 - r2);
}

/**
 * Iterative VIF filter: drop constant columns, then repeatedly drop the column with the largest
 * VIF while it exceeds `threshold` (the correlation matrix is computed once; each step inverts
 * the kept sub-matrix). Returns kept column indices (ascending). Never throws for inputs with
 * >= 2 rows.
 */
export function vifFilter(X: readonly number[][], threshold = VIF_THRESHOLD): number[] {
  const p = X[0]?.length ?? 0;
  const keep = Array.from({ length: p }, (_, j) => j).filter((j) => !isConstant(X, j));
  if (keep.length < 2) return keep;
  const corr = correlation(X, keep);
  let pos = keep.map((_, k) => k);
  for (;;) {
    if (pos.length < 2) return pos.map((k) => keep[k]);
    const sub = new Matrix(pos.map((a) => pos.map((b) => corr.get(a, b) + (a === b ? RIDGE : 0))));
    const inv = inverse(sub);
    let worst = 0;
    for (let k = 1; k < pos.length; k++) if (inv.get(k, k) > inv.get(worst, worst)) worst = k;
    if (!(inv.get(worst, worst) > threshold)) return pos.map((k) => keep[k]);
    pos = pos.filter((_, k) => k !== worst);
  }
}

function isConstant(X: readonly number[][], j: number): boolean {
  return X.every((r) => r[j] === X[0][j]);
}

/** Correlation matrix of the listed (non-constant) columns. */
function correlation(X: readonly number[][], cols: readonly number[]): Matrix {
  const z = new Matrix(X.length, cols.length);
  cols.forEach((j, k) => {
    const c = column(X, j);
    const m = stats.mean(c);
    const sd = Math.sqrt(c.reduce((s, v) => s + (v - m) ** 2, 0) / (c.length - 1));
    c.forEach((v, i) => z.set(i, k, (v - m) / sd));
  });
  return z.transpose().mmul(z).div(X.length - 1);
}

/**
 * Fit the preprocessor on a training fold: medians (NaN ignored), min/max after imputation,
 * and, when `vif` is true, the VIF-kept columns of the scaled data.
 * @throws RangeError when `X` has fewer than 2 rows.
 */
export function fitPreprocessor(X: readonly number[][], vif = true, threshold = VIF_THRESHOLD): Preprocessor {
  if (X.length < 2) throw new RangeError('preprocessing needs at least 2 training rows');
  const p = X[0].length;
  const fill = Array.from({ length: p }, (_, j) => {
    const v = column(X, j).filter((x) => !Number.isNaN(x));
    return v.length === 0 ? 0 : stats.median(v);
  });
  const filled = X.map((r) => r.map((v, j) => (Number.isNaN(v) ? fill[j] : v)));
  const min = Array.from({ length: p }, (_, j) => Math.min(...column(filled, j)));
  const max = Array.from({ length: p }, (_, j) => Math.max(...column(filled, j)));
  const pre: Preprocessor = { fill, min, max, keep: Array.from({ length: p }, (_, j) => j) };
  if (!vif) return pre;
  const scaled = filled.map((r) => scaleRow(r, pre));
  return { ...pre, keep: vifFilter(scaled, threshold) };
}

function scaleRow(r: readonly number[], pre: Preprocessor): number[] {
  return r.map((v, j) => {
    const x = Number.isNaN(v) ? pre.fill[j] : v;
    const span = pre.max[j] - pre.min[j];
    return span > 0 ? (x - pre.min[j]) / span : 0;
  });
}

/**
 * Apply a fitted preprocessor: impute, min-max scale (values outside the training range go
 * outside [0, 1]; constant columns map to 0), keep selected columns.
 * @throws RangeError when a row's length differs from the fitted column count.
 */
export function transform(X: readonly number[][], pre: Preprocessor): number[][] {
  return X.map((r) => {
    if (r.length !== pre.fill.length) throw new RangeError(`row has ${r.length} columns, preprocessor expects ${pre.fill.length}`);
    const s = scaleRow(r, pre);
    return pre.keep.map((j) => s[j]);
  });
}
