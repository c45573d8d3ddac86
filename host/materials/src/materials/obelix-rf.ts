/**
 * The OBELiX benchmark's own baseline, rebuilt on Dendra's folds: a random forest (forest.ts, 500
 * trees, scikit-learn `RandomForestRegressor` defaults: bootstrap rows, every feature considered at
 * each split (max_features = 1.0), split while a node holds 2 or more rows) on
 * OBELiX's benchmark features: the unit-cell element amounts of `True Composition` (one column per
 * element seen in the training rows), the space-group number and the six lattice parameters from
 * the CSV. Upper-bound conductivities are trained as log10 sigma = -15, as OBELiX does.
 *
 * A 500-tree fit takes seconds (forest.ts); predictions are cached under `.dendra/cache/obelix-rf/`,
 * keyed by the training features and targets, the test features, the tree count and the seed.
 */
import { join } from 'node:path';
import { fitRegressionForest } from './forest.ts';
import { cachedByText, CACHE_ROOT } from './cache.ts';
import { CENSORED_SCORE, featureRow, parseTarget, type MaterialRow } from './features.ts';
import { parseComposition } from './obelix.ts';

/** Trees in the benchmark forest. */
export const OBELIX_RF_TREES = 500;
const CACHE_VERSION = 3;

/** Element columns: every element of the training rows' `True Composition`, sorted. @throws as parseComposition. */
export function obelixElements(rows: readonly MaterialRow[]): string[] {
  const s = new Set<string>();
  for (const r of rows) for (const e of parseComposition(r.trueComposition).keys()) s.add(e);
  return [...s].sort();
}

/**
 * OBELiX benchmark feature row: unit-cell amounts of each element in `elements` (elements of the
 * row outside that list are dropped, as a column the model never saw), space-group number, a, b,
 * c, alpha, beta, gamma. @throws InputError for an unparsable composition (parseComposition).
 */
export function obelixFeatures(row: MaterialRow, elements: readonly string[]): number[] {
  return featureRow(row, { vocabulary: elements, structure: false, obelix: true });
}

/** Training target of the benchmark: log10 sigma, bounds as -15. @throws InputError as parseTarget. */
export function obelixTarget(row: MaterialRow): number {
  const t = parseTarget(row);
  return t.censored ? CENSORED_SCORE : t.value;
}

/**
 * Fit the benchmark forest on `train` and predict `test` (log10 S/cm). Cached (module comment);
 * `cache` false recomputes. @throws RangeError for no training rows; InputError for bad rows.
 */
export function obelixForestPredict(train: readonly MaterialRow[], test: readonly MaterialRow[], trees = OBELIX_RF_TREES, seed = 0, cache = true): number[] {
  if (train.length === 0) throw new RangeError('no training rows');
  if (test.length === 0) return [];
  const elements = obelixElements(train);
  const X = train.map((r) => obelixFeatures(r, elements));
  const y = train.map(obelixTarget);
  const Xte = test.map((r) => obelixFeatures(r, elements));
  const key = JSON.stringify({ trees, seed, X, y, Xte });
  return cachedByText(cache ? join(CACHE_ROOT, 'obelix-rf') : null, CACHE_VERSION, key, () => {
    return fitRegressionForest(X, y, { trees, maxFeatures: 1, seed }).predict(Xte);
  });
}
