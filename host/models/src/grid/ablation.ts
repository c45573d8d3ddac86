/**
 * The graph ablations of the ETT protocol table (issue 16): for each protocol setting the shipped
 * GNN (correlation adjacency), the same GNN with no edges (identity adjacency: every node sees only
 * itself in A.H; the attention pooling over nodes stays) and the ridge skip alone (the linear map
 * the GNN's skip starts from, with no graph part: S and M the setting's own ridge map, MS the ridge
 * map of the OT window). Plus look-back rows: the GNN and the ridge at longer input lengths.
 *
 * Every trained row uses the protocol's budget and selection (validation only); the goal cells run
 * several seeds, reported per seed and as mean and sample standard deviation. Float metrics: the
 * ablation compares model structures, not quantization (the int8 gap is in the protocol rows).
 */
import { configLabel, type GridConfig } from './config.ts';
import type { EttData, Splits } from './data.ts';
import { fitLinear } from './linear.ts';
import type { ErrorMetrics } from './metrics.ts';
import { disposeParams, importWeights } from './model.ts';
import { datasetFrom, evalWindows, fitGrid, type FitResult, type GridDataset, type ResolvedOptions, type SplitMetrics } from './train.ts';
import type { Matrix } from './graph.ts';
import { fitAdaptive } from './adaptive.ts';
import type { MixingReport } from './mixing.ts';

/** Structures compared: the shipped GNN, the GNN without edges, the GNN with a learned adjacency. */
export type Variant = 'gnn' | 'noEdges' | 'adaptive';

/** One structure trained with several seeds (float, normalized units). */
export interface SeedRuns {
  seeds: number[];
  /** Per seed, in `seeds` order (`adjacency`: the learned one, adaptive runs only). */
  runs: { val: ErrorMetrics; test: ErrorMetrics; bestEpoch: number; epochsRun: number; adjacency?: Matrix }[];
  /** Mean and sample standard deviation (0 for one seed) of the MSE over the seeds. */
  mse: { val: Stat; test: Stat };
}

/** Mean and sample standard deviation. */
export interface Stat {
  mean: number;
  sd: number;
}

/** One protocol setting's ablation. */
export interface AblationCell {
  label: string;
  config: GridConfig;
  gnn: SeedRuns;
  /**
   * The GNN with identity adjacency. For S (one node, OT) the correlation adjacency already is the
   * 1x1 identity, so the two are the same model and `noEdges` repeats `gnn` (`sameAsGnn`).
   */
  noEdges: SeedRuns & { sameAsGnn: boolean };
  /**
   * The GNN with a learned adjacency (adaptive.ts); absent for S (one node: softmax of a 1x1 is 1,
   * the same model) and when the run skipped it.
   */
  adaptive?: SeedRuns;
  /** The skip alone: ridge fit, alpha chosen on validation (deterministic, no seed). */
  ridge: SplitMetrics;
}

/** One look-back row: the GNN and the ridge at input length `config.window`. */
export interface LookbackRow {
  label: string;
  config: GridConfig;
  gnn: SeedRuns;
  ridge: SplitMetrics;
}

/** The ablation report stored in the protocol report (`ablation`). */
export interface AblationReport {
  how: string;
  cells: AblationCell[];
  lookback: LookbackRow[];
  /** Channel mixing after a channel-independent linear trunk (mixing.ts); absent in older reports. */
  mixing?: MixingReport;
  /** Wall seconds of this call (runs reused from the protocol or a cache are not counted). */
  seconds: number;
}

