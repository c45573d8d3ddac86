/**
 * Grouped cross-validation of the crystal-graph network (cgnn.ts) on the OBELiX CIF subset,
 * on the same folds (cv.ts makeFolds 'grouped', groups.ts) and with the same metrics and
 * bootstrap CIs (cv.ts summarize) as the tree baselines, which are run beside it on those folds
 * (cv.ts crossValPredict) so the numbers are directly comparable.
 *
 * Three ways to run the network, each scored as its own row:
 * - graph only (`gnn-*`): the crystal graph alone;
 * - with the global state (`gnn-state-*`): the graph plus the min-max-scaled descriptor vector the
 *   baselines use (MEGNet's state input), preprocessed on the training fold as the baselines are;
 * - as a graph correction of a baseline (`gnn-resid-<prior>`): the network (with state) is trained
 *   on the residual y - prior(x), where prior(x) is the baseline's out-of-fold prediction from an
 *   inner grouped CV of the training fold (never an in-sample fit), and the validation prediction
 *   is prior_full(x) + gnn(x). Bounds stay censored: pred <= bound  <=>  residual <= bound - prior.
 * Every row averages `ensemble` networks per fold (seeds differ).
 */
import { join } from 'node:path';
import { DEFAULT_CONFIG, type ModelConfig, type ModelKind } from './baselines.ts';
import { prepareGraphs, type GraphPrepOptions, type PreparedGraph } from './cgnn-data.ts';
import { DEFAULT_CGNN, disposeCgnnParams, initCgnnBackend, predictCgnn, trainCgnn, type CgnnConfig, type CgnnTarget } from './cgnn.ts';
import { crossValPredict, K_FOLDS, makeFolds, scoreValue, summarize, type CvData, type MetricsCi } from './cv.ts';
import type { Dataset } from './evaluate.ts';
import { groupedFolds } from './groups.ts';
import { fitPreprocessor, transform } from './preprocess.ts';
import { absErrors, pairedDelta, type Delta } from './ablation.ts';

/** Network variants of {@link runGnnCv}. */
export type GnnVariant = 'graph' | 'state' | 'resid';

