/**
 * Grouped cross-validation of the crystal-graph network (cgnn.ts) on the OBELiX CIF subset,
 * on the same folds (cv.ts makeFolds 'grouped', groups.ts) and with the same metrics and
 * bootstrap CIs (cv.ts summarize) as the tree baselines, which are run beside it on those folds
 * (cv.ts crossValPredict) so the numbers are directly comparable.
 */
import { join } from 'node:path';
import { DEFAULT_CONFIG, type ModelKind } from './baselines.ts';
import { prepareGraphs, type GraphPrepOptions, type PreparedGraph } from './cgnn-data.ts';
import { DEFAULT_CGNN, disposeCgnnParams, initCgnnBackend, predictCgnn, trainCgnn, type CgnnConfig } from './cgnn.ts';
import { crossValPredict, K_FOLDS, makeFolds, scoreValue, summarize, type MetricsCi } from './cv.ts';
import type { Dataset } from './evaluate.ts';
import { groupedFolds } from './groups.ts';

/** Options of {@link runGnnCv}. */
export interface GnnCvOptions {
  /** Folder with `<id>.cif`. */
  readonly cifDir: string;
  /** Seeds (fold assignment + model seed) 0..seeds-1 (default 1). */
  readonly seeds?: number;
  readonly cfg?: Partial<CgnnConfig>;
  readonly graph?: GraphPrepOptions;
  /** Baseline model kinds run on the same folds (default rf, gbt, gbt-cens). */
  readonly baselines?: readonly ModelKind[];
  readonly nBoot?: number;
  /** Called after every GNN epoch and every fold: (epochs done so far, upper bound on epochs). */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** One model's scores: `all` (bounds scored at -15) and `exact` (bound rows excluded). */
export interface GnnCvRow { readonly model: string; readonly all: MetricsCi; readonly exact: MetricsCi }

/** Result of {@link runGnnCv}. */
export interface GnnCvResult {
  readonly rows: GnnCvRow[];
  readonly n: number;
  readonly seconds: { graphs: number; gnn: number; baselines: number };
  /** Epochs run and best epoch per fold (seed-major). */
  readonly epochs: { run: number; best: number }[];
  readonly cfg: CgnnConfig;
}

/**
 * Grouped K-fold CV of the GNN and the baselines on `data` (the CIF subset of evaluate.ts
 * loadDatasets). Inside each training fold a grouped inner split (groups.ts, fold 0 of 5) is held
 * out for early stopping; the outer validation fold is never seen during training.
 * @throws InputError when a CIF fails to prepare; RangeError for bad seeds or degenerate folds.
 */
export async function runGnnCv(data: Dataset, o: GnnCvOptions): Promise<GnnCvResult> {
  const seeds = o.seeds ?? 1;
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new RangeError(`seeds ${seeds} must be an integer >= 1`);
  await initCgnnBackend();
  const t0 = Date.now();
  const graphs: PreparedGraph[] = prepareGraphs(data.rows.map((r) => r.id), o.cifDir, o.graph);
  const t1 = Date.now();
  const kinds = o.baselines ?? (['rf', 'gbt', 'gbt-cens'] as ModelKind[]);
  const gnnPreds: number[][] = [];
  const basePreds = new Map<ModelKind, number[][]>(kinds.map((k) => [k, []]));
  const epochs: { run: number; best: number }[] = [];
  let cfg: CgnnConfig = { ...DEFAULT_CGNN, ...o.cfg };
  const total = seeds * K_FOLDS * cfg.maxEpochs;
  let done = 0, tBase = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const folds = makeFolds('grouped', data.rows, data.targets, seed);
    cfg = { ...DEFAULT_CGNN, ...o.cfg, seed };
    const pred = new Array<number>(data.rows.length).fill(NaN);
    for (let f = 0; f < K_FOLDS; f++) {
      const tr = folds.flatMap((g, i) => (g !== f ? [i] : []));
      const va = folds.flatMap((g, i) => (g === f ? [i] : []));
      if (va.length === 0) continue;
      const inner = groupedFolds(tr.map((i) => data.rows[i]), 5, seed + 1);
      const fit = tr.filter((_, k) => inner[k] !== 0), stop = tr.filter((_, k) => inner[k] === 0);
      const start = done;
      const model = trainCgnn(fit.map((i) => graphs[i]), fit.map((i) => data.targets[i]), cfg, {
        val: { graphs: stop.map((i) => graphs[i]), targets: stop.map((i) => data.targets[i]) },
        onEpoch: (e) => o.onProgress?.((done = start + e.epoch), total, `gnn seed ${seed} fold ${f + 1}/${K_FOLDS}`),
      });
      done = start + cfg.maxEpochs;
      o.onProgress?.(done, total, `gnn seed ${seed} fold ${f + 1}/${K_FOLDS}`);
      epochs.push({ run: model.epochsRun, best: model.bestEpoch });
      predictCgnn(model, va.map((i) => graphs[i])).forEach((p, j) => { pred[va[j]] = p; });
      disposeCgnnParams(model.params);
    }
    gnnPreds.push(pred);
    const tb = Date.now();
    const base = crossValPredict(kinds, data, folds, { vif: true, config: { ...DEFAULT_CONFIG, seed } });
    tBase += Date.now() - tb;
    for (const k of kinds) basePreds.get(k)!.push(base.get(k)!);
  }
  const t2 = Date.now();
  const truth = data.targets.map(scoreValue);
  const all = truth.map(() => true), exact = data.targets.map((t) => !t.censored);
  const score = (model: string, preds: number[][]): GnnCvRow => ({ model, all: summarize(truth, preds, all, o.nBoot ?? 1000), exact: summarize(truth, preds, exact, o.nBoot ?? 1000) });
  return {
    rows: [score(`gnn-${cfg.bounds === 'censored' ? 'cens' : 'score'}`, gnnPreds), ...kinds.map((k) => score(k, basePreds.get(k)!))],
    n: data.rows.length, seconds: { graphs: (t1 - t0) / 1000, gnn: (t2 - t1 - tBase) / 1000, baselines: tBase / 1000 }, epochs, cfg,
  };
}

/** Default CIF folder under an OBELiX directory. */
export function cifDirOf(obelixDir: string): string {
  return join(obelixDir, 'cifs');
}
