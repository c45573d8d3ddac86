/**
 * Baseline regressors for log10 conductivity: the training median, a random forest
 * (ml-random-forest 2.1.0) and gradient-boosted regression trees whose base learner is ml-cart
 * 2.1.1's `DecisionTreeRegression` (the boosting loop, shrinkage, row/column subsampling and the
 * censored loss are implemented here; Friedman 2001, see censored.ts).
 *
 * `forest` is the scikit-learn-default random forest of forest.ts (500 trees, every feature per split).
 *
 * Censoring: `median`, `rf`, `forest`, `gbt` and `mlp` train on bound rows with the benchmark value -15
 * (plain squared loss); `gbt-cens` and `mlp-cens` train on the bound itself with the censored
 * squared loss (only predictions above the bound are penalized). `mlp*` is the TensorFlow.js
 * MLP of mlp.ts. All models are seeded and deterministic.
 */

import { DecisionTreeRegression } from 'ml-cart';
import { RandomForestRegression } from 'ml-random-forest';
import { censoredResiduals } from './censored.ts';
import { fitRegressionForest, RegressionForest, type ForestJson } from './forest.ts';
import { fitMlp, MLP_DEFAULTS, predictMlp, type MlpJson } from './mlp.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import * as stats from '@dendra/core/stats.ts';

/** Model families. */
export type ModelKind = 'median' | 'rf' | 'forest' | 'gbt' | 'gbt-cens' | 'mlp' | 'mlp-cens';
/** All model kinds, in report order. */
export const MODEL_KINDS: readonly ModelKind[] = ['median', 'rf', 'gbt', 'gbt-cens', 'mlp', 'mlp-cens'];

/** Hyper-parameters (defaults in {@link DEFAULT_CONFIG}). */
export interface ModelConfig {
  readonly seed: number;
  /** Random-forest trees. */
  readonly rfTrees: number;
  /** Fraction of features per forest tree (ml-random-forest selects them per tree). */
  readonly rfMaxFeatures: number;
  /** Trees of the `forest` kind (forest.ts, scikit-learn defaults otherwise). */
  readonly forestTrees: number;
  /** Fraction of the features tried at each split of a `forest` tree (1 = all, scikit-learn's default). */
  readonly forestMaxFeatures: number;
  readonly gbtRounds: number;
  readonly gbtDepth: number;
  readonly gbtLearningRate: number;
  /** Row fraction per boosting round (stochastic gradient boosting). */
  readonly gbtSubsample: number;
  /** Column fraction per boosting round. */
  readonly gbtColsample: number;
  /** Leaf size floor for boosting trees (ml-cart minNumSamples). */
  readonly gbtMinSamples: number;
}

/** Defaults used by eval and train. */
export const DEFAULT_CONFIG: ModelConfig = {
  seed: 0, rfTrees: 50, rfMaxFeatures: 0.33, forestTrees: 500, forestMaxFeatures: 1,
  gbtRounds: 200, gbtDepth: 3, gbtLearningRate: 0.06, gbtSubsample: 0.35, gbtColsample: 0.5, gbtMinSamples: 5,
};

/** Serialized model (plain JSON). */
export type ModelJson =
  | { kind: 'median'; value: number }
  | { kind: 'rf'; forest: unknown }
  | ForestJson
  | { kind: 'gbt' | 'gbt-cens'; init: number; rate: number; trees: { cols: number[]; tree: unknown }[] }
  | MlpJson;

