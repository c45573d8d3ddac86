/**
 * The host's descriptive statistics: median, mean, population standard deviation and a sorted
 * quantile, each with one rule for an empty list (NaN, never a throw) so that callers say in one
 * place what an empty input means to them. Plain left-to-right sums, so results are bit-identical
 * to the loops they replace (model cards and committed figures depend on that).
 */

/** Median (the mean of the middle two for an even length); NaN for an empty list. Does not reorder `a`. */
export function median(a: readonly number[]): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Arithmetic mean (left-to-right sum / n); NaN for an empty list. */
export function mean(a: readonly number[]): number {
  return a.length === 0 ? NaN : a.reduce((s, v) => s + v, 0) / a.length;
}

/** Population standard deviation (divides by n); NaN for an empty list. */
export function std(a: readonly number[]): number {
  const m = mean(a);
  return a.length === 0 ? NaN : Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
}

/** The `q` quantile (0..1) of an ascending list by the nearest-rank-below rule s[floor(q n)], clamped; NaN for an empty list. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}
