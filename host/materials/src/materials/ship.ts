/**
 * What `materials train` ships: one variant of the nested CV's procedure (nested.ts: `selected`
 * chooses among all candidates by grouped CV, `fixed` takes the censored boosted trees at default
 * settings with physics for CIF rows), run once on all rows (grouped CV with `k` folds for the
 * choice and the calibration), refitted on all rows. The two chosen models become the
 * model file's `composition` (rows without a CIF, and the fallback) and `structure` (rows with a
 * CIF) sub-models (a chosen blend keeps every member: select.ts); each carries a normalized conformal scale calibrated on its grouped-CV
 * out-of-fold residuals (exact rows) and the reference rows its difficulty is measured against.
 */
import { DEFAULT_CONFIG, fitModel } from './baselines.ts';
import { conformalQuantile, LEVELS, type ConformalScale } from './conformal.ts';
import { scoreValue } from './cv.ts';
import { parseComposition } from './obelix.ts';
import { transform } from './preprocess.ts';
import { allRows, calibrate, innerCv, preprocessFor, specFor, type Candidate, type Choice, type SelectData } from './select.ts';
import { allowedFor, choiceFor, type Variant } from './nested.ts';
import type { MaterialsModelFile, SubModel, SubModelPart } from './model.ts';
import type { PhysicsGroup } from './physics.ts';

/** Digits kept in the stored reference rows (min-max scaled, so 4 decimals is 1e-4 of the range). */
const REF_DIGITS = 4;

/** The grouped-CV selection behind a shipped model file. */
export interface Selection {
  /** The nested-CV variant shipped (nested.ts VARIANTS). */
  readonly variant: Variant;
  readonly folds: number;
  readonly seed: number;
  readonly composition: string;
  readonly structure: string;
  /** Grouped-CV MAE (bounds as -15) of the chosen pair over all rows and the CIF rows; optimistic (selected on these folds). */
  readonly mae: { all: number; cif: number };
}

/** One fitted part (a candidate that is not a blend) on every row it trains on, with its preprocessed training rows. */
function fitPart(c: Candidate, data: SelectData, vocabulary: readonly string[], physics: readonly PhysicsGroup[], seed: number): { part: SubModelPart; Xt: number[][] } {
  const idx = data.rows.flatMap((_, i) => (allRows(c) || data.hasCif[i] ? [i] : []));
  const X = idx.map((i) => data.X[c.features][i]);
  const pre = preprocessFor(c.features, X);
  const Xt = transform(X, pre);
  const m = fitModel(c.kind, Xt, idx.map((i) => data.targets[i].value), idx.map((i) => data.targets[i].censored), { ...DEFAULT_CONFIG, ...c.config, seed });
  return { part: { spec: specFor(c.features, vocabulary, physics), pre, model: m.toJSON(), candidate: c.id }, Xt };
}

function subModel(c: Candidate, data: SelectData, vocabulary: readonly string[], physics: readonly PhysicsGroup[], scale: ConformalScale, cvRmse: number, seed: number): SubModel {
  const parts = (c.members ?? [c]).map((m) => fitPart(m, data, vocabulary, physics, seed));
  const f = 10 ** REF_DIGITS;
  // a blend: the first member is the sub-model itself (its features measure difficulty, as in select.ts meanOf), the others are `blend`
  return { ...parts[0].part, cvRmse, candidate: c.id, ...(parts.length > 1 ? { blend: parts.slice(1).map((p) => p.part) } : {}),
    conformal: { ...scale, ref: parts[0].Xt.map((r) => r.map((v) => Math.round(v * f) / f)) } };
}

