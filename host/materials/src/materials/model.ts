/**
 * Trained materials model files (`materials.model.json`) and prediction for any CSV in the
 * OBELiX layout. A model file holds two sub-models of the same kind: `composition` (composition +
 * lattice features, trained on all rows) and `structure` (plus CIF structure features, trained on
 * the CIF subset). A row uses `structure` when a CIF with its ID exists and parses, otherwise
 * `composition`.
 *
 * Uncertainty: for a random forest, the standard deviation of the per-tree predictions; for the
 * other kinds (no ensemble spread), the sub-model's grouped-CV RMSE on exact rows (a global
 * typical error, the same for every row). `uncertaintyKind` says which.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { fitModel, loadModel, type ModelConfig, type ModelJson, type ModelKind } from './baselines.ts';
import { featureTable, parseTarget, type FeatureSpec, type MaterialRow } from './features.ts';
import { fitPreprocessor, transform, type Preprocessor } from './preprocess.ts';
import type { StructureFeatures } from './structure.ts';
import type { Dataset } from './evaluate.ts';

/** One sub-model. */
export interface SubModel {
  readonly spec: FeatureSpec;
  readonly pre: Preprocessor;
  readonly model: ModelJson;
  /** Grouped-CV RMSE on exact rows, used as the uncertainty of non-forest models. */
  readonly cvRmse: number;
}

/** Contents of materials.model.json. */
export interface MaterialsModelFile {
  readonly format: 'dendra-materials-model';
  readonly version: 1;
  readonly kind: ModelKind;
  readonly composition: SubModel;
  readonly structure: SubModel;
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
  return m as MaterialsModelFile;
}

/** A prediction for one row. */
export interface Prediction {
  readonly id: string;
  /** Predicted log10 sigma (S/cm). */
  readonly log10Sigma: number;
  readonly sigma: number;
  /** One standard deviation in log10 units (see module comment). */
  readonly uncertainty: number;
  readonly uncertaintyKind: 'forest-spread' | 'cv-rmse';
  readonly features: 'structure' | 'composition';
  /** Measured log10 sigma (or bound) when the CSV has one, else null. */
  readonly measured: number | null;
  readonly measuredIsBound: boolean;
}

function predictWith(sub: SubModel, rows: readonly MaterialRow[], structures: ReadonlyMap<string, StructureFeatures>): { p: number[]; u: number[]; kind: Prediction['uncertaintyKind'] } {
  if (rows.length === 0) return { p: [], u: [], kind: 'cv-rmse' };
  const X = transform(featureTable(rows, sub.spec, structures), sub.pre);
  const m = loadModel(sub.model);
  const s = m.spread(X);
  return { p: m.predict(X), u: s ?? X.map(() => sub.cvRmse), kind: s ? 'forest-spread' : 'cv-rmse' };
}

/**
 * Predict every row: the structure sub-model for rows with structure features, the composition
 * sub-model otherwise. Output order = input order.
 * @throws InputError for compositions outside the element table (naming the row).
 */
export function predictRows(file: MaterialsModelFile, rows: readonly MaterialRow[], structures: ReadonlyMap<string, StructureFeatures>): Prediction[] {
  const withS = rows.filter((r) => structures.has(r.id));
  const without = rows.filter((r) => !structures.has(r.id));
  const a = predictWith(file.structure, withS, structures);
  const b = predictWith(file.composition, without, structures);
  const byId = new Map<MaterialRow, Prediction>();
  const put = (rs: readonly MaterialRow[], r: typeof a, features: Prediction['features']): void => rs.forEach((row, i) => {
    let measured: number | null = null, bound = false;
    try {
      const t = parseTarget(row);
      measured = t.value; bound = t.censored;
    } catch { /* no usable measurement: predict anyway */ }
    byId.set(row, { id: row.id, log10Sigma: r.p[i], sigma: 10 ** r.p[i], uncertainty: r.u[i], uncertaintyKind: r.kind,
      features, measured, measuredIsBound: bound });
  });
  put(withS, a, 'structure');
  put(without, b, 'composition');
  return rows.map((r) => byId.get(r)!);
}