/** Options of {@link runGnnCv}. */
export interface GnnCvOptions {
  /** Folder with `<id>.cif`. */
  readonly cifDir: string;
  /** Seeds (fold assignment + model seed) 0..seeds-1 (default 1). */
  readonly seeds?: number;
  readonly cfg?: Partial<CgnnConfig>;
  readonly graph?: GraphPrepOptions;
  /** Variants to run (default all three). */
  readonly variants?: readonly GnnVariant[];
  /** Element properties as node features (default true; false: every node's properties are zeroed, leaving occupancy and geometry — the "no element features" ablation). */
  readonly elementFeatures?: boolean;
  /** Networks averaged per fold and variant (default 1). */
  readonly ensemble?: number;
  /** Baseline the residual variant corrects and every row's `deltaMae` is paired against (default gbt-cens; always run). */
  readonly prior?: ModelKind;
  /** Baseline model kinds run on the same folds (default rf, gbt, gbt-cens). */
  readonly baselines?: readonly ModelKind[];
  readonly nBoot?: number;
  /** Called after every GNN epoch and every fold: (epochs done so far, upper bound on epochs). */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * One model's scores: `all` (bounds scored at -15) and `exact` (bound rows excluded), and
 * `deltaMae`: its MAE minus the prior baseline's on all rows, paired row bootstrap (negative = better).
 */
export interface GnnCvRow { readonly model: string; readonly all: MetricsCi; readonly exact: MetricsCi; readonly deltaMae: Delta }

/** Result of {@link runGnnCv}. */
export interface GnnCvResult {
  readonly rows: GnnCvRow[];
  readonly n: number;
  readonly seconds: { graphs: number; gnn: number; baselines: number };
  /** Epochs run and best epoch per trained network (seed, fold, variant, member order). */
  readonly epochs: { run: number; best: number }[];
  readonly cfg: CgnnConfig;
  readonly ensemble: number;
  readonly prior: ModelKind;
  /** Out-of-fold prediction per row (mean over seeds) by model name, in row order; with `ids`. */
  readonly predictions: Record<string, number[]>;
  readonly ids: string[];
}

/** Rows of `data` at `idx` as a CV data set. */
function pick(data: CvData, idx: readonly number[]): CvData {
  return { rows: idx.map((i) => data.rows[i]), X: idx.map((i) => data.X[i]), targets: idx.map((i) => data.targets[i]) };
}

/** Out-of-fold predictions of `prior` on the training rows `tr` (inner grouped CV, seeded). */
function innerPrior(prior: ModelKind, data: CvData, tr: readonly number[], config: ModelConfig): number[] {
  const sub = pick(data, tr);
  return crossValPredict([prior], sub, groupedFolds(sub.rows, K_FOLDS, config.seed + 101), { vif: true, config }).get(prior)!;
}

interface FoldJob {
  readonly fit: number[];
  readonly stop: number[];
  readonly va: number[];
  readonly states: number[][];
  /** Offset per row (the prior; zero when none). */
  readonly offset: number[];
}

/** Train `ensemble` networks on the job and return their mean prediction on the validation rows. */
function runJob(job: FoldJob, data: CvData, graphs: readonly PreparedGraph[], cfg: CgnnConfig, useState: boolean, ensemble: number,
  onEpoch: (member: number, epoch: number) => void, epochs: { run: number; best: number }[]): number[] {
  const score = cfg.bounds === 'score';
  const tgt = (i: number): CgnnTarget => {
    const t = data.targets[i];
    // under 'score' a bound is trained as exact -15, so its residual is -15 - offset
    return t.censored && score ? { value: -15 - job.offset[i], censored: false } : { value: t.value - job.offset[i], censored: t.censored };
  };
  const st = (idx: number[]): number[][] | undefined => (useState ? idx.map((i) => job.states[i]) : undefined);
  const sum = new Array<number>(job.va.length).fill(0);
  for (let m = 0; m < ensemble; m++) {
    const c = { ...cfg, seed: cfg.seed * 1009 + m };
    const model = trainCgnn(job.fit.map((i) => graphs[i]), job.fit.map(tgt), c, {
      states: st(job.fit),
      val: { graphs: job.stop.map((i) => graphs[i]), targets: job.stop.map(tgt), states: st(job.stop) },
      onEpoch: (e) => onEpoch(m, e.epoch),
    });
    epochs.push({ run: model.epochsRun, best: model.bestEpoch });
    predictCgnn(model, job.va.map((i) => graphs[i]), st(job.va)).forEach((p, j) => { sum[j] += p; });
    disposeCgnnParams(model.params);
  }
  return sum.map((s, j) => s / ensemble + job.offset[job.va[j]]);
}

/**
 * Grouped K-fold CV of the GNN variants and the baselines on `data` (the CIF subset of
 * evaluate.ts loadDatasets, with the physics descriptors the state vector should carry). Inside
 * each training fold a grouped inner split (groups.ts, fold 0 of 5) is held out for early
 * stopping; the outer validation fold is never seen during training.
 * @throws InputError when a CIF fails to prepare; RangeError for bad seeds, ensemble or degenerate folds.
 */
export async function runGnnCv(data: Dataset, o: GnnCvOptions): Promise<GnnCvResult> {
  const seeds = o.seeds ?? 1, ensemble = o.ensemble ?? 1, prior = o.prior ?? 'gbt-cens';
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new RangeError(`seeds ${seeds} must be an integer >= 1`);
  if (!(Number.isInteger(ensemble) && ensemble >= 1)) throw new RangeError(`ensemble ${ensemble} must be an integer >= 1`);
  const variants = o.variants ?? (['graph', 'state', 'resid'] as GnnVariant[]);
  await initCgnnBackend();
  const t0 = Date.now();
  const prepared: PreparedGraph[] = prepareGraphs(data.rows.map((r) => r.id), o.cifDir, o.graph);
  const graphs = o.elementFeatures === false ? prepared.map((g) => ({ ...g, props: new Float32Array(g.props.length) })) : prepared;
  const t1 = Date.now();
  const kinds = o.baselines ?? (['rf', 'gbt', 'gbt-cens'] as ModelKind[]);
  const kindsRun = kinds.includes(prior) ? kinds : [...kinds, prior];
  const gnnPreds = new Map<GnnVariant, number[][]>(variants.map((v) => [v, []]));
  const basePreds = new Map<ModelKind, number[][]>(kindsRun.map((k) => [k, []]));
  const epochs: { run: number; best: number }[] = [];
  let cfg: CgnnConfig = { ...DEFAULT_CGNN, ...o.cfg };
  const per = cfg.maxEpochs * ensemble, total = seeds * K_FOLDS * variants.length * per;
  let done = 0, tBase = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const folds = makeFolds('grouped', data.rows, data.targets, seed);
    cfg = { ...DEFAULT_CGNN, ...o.cfg, seed };
    const config = { ...DEFAULT_CONFIG, seed };
    const tb = Date.now();
    const base = crossValPredict(kindsRun, data, folds, { vif: true, config });
    tBase += Date.now() - tb;
    for (const k of kindsRun) basePreds.get(k)!.push(base.get(k)!);
    const preds = new Map(variants.map((v) => [v, new Array<number>(data.rows.length).fill(NaN)]));
    for (let f = 0; f < K_FOLDS; f++) {
      const job = foldJob(data, folds, f, seed);
      if (job === null) continue;
      const { tr, va } = job;
      for (const v of variants) {
        const offset = new Array<number>(data.rows.length).fill(0);
        if (v === 'resid') {
          const tb2 = Date.now();
          innerPrior(prior, data, tr, config).forEach((p, k) => { offset[tr[k]] = p; });
          tBase += Date.now() - tb2;
          for (const i of va) offset[i] = base.get(prior)![i];
        }
        const start = done, label = `gnn-${v} seed ${seed} fold ${f + 1}/${K_FOLDS}`;
        const p = runJob({ ...job, offset }, data, graphs, cfg, v !== 'graph', ensemble,
          (m, e) => o.onProgress?.((done = start + m * cfg.maxEpochs + e), total, label), epochs);
        done = start + per;
        o.onProgress?.(done, total, label);
        va.forEach((i, j) => { preds.get(v)![i] = p[j]; });
      }
    }
    for (const v of variants) gnnPreds.get(v)!.push(preds.get(v)!);
  }
  const t2 = Date.now();
  const b = cfg.bounds === 'censored' ? 'cens' : 'score';
  const name = (v: GnnVariant): string => (v === 'graph' ? `gnn-${b}` : v === 'state' ? `gnn-state-${b}` : `gnn-resid-${prior}`);
  const byModel = new Map<string, number[][]>([...variants.map((v) => [name(v), gnnPreds.get(v)!] as const), ...kindsRun.map((k) => [k, basePreds.get(k)!] as const)]);
  return {
    ...scoreModels(data, byModel, prior, o.nBoot ?? 1000), ids: data.rows.map((r) => r.id),
    n: data.rows.length, seconds: { graphs: (t1 - t0) / 1000, gnn: (t2 - t1 - tBase) / 1000, baselines: tBase / 1000 }, epochs, cfg, ensemble, prior,
  };
}

