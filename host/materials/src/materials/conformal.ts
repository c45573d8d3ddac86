/**
 * Per-row uncertainty by normalized split-conformal intervals (Papadopoulos et al. 2008; Lei et
 * al. 2018, "Distribution-free predictive inference for regression", JASA, section 5.2).
 *
 * Difficulty of a row: d(x) = mean Euclidean distance to its {@link KNN_K} nearest training rows in
 * the model's preprocessed (imputed, min-max scaled, VIF-filtered) feature space; rows far from
 * everything the model was trained on get wider intervals. Nonconformity score of a calibration row
 * with out-of-fold prediction p: s = |y - p| / (d(x) + d0), where d0 is the median difficulty of
 * the calibration rows (so the width never collapses to 0 on a near-duplicate). The interval at
 * level a is p ± q_a (d(x) + d0), q_a the ceil((n + 1) a)-th smallest score: with exchangeable
 * rows it covers the truth with probability >= a. Calibration rows must be out-of-fold (grouped
 * CV) predictions and exact measurements (an upper bound has no true value to cover).
 */

/** Neighbours in the difficulty measure. */
export const KNN_K = 5;
/** Interval levels reported and shipped. */
export const LEVELS = [0.68, 0.9] as const;

/** A fitted conformal scale: interval half-width = q * (d + d0). Plain JSON. */
export interface ConformalScale {
  readonly d0: number;
  /** q per level in {@link LEVELS} order. */
  readonly q: number[];
  /** Calibration rows used. */
  readonly n: number;
}

/**
 * Mean distance of each row of `X` to its `k` nearest rows of `ref` (fewer when `ref` is smaller).
 * @throws RangeError when `ref` is empty or widths differ.
 */
export function knnDistance(X: readonly number[][], ref: readonly number[][], k = KNN_K): number[] {
  if (ref.length === 0) throw new RangeError('no reference rows');
  const kk = Math.min(k, ref.length);
  return X.map((x) => {
    if (x.length !== ref[0].length) throw new RangeError(`row width ${x.length} != reference width ${ref[0].length}`);
    const d = ref.map((r) => {
      let s = 0;
      for (let j = 0; j < x.length; j++) s += (x[j] - r[j]) ** 2;
      return Math.sqrt(s);
    }).sort((a, b) => a - b);
    let s = 0;
    for (let i = 0; i < kk; i++) s += d[i];
    return s / kk;
  });
}

/** The ceil((n + 1) a)-th smallest of `scores` (Infinity when that exceeds n). @throws RangeError for no scores. */
export function conformalQuantile(scores: readonly number[], a: number): number {
  if (scores.length === 0) throw new RangeError('no calibration scores');
  const s = [...scores].sort((x, y) => x - y);
  const r = Math.ceil((s.length + 1) * a);
  return r > s.length ? Infinity : s[r - 1];
}

/**
 * Fit the scale from calibration residuals `resid` (y - p) and difficulties `d`.
 * @throws RangeError when there are no rows or the lengths differ.
 */
export function fitConformal(resid: readonly number[], d: readonly number[]): ConformalScale {
  if (resid.length === 0 || resid.length !== d.length) throw new RangeError(`need matching non-empty residuals and difficulties (${resid.length}, ${d.length})`);
  const sorted = [...d].sort((x, y) => x - y);
  const d0 = Math.max(1e-6, sorted[sorted.length >> 1]);
  const scores = resid.map((r, i) => Math.abs(r) / (d[i] + d0));
  return { d0, q: LEVELS.map((a) => conformalQuantile(scores, a)), n: resid.length };
}

/** Half-widths per level for a row of difficulty `d`. Never throws. */
export function halfWidths(scale: ConformalScale, d: number): number[] {
  return scale.q.map((q) => q * (d + scale.d0));
}

/** Fraction of rows with |resid| <= half-width, per level (NaN for no rows). Never throws. */
export function coverage(scale: ConformalScale, resid: readonly number[], d: readonly number[]): number[] {
  return scale.q.map((_, l) => {
    if (resid.length === 0) return NaN;
    let hit = 0;
    resid.forEach((r, i) => { if (Math.abs(r) <= halfWidths(scale, d[i])[l]) hit++; });
    return hit / resid.length;
  });
}