/** A fitted model. */
export interface Fitted {
  readonly kind: ModelKind;
  predict(X: readonly number[][]): number[];
  /** Per-row spread (std of per-tree predictions) when the model has one (forest), else null. */
  spread(X: readonly number[][]): number[] | null;
  toJSON(): ModelJson;
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

class MedianModel implements Fitted {
  readonly kind = 'median' as const;
  constructor(private readonly value: number) {}
  predict(X: readonly number[][]): number[] { return X.map(() => this.value); }
  spread(): null { return null; }
  toJSON(): ModelJson { return { kind: 'median', value: this.value }; }
}

class ForestModel implements Fitted {
  readonly kind = 'rf' as const;
  constructor(private readonly rf: RandomForestRegression) {}
  predict(X: readonly number[][]): number[] { return this.rf.predict(X.map((r) => [...r])); }
  spread(X: readonly number[][]): number[] {
    const pv = this.rf.predictionValues(X.map((r) => [...r]));
    return pv.to2DArray().map((row) => {
      return stats.std(row);
    });
  }
  toJSON(): ModelJson { return { kind: 'rf', forest: this.rf.toJSON() }; }
}

class FastForestModel implements Fitted {
  readonly kind = 'forest' as const;
  constructor(private readonly f: RegressionForest) {}
  predict(X: readonly number[][]): number[] { return this.f.predict(X); }
  spread(X: readonly number[][]): number[] { return this.f.perTree(X).map((row) => stats.std(row)); }
  toJSON(): ModelJson { return this.f.toJSON(); }
}

class BoostedModel implements Fitted {
  constructor(readonly kind: 'gbt' | 'gbt-cens', private readonly init: number, private readonly rate: number,
    private readonly trees: { cols: number[]; tree: DecisionTreeRegression }[]) {}
  predict(X: readonly number[][]): number[] {
    const out = X.map(() => this.init);
    for (const { cols, tree } of this.trees) {
      const p = tree.predict(X.map((r) => cols.map((j) => r[j])));
      for (let i = 0; i < out.length; i++) out[i] += this.rate * p[i];
    }
    return out;
  }
  spread(): null { return null; }
  toJSON(): ModelJson {
    return { kind: this.kind, init: this.init, rate: this.rate, trees: this.trees.map((t) => ({ cols: t.cols, tree: t.tree.toJSON() })) };
  }
}

class MlpModel implements Fitted {
  readonly kind: 'mlp' | 'mlp-cens';
  constructor(private readonly json: MlpJson) { this.kind = json.kind; }
  predict(X: readonly number[][]): number[] { return predictMlp(this.json, X); }
  spread(): null { return null; }
  toJSON(): ModelJson { return this.json; }
}

/** `k` distinct indices from 0..n-1 (partial Fisher-Yates), ascending. */
function sample(n: number, k: number, rand: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

/**
 * Gradient boosting with ml-cart regression trees. With `censoredLoss`, bound rows contribute
 * the residual min(0, b - f) (see censored.ts); otherwise plain squared-loss residuals y - f.
 * @throws RangeError for empty data.
 */
export function fitBoosted(X: readonly number[][], y: readonly number[], censored: readonly boolean[],
  cfg: ModelConfig, censoredLoss: boolean): Fitted {
  if (X.length === 0) throw new RangeError('no training rows');
  const rand = mulberry32(cfg.seed * 7919 + 13);
  const cens = censoredLoss ? censored : censored.map(() => false);
  const init = medianOf(y);
  const f = y.map(() => init);
  const p = X[0].length;
  const nRows = Math.max(2, Math.round(cfg.gbtSubsample * X.length));
  const nCols = Math.max(1, Math.round(cfg.gbtColsample * p));
  const trees: { cols: number[]; tree: DecisionTreeRegression }[] = [];
  for (let m = 0; m < cfg.gbtRounds; m++) {
    const r = censoredResiduals(f, y, cens);
    const rows = sample(X.length, Math.min(nRows, X.length), rand);
    const cols = sample(p, Math.min(nCols, p), rand);
    const tree = new DecisionTreeRegression({ maxDepth: cfg.gbtDepth, minNumSamples: cfg.gbtMinSamples });
    tree.train(rows.map((i) => cols.map((j) => X[i][j])), rows.map((i) => r[i]));
    const step = tree.predict(X.map((row) => cols.map((j) => row[j])));
    for (let i = 0; i < f.length; i++) f[i] += cfg.gbtLearningRate * step[i];
    trees.push({ cols, tree });
  }
  return new BoostedModel(censoredLoss ? 'gbt-cens' : 'gbt', init, cfg.gbtLearningRate, trees);
}

/**
 * Random forest (ml-random-forest): bootstrap rows, `rfMaxFeatures` of the columns per tree.
 * maxFeatures is passed as an explicit integer count, at least 1 (the library default failed with
 * 'column indices are out of range' on small inputs, and a fraction of very few columns floors
 * to 0 features).
 * @throws RangeError for empty data; library errors propagate.
 */
export function fitForest(X: readonly number[][], y: readonly number[], cfg: ModelConfig): Fitted {
  if (X.length === 0) throw new RangeError('no training rows');
  const rf = new RandomForestRegression({
    nEstimators: cfg.rfTrees, maxFeatures: Math.max(1, Math.floor(cfg.rfMaxFeatures * X[0].length)), replacement: true, useSampleBagging: true,
    seed: cfg.seed + 1, noOOB: true, treeOptions: { minNumSamples: 3 },
  });
  rf.train(X.map((r) => [...r]), [...y]);
  return new ForestModel(rf);
}

/**
 * Fit a model. `y` holds log10 sigma for exact rows and log10 of the bound for censored rows;
 * all kinds except `gbt-cens` replace bounds by `censoredValue` (-15 by convention) first.
 * @throws RangeError for empty data.
 */
export function fitModel(kind: ModelKind, X: readonly number[][], y: readonly number[], censored: readonly boolean[],
  cfg: ModelConfig = DEFAULT_CONFIG, censoredValue = -15): Fitted {
  if (X.length === 0) throw new RangeError('no training rows');
  const yc = y.map((v, i) => (censored[i] ? censoredValue : v));
  switch (kind) {
    case 'median': return new MedianModel(medianOf(yc));
    case 'rf': return fitForest(X, yc, cfg);
    case 'forest': return new FastForestModel(fitRegressionForest(X, yc, { trees: cfg.forestTrees, maxFeatures: cfg.forestMaxFeatures, seed: cfg.seed }));
    case 'gbt': return fitBoosted(X, yc, censored, cfg, false);
    case 'gbt-cens': return fitBoosted(X, y, censored, cfg, true);
    case 'mlp': return new MlpModel(fitMlp(X, yc, censored, false, { ...MLP_DEFAULTS, seed: cfg.seed }));
    case 'mlp-cens': return new MlpModel(fitMlp(X, y, censored, true, { ...MLP_DEFAULTS, seed: cfg.seed }));
  }
}

/**
 * Rebuild a fitted model from {@link Fitted.toJSON} output.
 * @throws TypeError when the JSON is not a model this module wrote.
 */
export function loadModel(json: ModelJson): Fitted {
  switch (json?.kind) {
    case 'median': return new MedianModel(json.value);
    case 'rf': return new ForestModel(RandomForestRegression.load(json.forest as never));
    case 'forest': return new FastForestModel(RegressionForest.load(json));
    case 'gbt': case 'gbt-cens':
      return new BoostedModel(json.kind, json.init, json.rate,
        json.trees.map((t) => ({ cols: t.cols, tree: new DecisionTreeRegression(true, t.tree) })));
    case 'mlp': case 'mlp-cens': return new MlpModel(json);
    default: throw new TypeError(`unknown model kind '${String((json as { kind?: unknown })?.kind)}'`);
  }
}
