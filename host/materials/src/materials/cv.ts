/**
 * Cross-validation for the OBELiX baselines.
 *
 * Protocols: `grouped` (primary): 5 folds from groups.ts, no source paper / composition group is
 * split; `random` (optimistic): stratified random 5 folds on the binned scored target, where
 * near-duplicates from one paper land on both sides of a split, so errors are lower than on
 * new chemistries.
 *
 * Targets and censoring: the target is log10 sigma (S/cm). Rows whose conductivity is an upper
 * bound are scored at {@link CENSORED_SCORE} = -15 (the OBELiX benchmark convention) in the
 * `all` metrics, and left out of the `exact` metrics (the same out-of-fold predictions, bound
 * rows masked). Metrics: MAE, RMSE, R² = 1 - SSE/SST. Each is averaged over seeds (one fold
 * assignment and model seed per seed); the 95% CI is the 2.5/97.5 percentile of a seeded row
 * bootstrap (1000 resamples) of that seed-average.
 */

import { fitModel, type ModelConfig, type ModelKind } from './baselines.ts';
import { CENSORED_SCORE, type MaterialRow, type Target } from './features.ts';
import { groupedFolds } from './groups.ts';
import { fitPreprocessor, transform } from './preprocess.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** Fold protocol. */
export type Protocol = 'grouped' | 'random';
/** Number of folds. */
export const K_FOLDS = 5;

/**
 * Stratified random folds: rows are sorted by `y` into `bins` quantile bins; each bin is shuffled
 * (seeded) and dealt round-robin to the folds, continuing the deal across bins.
 * @throws RangeError when k < 2 or there are fewer rows than folds.
 */
export function stratifiedFolds(y: readonly number[], k = K_FOLDS, seed = 0, bins = 5): number[] {
  if (!(Number.isInteger(k) && k >= 2) || y.length < k) throw new RangeError(`cannot make ${k} folds of ${y.length} rows`);
  const rand = mulberry32(seed * 104729 + 7);
  const order = y.map((_, i) => i).sort((a, b) => y[a] - y[b] || a - b);
  const fold = new Array<number>(y.length);
  let deal = Math.floor(rand() * k);
  for (let b = 0; b < bins; b++) {
    const part = order.slice(Math.floor((b * y.length) / bins), Math.floor(((b + 1) * y.length) / bins));
    for (let i = part.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [part[i], part[j]] = [part[j], part[i]];
    }
    for (const i of part) fold[i] = deal++ % k;
  }
  return fold;
}

/** Scored value of a target (bounds -> -15). */
export function scoreValue(t: Target): number {
  return t.censored ? CENSORED_SCORE : t.value;
}

/** Fold per row for a protocol and seed. @throws RangeError as the fold builders. */
export function makeFolds(protocol: Protocol, rows: readonly MaterialRow[], targets: readonly Target[], seed: number): number[] {
  return protocol === 'grouped' ? groupedFolds(rows, K_FOLDS, seed) : stratifiedFolds(targets.map(scoreValue), K_FOLDS, seed);
}

/** MAE, RMSE and R². */
export interface Metrics { mae: number; rmse: number; r2: number }

/** Metrics of `pred` against `truth` over rows where `mask` is true (all rows by default). */
export function metrics(truth: readonly number[], pred: readonly number[], mask?: readonly boolean[]): Metrics {
  let n = 0, ae = 0, se = 0, sum = 0;
  for (let i = 0; i < truth.length; i++) if (!mask || mask[i]) { n++; sum += truth[i]; }
  const mean = sum / n;
  let sst = 0;
  for (let i = 0; i < truth.length; i++) {
    if (mask && !mask[i]) continue;
    const d = pred[i] - truth[i];
    ae += Math.abs(d); se += d * d; sst += (truth[i] - mean) ** 2;
  }
  return { mae: ae / n, rmse: Math.sqrt(se / n), r2: sst > 0 ? 1 - se / sst : NaN };
}

/** A metric with its bootstrap 95% interval. */
export interface Estimate { value: number; lo: number; hi: number }
/** Seed-averaged metrics with CIs. */
export interface MetricsCi { n: number; mae: Estimate; rmse: Estimate; r2: Estimate }

function averaged(truth: readonly number[], preds: readonly number[][], idx: readonly number[]): Metrics {
  const t = idx.map((i) => truth[i]);
  const ms = preds.map((p) => metrics(t, idx.map((i) => p[i])));
  const avg = (k: keyof Metrics): number => ms.reduce((s, m) => s + m[k], 0) / ms.length;
  return { mae: avg('mae'), rmse: avg('rmse'), r2: avg('r2') };
}

/**
 * Seed-averaged metrics over the masked rows with percentile bootstrap CIs (`nBoot` resamples
 * of the rows, seeded). `preds` holds one out-of-fold prediction vector per seed.
 * @throws RangeError when no row is selected.
 */
export function summarize(truth: readonly number[], preds: readonly number[][], mask: readonly boolean[], nBoot = 1000, seed = 0): MetricsCi {
  const idx = truth.flatMap((_, i) => (mask[i] ? [i] : []));
  if (idx.length === 0) throw new RangeError('no rows to score');
  const point = averaged(truth, preds, idx);
  const rand = mulberry32(seed + 99991);
  const boots: Metrics[] = [];
  for (let b = 0; b < nBoot; b++) boots.push(averaged(truth, preds, idx.map(() => idx[Math.floor(rand() * idx.length)])));
  const ci = (k: keyof Metrics): Estimate => {
    const v = boots.map((m) => m[k]).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const q = (p: number): number => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
    return { value: point[k], lo: q(0.025), hi: q(0.975) };
  };
  return { n: idx.length, mae: ci('mae'), rmse: ci('rmse'), r2: ci('r2') };
}

/** What cross-validation runs on. */
export interface CvData {
  readonly rows: readonly MaterialRow[];
  readonly X: readonly number[][];
  readonly targets: readonly Target[];
}

/** Options of {@link crossValPredict}. */
export interface CvOptions {
  readonly vif: boolean;
  readonly config: ModelConfig;
  /** Called after each fitted model (for progress). */
  readonly onStep?: () => void;
}

/**
 * Out-of-fold predictions of each model kind for one fold assignment. Preprocessing (impute,
 * min-max, VIF) is fitted on each training fold and shared by the models.
 * @throws RangeError for degenerate folds (a fold with < 2 training rows).
 */
export function crossValPredict(kinds: readonly ModelKind[], data: CvData, folds: readonly number[], opts: CvOptions): Map<ModelKind, number[]> {
  const out = new Map(kinds.map((k) => [k, new Array<number>(data.X.length).fill(NaN)]));
  const k = Math.max(...folds) + 1;
  for (let f = 0; f < k; f++) {
    const tr = folds.flatMap((g, i) => (g !== f ? [i] : []));
    const va = folds.flatMap((g, i) => (g === f ? [i] : []));
    if (va.length === 0) continue;
    const pre = fitPreprocessor(tr.map((i) => data.X[i]), opts.vif);
    const Xtr = transform(tr.map((i) => data.X[i]), pre);
    const Xva = transform(va.map((i) => data.X[i]), pre);
    const y = tr.map((i) => data.targets[i].value);
    const c = tr.map((i) => data.targets[i].censored);
    for (const kind of kinds) {
      const p = fitModel(kind, Xtr, y, c, opts.config).predict(Xva);
      const dst = out.get(kind)!;
      va.forEach((i, j) => { dst[i] = p[j]; });
      opts.onStep?.();
    }
  }
  return out;
}