/** Mean and sample standard deviation of `xs`. Never throws (NaN for an empty list). */
export function stat(xs: readonly number[]): Stat {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** Builds {@link SeedRuns} from per-seed runs. */
export function seedRuns(seeds: readonly number[], runs: SeedRuns['runs']): SeedRuns {
  return {
    seeds: [...seeds], runs,
    mse: { val: stat(runs.map((r) => r.val.mse)), test: stat(runs.map((r) => r.test.mse)) },
  };
}

/** The n x n identity: the adjacency of a graph with no edges (self loops only). */
export function identityAdjacency(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** `ds` with the graph's edges removed (identity adjacency); everything else shared. */
export function withoutEdges(ds: GridDataset): GridDataset {
  return { ...ds, adjacency: identityAdjacency(ds.adjacency.length) };
}

/** The ridge skip alone for a dataset's setting (S/M: the setting's own map; MS: the OT-window map). */
export function ridgeAlone(ds: GridDataset): SplitMetrics {
  const lay = ds.layout;
  const r = fitLinear(ds.z, ds.starts, lay.cfg.setting === 'M' ? 'M' : 'S', undefined, { window: lay.cfg.window, horizon: lay.cfg.horizon, cols: lay.cols });
  return { val: r.val, test: r.test };
}

/** Float val/test errors of a fit's best weights on `ds`. */
export function scoreFit(ds: GridDataset, fit: FitResult): SplitMetrics {
  const p = importWeights(fit.weights, ds.layout);
  try {
    return { val: evalWindows(p, ds.adjacency, ds.z, ds.starts.val, 512, ds.layout), test: evalWindows(p, ds.adjacency, ds.z, ds.starts.test, 512, ds.layout) };
  } finally {
    disposeParams(p);
  }
}

/** One trained run as stored per seed. */
export type Run = SeedRuns['runs'][number];

/** Options of {@link runAblation}. */
export interface AblationOptions {
  raw: EttData;
  /** The protocol's budget (epoch cap applied) and base seed. */
  train: ResolvedOptions;
  /** Settings ablated (the protocol table's). */
  configs: readonly GridConfig[];
  /** Seeds of a setting (e.g. three for the goal cells, the protocol seed for the others). */
  seedsOf: (c: GridConfig) => readonly number[];
  /** Look-back configurations (GNN and ridge rows). */
  lookback: readonly GridConfig[];
  /** Runs already made, keyed `${variant}:${label}:L${window}:s${seed}` (e.g. the protocol's own GNN rows). */
  reuse?: Record<string, Run>;
  /** Split of a configuration (default: the standard ETT split for its input length). */
  splitsOf?: (c: GridConfig) => Splits;
  /** Train the learned-adjacency variant too (M and MS settings), with these seeds (default: the setting's; none: skipped). */
  adaptive?: boolean;
  adaptiveSeedsOf?: (c: GridConfig) => readonly number[];
  /** Called before each training run. */
  onStage?: (what: string) => void;
  /** Called after each new run (e.g. to save progress). */
  onRun?: (key: string, run: Run) => void;
}

/** The key of one run in {@link AblationOptions.reuse}. */
export function runKey(variant: Variant, c: GridConfig, seed: number): string {
  return `${variant}:${configLabel(c)}:L${c.window}:s${seed}`;
}

/** Trains (or reuses) one variant of a setting for each seed. */
async function runSeeds(ds: GridDataset, variant: Variant, seeds: readonly number[], o: AblationOptions): Promise<SeedRuns> {
  const runs: Run[] = [];
  const use = variant === 'noEdges' ? withoutEdges(ds) : ds;
  for (const seed of seeds) {
    const key = runKey(variant, ds.layout.cfg, seed);
    const old = o.reuse?.[key];
    if (old) {
      runs.push(old);
      continue;
    }
    o.onStage?.(key);
    let run: Run;
    if (variant === 'adaptive') {
      const fit = await fitAdaptive(ds, { ...o.train, seed });
      const round = fit.adjacency.map((r) => r.map((v) => Number(v.toFixed(4))));
      run = { ...scoreFit({ ...ds, adjacency: fit.adjacency }, fit), bestEpoch: fit.bestEpoch, epochsRun: fit.epochsRun, adjacency: round };
    } else {
      const fit = await fitGrid(use, { ...o.train, seed });
      run = { ...scoreFit(use, fit), bestEpoch: fit.bestEpoch, epochsRun: fit.epochsRun };
    }
    o.onRun?.(key, run);
    runs.push(run);
  }
  return seedRuns(seeds, runs);
}

/**
 * Runs the ablation cells and the look-back rows (see the file comment). Seeded: the same options
 * give the same numbers.
 *
 * @throws InputError for a configuration the data cannot hold (as datasetFrom).
 */
export async function runAblation(o: AblationOptions): Promise<AblationReport> {
  const t0 = performance.now();
  const cells: AblationCell[] = [];
  for (const c of o.configs) {
    const ds = datasetFrom(o.raw, o.splitsOf?.(c), c);
    const seeds = o.seedsOf(c);
    const gnn = await runSeeds(ds, 'gnn', seeds, o);
    const single = ds.adjacency.length === 1;
    const noEdges = single ? { ...gnn, sameAsGnn: true } : { ...(await runSeeds(ds, 'noEdges', seeds, o)), sameAsGnn: false };
    const aSeeds = o.adaptive && !single ? (o.adaptiveSeedsOf?.(c) ?? seeds) : [];
    const adaptive = aSeeds.length > 0 ? await runSeeds(ds, 'adaptive', aSeeds, o) : undefined;
    cells.push({ label: configLabel(c), config: { ...c }, gnn, noEdges, ...(adaptive ? { adaptive } : {}), ridge: ridgeAlone(ds) });
  }
  const lookback: LookbackRow[] = [];
  for (const c of o.lookback) {
    const ds = datasetFrom(o.raw, o.splitsOf?.(c), c);
    lookback.push({ label: `${configLabel(c)} L${c.window}`, config: { ...c }, gnn: await runSeeds(ds, 'gnn', [o.train.seed], o), ridge: ridgeAlone(ds) });
  }
  return {
    how: 'float models, same budget and validation-only selection as the protocol rows; gnn = the shipped structure (correlation adjacency); noEdges = the same with identity adjacency (A.H = H; attention pooling over nodes kept); adaptive = the same with a learned adjacency softmax(relu(E1 E2^T)), node embeddings of width 4 (Graph WaveNet/MTGNN style; a constant matrix after training); ridge = the linear skip alone (its ridge fit, alpha chosen on validation); mean and sample standard deviation of MSE over the seeds listed',
    cells, lookback, seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