/** Median of log10 sigma with bounds as -15 over `idx`. */
function medianOf(data: SelectData, idx: readonly number[]): number {
  const v = idx.map((i) => scoreValue(data.targets[i])).sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Elements of each row (parsed `True Composition`; none for an unparsable one). */
function rowElements(data: SelectData): Set<string>[] {
  return data.rows.map((r) => {
    try {
      return new Set(parseComposition(r.trueComposition).keys());
    } catch {
      return new Set<string>();
    }
  });
}

/**
 * The median fallback and its split-conformal half-widths. For each grouped-CV fold the median of
 * the other folds is scored by |y - median| on the fold's exact rows that hold an element no row of
 * the other folds holds: within the training split, the rows that are to the fold's model what an
 * unknown-element row is to the shipped one (the rows the fallback applies to). With fewer than
 * {@link MIN_FALLBACK_ROWS} such rows, every exact row is used instead (`calibratedOn` says which).
 * @throws RangeError for no exact row.
 */
export function medianFallback(data: SelectData, folds: readonly number[]): Pick<MaterialsModelFile, 'median' | 'medianIntervals'> {
  const all = data.rows.map((_, i) => i);
  const els = rowElements(data);
  const unseen: number[] = [], every: number[] = [];
  for (const f of new Set(folds)) {
    const other = all.filter((i) => folds[i] !== f);
    const m = medianOf(data, other);
    const seen = new Set(other.flatMap((i) => [...els[i]]));
    for (const i of all) {
      if (folds[i] !== f || data.targets[i].censored) continue;
      const r = Math.abs(data.targets[i].value - m);
      every.push(r);
      if ([...els[i]].some((e) => !seen.has(e))) unseen.push(r);
    }
  }
  const use = unseen.length >= MIN_FALLBACK_ROWS ? unseen : every;
  return { median: medianOf(data, all), medianIntervals: { levels: [...LEVELS], halfWidths: LEVELS.map((l) => conformalQuantile(use, l)), n: use.length,
    calibratedOn: use === unseen ? 'unseen-element' : 'all' } };
}

/** Fewest unseen-element rows the median fallback's intervals are calibrated on. */
export const MIN_FALLBACK_ROWS = 10;

/**
 * Select on all rows (k-fold grouped CV), calibrate, refit, and build the model file.
 * @throws RangeError when folds cannot be built or a fit has too few rows.
 */
export function trainSelected(data: SelectData, candidates: readonly Candidate[], vocabulary: readonly string[], physics: readonly PhysicsGroup[],
  o: { k: number; seed: number; variant: Variant; onStep?: () => void }): { file: MaterialsModelFile; selection: Selection; choice: Choice } {
  const all = data.rows.map((_, i) => i);
  const cs = allowedFor(o.variant, candidates);
  const inner = innerCv(data, all, cs, o.k, o.seed, o.onStep);
  const choice = choiceFor(o.variant, data, all, inner, cs);
  const scales = calibrate(data, choice, inner.oof, all);
  const rmse = (c: Candidate, cif: boolean): number => {
    const r = inner.oof.get(c.id)!;
    const rows = all.filter((i) => !data.targets[i].censored && (!cif || data.hasCif[i]));
    return Math.sqrt(rows.reduce((s, i) => s + (r.pred[i] - data.targets[i].value) ** 2, 0) / rows.length);
  };
  const pred = all.map((i) => inner.oof.get((data.hasCif[i] ? choice.cif : choice.comp).id)!.pred[i]);
  const mae = (idx: number[]): number => idx.reduce((s, i) => s + Math.abs(pred[i] - (data.targets[i].censored ? -15 : data.targets[i].value)), 0) / idx.length;
  const selection: Selection = { variant: o.variant, folds: o.k, seed: o.seed, composition: choice.comp.id, structure: choice.cif.id,
    mae: { all: mae(all), cif: mae(all.filter((i) => data.hasCif[i])) } };
  const file: MaterialsModelFile = { format: 'dendra-materials-model', version: 1, kind: choice.comp.kind, ...medianFallback(data, inner.innerFolds), selection,
    composition: subModel(choice.comp, data, vocabulary, physics, scales.comp, rmse(choice.comp, false), o.seed),
    structure: subModel(choice.cif, data, vocabulary, physics, scales.cif, rmse(choice.cif, true), o.seed) };
  o.onStep?.();
  return { file, choice, selection };
}