/**
 * Fold `f`'s rows: training `tr` split into `fit` and the grouped early-stopping rows `stop`, the
 * validation rows `va`, and every row's state vector scaled on `tr` (null for an empty fold).
 */
function foldJob(data: CvData, folds: readonly number[], f: number, seed: number): (Omit<FoldJob, 'offset'> & { tr: number[] }) | null {
  const tr = folds.flatMap((g, i) => (g !== f ? [i] : []));
  const va = folds.flatMap((g, i) => (g === f ? [i] : []));
  if (va.length === 0) return null;
  const inner = groupedFolds(tr.map((i) => data.rows[i]), 5, seed + 1);
  const pre = fitPreprocessor(tr.map((i) => data.X[i]), true);
  const states = new Array<number[]>(data.rows.length);
  const scaled = transform([...tr, ...va].map((i) => data.X[i]), pre);
  [...tr, ...va].forEach((i, k) => { states[i] = scaled[k]; });
  return { tr, fit: tr.filter((_, k) => inner[k] !== 0), stop: tr.filter((_, k) => inner[k] === 0), va, states };
}

/** Metrics rows (with ΔMAE paired against `prior`) and seed-mean predictions of every model. */
function scoreModels(data: CvData, byModel: ReadonlyMap<string, number[][]>, prior: string, nBoot: number): { rows: GnnCvRow[]; predictions: Record<string, number[]> } {
  const truth = data.targets.map(scoreValue);
  const all = truth.map(() => true), exact = data.targets.map((t) => !t.censored);
  const refErr = absErrors(truth, byModel.get(prior)!);
  const mean = (ps: number[][]): number[] => ps[0].map((_, i) => ps.reduce((a, p) => a + p[i], 0) / ps.length);
  const rows = [...byModel].map(([model, preds]) => ({
    model, all: summarize(truth, preds, all, nBoot), exact: summarize(truth, preds, exact, nBoot), deltaMae: pairedDelta(absErrors(truth, preds), refErr, nBoot),
  }));
  return { rows, predictions: Object.fromEntries([...byModel].map(([m, ps]) => [m, mean(ps)])) };
}

/** Default CIF folder under an OBELiX directory. */
export function cifDirOf(obelixDir: string): string {
  return join(obelixDir, 'cifs');
}
