/**
 * The flat (non-nested) materials CV pipeline, used by `dendra materials ablate` and the graph-network
 * CV (`materials eval` is nested: nested.ts): builds the two data sets
 * (all rows with composition + lattice features; the CIF subset with structure features too),
 * runs each protocol × seed × subset × model through cross-validation, and summarizes.
 */

import { join } from 'node:path';
import { DEFAULT_CONFIG, MODEL_KINDS, type ModelConfig, type ModelKind } from './baselines.ts';
import { crossValPredict, makeFolds, scoreValue, summarize, type CvData, type MetricsCi, type Protocol } from './cv.ts';
import { elementVocabulary, featureNames, featureTable, loadMaterials, parseTarget, type FeatureSpec, type MaterialRow } from './features.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';
import { loadStructures, type StructureFeatures } from './structure.ts';
import type { PhysicsGroup } from './physics.ts';

/** Data subsets: all rows (no structure) or rows with a CIF (structure features too). */
export type Subset = 'all' | 'cif';

/** One data set ready for CV. */
export interface Dataset extends CvData {
  readonly subset: Subset;
  readonly spec: FeatureSpec;
  readonly names: string[];
}

/** Options of {@link loadDatasets}. */
export interface LoadOptions {
  /** Physics descriptor groups in the CIF subset's features (default none). */
  readonly physics?: readonly PhysicsGroup[];
  /** Compute (and cache) the physics descriptors even when `physics` is empty. */
  readonly computePhysics?: boolean;
  /** Progress over the CIFs (physics descriptors take ~0.3 s per structure uncached). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Load train.csv and the CIFs of `dir` and build both data sets.
 * @throws InputError when the CSV is unreadable or malformed (CIF failures only drop that row's
 *   structure features, reported through `onWarn`).
 */
export function loadDatasets(dir: string = OBELIX_DIR, onWarn: (m: string) => void = () => {}, o: LoadOptions = {}): { all: Dataset; cif: Dataset; structures: Map<string, StructureFeatures> } {
  const rows = loadMaterials(join(dir, 'train.csv'));
  const vocabulary = elementVocabulary(rows);
  const physics = o.physics ?? [];
  const structures = loadStructures(rows.map((r) => r.id), join(dir, 'cifs'), (id, m) => onWarn(`${id}.cif: ${m}`),
    physics.length > 0 || !!o.computePhysics, o.onProgress);
  const all = makeDataset('all', rows, { vocabulary, structure: false }, structures);
  const cif = makeDataset('cif', rows.filter((r) => structures.has(r.id)), { vocabulary, structure: true, physics }, structures);
  return { all, cif, structures };
}

/**
 * A data set of `rows` with feature `spec` (used to rebuild the CIF subset with other physics
 * groups for ablation). @throws InputError as {@link featureTable}.
 */
export function makeDataset(subset: Subset, rows: readonly MaterialRow[], spec: FeatureSpec, structures: ReadonlyMap<string, StructureFeatures>): Dataset {
  return { subset, spec, names: featureNames(spec), rows, X: featureTable(rows, spec, structures), targets: rows.map(parseTarget) };
}

/** Options of {@link runEval}. */
export interface EvalOptions {
  readonly protocols: readonly Protocol[];
  readonly seeds: number;
  readonly kinds?: readonly ModelKind[];
  readonly config?: ModelConfig;
  /** VIF filtering (default true). */
  readonly vif?: boolean;
  readonly nBoot?: number;
  readonly onStep?: () => void;
}

/** One table row. `all`: bounds scored as -15; `exact`: bound rows excluded. */
export interface EvalRow {
  readonly model: ModelKind;
  readonly protocol: Protocol;
  readonly subset: Subset;
  readonly seeds: number;
  readonly all: MetricsCi;
  readonly exact: MetricsCi;
}

/** Number of model fits {@link runEval} performs (for a progress bar). */
export function evalSteps(o: EvalOptions): number {
  return o.protocols.length * 2 * o.seeds * 5 * (o.kinds ?? MODEL_KINDS).length;
}

/**
 * Cross-validate every model on both subsets under each protocol with seeds 0..seeds-1.
 * @throws RangeError for seeds < 1 or degenerate folds.
 */
export function runEval(sets: readonly Dataset[], o: EvalOptions): EvalRow[] {
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw new RangeError(`seeds ${o.seeds} must be an integer >= 1`);
  const kinds = o.kinds ?? MODEL_KINDS;
  const out: EvalRow[] = [];
  for (const protocol of o.protocols) {
    for (const data of sets) {
      const preds = new Map<ModelKind, number[][]>(kinds.map((k) => [k, []]));
      for (let seed = 0; seed < o.seeds; seed++) {
        const folds = makeFolds(protocol, data.rows, data.targets, seed);
        const config = { ...(o.config ?? DEFAULT_CONFIG), seed };
        const r = crossValPredict(kinds, data, folds, { vif: o.vif ?? true, config, onStep: o.onStep });
        for (const k of kinds) preds.get(k)!.push(r.get(k)!);
      }
      const truth = data.targets.map(scoreValue);
      const exact = data.targets.map((t) => !t.censored);
      for (const k of kinds) {
        out.push({ model: k, protocol, subset: data.subset, seeds: o.seeds,
          all: summarize(truth, preds.get(k)!, truth.map(() => true), o.nBoot ?? 1000),
          exact: summarize(truth, preds.get(k)!, exact, o.nBoot ?? 1000) });
      }
    }
  }
  return out;
}

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'nan');

/** Fixed-width text table of eval rows (one line per model × protocol × subset). */
export function formatTable(rows: readonly EvalRow[]): string[] {
  const est = (e: { value: number; lo: number; hi: number }): string => `${f2(e.value)} [${f2(e.lo)},${f2(e.hi)}]`.padEnd(20);
  const lines = [`${'model'.padEnd(9)}${'protocol'.padEnd(9)}${'subset'.padEnd(7)}${'n'.padStart(4)}  ${'MAE (bounds=-15)'.padEnd(20)}${'RMSE'.padEnd(20)}${'R2'.padEnd(20)}${'MAE (no bounds)'.padEnd(20)}R2 (no bounds)`];
  for (const r of rows) {
    lines.push(`${r.model.padEnd(9)}${r.protocol.padEnd(9)}${r.subset.padEnd(7)}${String(r.all.n).padStart(4)}  ${est(r.all.mae)}${est(r.all.rmse)}${est(r.all.r2)}${est(r.exact.mae)}${est(r.exact.r2).trimEnd()}`);
  }
  return lines;
}
