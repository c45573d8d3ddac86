/**
 * Trained materials model files (`materials.model.json`) and prediction for any CSV in the
 * OBELiX layout. A model file holds two sub-models of the same kind: `composition` (composition +
 * lattice features, trained on all rows) and `structure` (plus CIF structure features, trained on
 * the CIF subset). A row uses `structure` when a CIF with its ID exists and parses, otherwise
 * `composition`.
 *
 * Uncertainty: a sub-model trained by selection (ship.ts) carries a normalized conformal scale:
 * per-row 68% and 90% intervals whose width grows with the row's distance to the training rows
 * (conformal.ts), `uncertainty` = the 68% half-width. Older files: for a random forest, the standard deviation of the per-tree predictions (per row);
 * for the other kinds (no ensemble spread), the sub-model's grouped-CV RMSE on exact rows, a global
 * typical error, the same for every row: `uncertaintyKind` says which and `uncertaintyScope` says
 * `global` then. The shipped model (boosted trees) has no ensemble and the card stores no
 * out-of-fold residuals, so its uncertainty is global until a CV run stores them (issue 16).
 *
 * A row the model cannot featurize (an element outside the trained element set, an unparsable
 * composition) never fails the batch: it gets `error` (one line) and a `fallback` prediction, the
 * composition sub-model when that can featurize it, else the training median (file `median`; older
 * files: the boosted trees' initial value) with the file's `medianIntervals` (split-conformal over
 * grouped-CV held-out rows, one width for every such row: `uncertaintyScope` global);
 * `log10Sigma` is null only when neither exists.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { fitModel, loadModel, type ModelConfig, type ModelJson, type ModelKind } from './baselines.ts';
import { featureRow, parseTarget, type FeatureSpec, type MaterialRow } from './features.ts';
import { parseComposition } from './obelix.ts';
import { fitPreprocessor, transform, type Preprocessor } from './preprocess.ts';
import type { StructureFeatures } from './structure.ts';
import type { Dataset } from './evaluate.ts';
import type { Selection } from './ship.ts';
import { halfWidths, knnDistance, LEVELS, type ConformalScale } from './conformal.ts';

/** A fitted model with its features and preprocessing. */
export interface SubModelPart {
  readonly spec: FeatureSpec;
  readonly pre: Preprocessor;
  readonly model: ModelJson;
  /** The selection candidate (select.ts id) this part was fitted from, when trained by selection. */
  readonly candidate?: string;
}

/** One sub-model: a part, or with `blend` the mean of this part and the blend's other members. */
export interface SubModel extends SubModelPart {
  /** The other members of a blend (select.ts `blend`); the prediction is the mean over this part and them. */
  readonly blend?: readonly SubModelPart[];
  /** Grouped-CV RMSE on exact rows, used as the uncertainty of non-forest models without a conformal scale. */
  readonly cvRmse: number;
  /** Normalized conformal scale (conformal.ts) and the preprocessed training rows difficulty is measured against. */
  readonly conformal?: ConformalScale & { readonly ref: number[][] };
}

/** Contents of materials.model.json. */
export interface MaterialsModelFile {
  readonly format: 'dendra-materials-model';
  readonly version: 1;
  readonly kind: ModelKind;
  readonly composition: SubModel;
  readonly structure: SubModel;
  /** Training median of log10 sigma (bounds as -15): the last fallback. Older files: the boosted trees' initial value. */
  readonly median?: number;
  /**
   * Split-conformal half-widths (at `levels`) of the median fallback: quantiles of |y - median| over
   * `n` exact rows, each median taken on the other grouped-CV folds, on the rows holding an element
   * those folds lack (`calibratedOn` 'unseen-element'; ship.ts medianFallback). One width for every row.
   */
  readonly medianIntervals?: { readonly levels: number[]; readonly halfWidths: number[]; readonly n: number; readonly calibratedOn?: 'unseen-element' | 'all' };
  /** The selection that produced the file (ship.ts), so the card can be rebuilt without refitting. */
  readonly selection?: Selection;
}

/** The median fallback of a model file (module comment), or null when it has none. Never throws. */
export function fileMedian(file: MaterialsModelFile): number | null {
  return typeof file.median === 'number' && Number.isFinite(file.median) ? file.median : trainingMedian(file.composition);
}

/** File names inside a model directory. */
export const MODEL_FILE = 'materials.model.json';
export const CARD_FILE = 'materials.card.json';

/**
 * Fit one sub-model on a whole data set (preprocessing fitted on all its rows).
 * @throws RangeError for fewer than 2 rows.
 */
export function trainSubModel(kind: ModelKind, data: Dataset, config: ModelConfig, cvRmse: number): SubModel {
  const pre = fitPreprocessor(data.X, true);
  const X = transform(data.X, pre);
  const m = fitModel(kind, X, data.targets.map((t) => t.value), data.targets.map((t) => t.censored), config);
  return { spec: data.spec, pre, model: m.toJSON(), cvRmse };
}

/**
 * Read and check a model directory's model file.
 * @throws InputError `E_MODEL` when the file is missing, not JSON, or not a materials model.
 */
export function readModelFile(dir: string): MaterialsModelFile {
  const path = join(dir, MODEL_FILE);
  if (!existsSync(path)) throw new InputError('E_MODEL', `${path}: no materials model (run 'dendra materials train' first)`, path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError('E_MODEL', `${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, path);
  }
  const m = json as Partial<MaterialsModelFile>;
  if (m?.format !== 'dendra-materials-model' || m.version !== 1 || !m.composition || !m.structure) {
    throw new InputError('E_MODEL', `${path}: not a dendra materials model (format/version mismatch)`, path);
  }
  return unpackModelFile(m as MaterialsModelFile);
}

/** Stands for the composition sub-model's fitted model in a packed file's structure sub-model. */
const SAME_MODEL = { kind: 'same-as-composition' } as const;

/**
 * The file as written: when both sub-models hold the same fitted model (the same candidate chosen
 * for both sides), the structure side stores a reference instead of a second copy (its conformal
 * scale, which is calibrated on CIF rows, stays its own). Never throws.
 */
export function packModelFile(file: MaterialsModelFile): MaterialsModelFile {
  const same = JSON.stringify(file.structure.model) === JSON.stringify(file.composition.model) && JSON.stringify(file.structure.blend) === JSON.stringify(file.composition.blend);
  return same ? { ...file, structure: { ...file.structure, model: SAME_MODEL as unknown as ModelJson, blend: file.structure.blend ? [] : undefined } } : file;
}

/** Undoes {@link packModelFile}. Never throws. */
export function unpackModelFile(file: MaterialsModelFile): MaterialsModelFile {
  if ((file.structure.model as { kind?: string })?.kind !== SAME_MODEL.kind) return file;
  return { ...file, structure: { ...file.structure, model: file.composition.model, blend: file.composition.blend } };
}

/** A prediction for one row. */
export interface Prediction {
  readonly id: string;
  /** Predicted log10 sigma (S/cm); null only when the row failed and no fallback exists. */
  readonly log10Sigma: number | null;
  readonly sigma: number | null;
  /** One standard deviation in log10 units (see module comment); null with `log10Sigma`. */
  readonly uncertainty: number | null;
  readonly uncertaintyKind: 'conformal' | 'forest-spread' | 'cv-rmse' | 'none';
  /** Conformal 68% and 90% intervals of log10 sigma (per row), or null without a conformal scale. */
  readonly interval68: [number, number] | null;
  readonly interval90: [number, number] | null;
  /** `per-row` for an ensemble spread, `global` when every row gets the same value. */
  readonly uncertaintyScope: 'per-row' | 'global';
  /** Which inputs gave the prediction: a sub-model, or `median` (fallback). */
  readonly features: 'structure' | 'composition' | 'median';
  /** Why the primary prediction failed for this row (one line), else null. */
  readonly error: string | null;
  /** The fallback used when `error` is set: `composition`, `median`, or null (none). */
  readonly fallback: 'composition' | 'median' | null;
  /** Measured log10 sigma (or bound) when the CSV has one, else null. */
  readonly measured: number | null;
  readonly measuredIsBound: boolean;
}

/** Elements of a row outside the trained element set (`spec.vocabulary`), sorted; [] when all are known. */
export function unknownElements(row: MaterialRow, spec: FeatureSpec): string[] {
  const known = new Set(spec.vocabulary);
  return [...parseComposition(row.trueComposition).keys()].filter((e) => !known.has(e)).sort();
}

/** The parts of a sub-model: itself and its blend's other members. Never throws. */
function partsOf(sub: SubModel): SubModelPart[] {
  return [sub, ...(sub.blend ?? [])];
}

/** Featurizes one row for every part of `sub`, or says in one line why it cannot. Never throws. */
function rowFeatures(sub: SubModel, row: MaterialRow, structures: ReadonlyMap<string, StructureFeatures>): { x: number[][] } | { error: string } {
  try {
    const unknown = unknownElements(row, sub.spec);
    if (unknown.length > 0) return { error: `element${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} outside the ${sub.spec.vocabulary.length} elements the model was trained on` };
    return { x: partsOf(sub).map((p) => featureRow(row, p.spec, structures.get(row.id))) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The training median of a sub-model (the boosted trees' initial value), or null for other kinds. */
export function trainingMedian(sub: SubModel): number | null {
  const m = sub.model as { kind: string; init?: number; value?: number };
  if ((m.kind === 'gbt' || m.kind === 'gbt-cens') && Number.isFinite(m.init)) return m.init!;
  if (m.kind === 'median' && Number.isFinite(m.value)) return m.value!;
  return null;
}

interface Raw { p: number | null; u: number | null; kind: Prediction['uncertaintyKind']; scope: Prediction['uncertaintyScope']; features: Prediction['features']; hw?: number[] }

/** Predicts the featurized rows of one sub-model in one batch (index -> prediction). */
function predictBatch(sub: SubModel, xs: Map<number, number[][]>, features: Prediction['features']): Map<number, Raw> {
  const out = new Map<number, Raw>();
  if (xs.size === 0) return out;
  const idx = [...xs.keys()];
  const parts = partsOf(sub);
  const Xs = parts.map((part, j) => transform(idx.map((i) => xs.get(i)![j]), part.pre));
  const preds = parts.map((part, j) => loadModel(part.model).predict(Xs[j]));
  const p = idx.map((_, k) => preds.reduce((s, q) => s + q[k], 0) / preds.length);
  const X = Xs[0];
  const m = loadModel(sub.model);
  const cf = sub.conformal;
  if (cf) {
    const d = knnDistance(X, cf.ref);
    idx.forEach((i, k) => {
      const hw = halfWidths(cf, d[k]);
      out.set(i, { p: p[k], u: hw[LEVELS.indexOf(0.68)], kind: 'conformal', scope: 'per-row', features, hw });
    });
    return out;
  }
  const s = m.spread(X);
  idx.forEach((i, k) => out.set(i, { p: p[k], u: s ? s[k] : sub.cvRmse, kind: s ? 'forest-spread' : 'cv-rmse', scope: s ? 'per-row' : 'global', features }));
  return out;
}

/**
 * Predict every row: the structure sub-model for rows with structure features, the composition
 * sub-model otherwise; a row that cannot be featurized gets `error` and a fallback (module
 * comment). Output order = input order. Never throws for a bad row; throws only for a malformed
 * model file (as `loadModel`).
 */
export function predictRows(file: MaterialsModelFile, rows: readonly MaterialRow[], structures: ReadonlyMap<string, StructureFeatures>): Prediction[] {
  const xs = { structure: new Map<number, number[][]>(), composition: new Map<number, number[][]>() };
  const errors = new Map<number, string>();
  rows.forEach((row, i) => {
    const primary: 'structure' | 'composition' = structures.has(row.id) ? 'structure' : 'composition';
    const f = rowFeatures(file[primary], row, structures);
    if ('x' in f) return void xs[primary].set(i, f.x);
    errors.set(i, f.error);
    if (primary === 'structure') {
      const c = rowFeatures(file.composition, row, structures);
      if ('x' in c) xs.composition.set(i, c.x);
    }
  });
  const got = new Map([...predictBatch(file.structure, xs.structure, 'structure'), ...predictBatch(file.composition, xs.composition, 'composition')]);
  const median = fileMedian(file);
  const mi = file.medianIntervals;
  const medianHw = mi && LEVELS.every((l) => mi.levels.includes(l)) ? LEVELS.map((l) => mi.halfWidths[mi.levels.indexOf(l)]) : undefined;
  return rows.map((row, i) => {
    let measured: number | null = null, bound = false;
    try {
      const t = parseTarget(row);
      measured = t.value; bound = t.censored;
    } catch { /* no usable measurement: predict anyway */ }
    const err = errors.get(i) ?? null;
    const r: Raw = got.get(i) ?? (median !== null && medianHw ? { p: median, u: medianHw[LEVELS.indexOf(0.68)], kind: 'conformal', scope: 'global', features: 'median', hw: medianHw }
      : { p: median, u: median === null ? null : file.composition.cvRmse, kind: 'cv-rmse', scope: 'global', features: 'median' });
    const fallback = err === null ? null : r.p === null ? null : r.features === 'median' ? 'median' : 'composition';
    const iv = (l: number): [number, number] | null => (r.hw && r.p !== null ? [r.p - r.hw[l], r.p + r.hw[l]] : null);
    return { id: row.id, log10Sigma: r.p, sigma: r.p === null ? null : 10 ** r.p, uncertainty: r.u, uncertaintyKind: r.kind, uncertaintyScope: r.scope,
      interval68: iv(LEVELS.indexOf(0.68)), interval90: iv(LEVELS.indexOf(0.9)),
      features: r.features, error: err, fallback, measured, measuredIsBound: bound };
  });
}
