/**
 * Channel mixing after a channel-independent linear trunk (issue 16, the third suggestion of
 * "what graph forecasters do to gain"). The trunk is the ridge map of grid/linear.ts applied to each
 * channel's own window (the channel-shared map of setting M, DLinear's default; in S and MS the OT
 * node uses the ridge map of the OT window, the other nodes the shared map). A mixing layer then
 * corrects the trunk's forecasts T [n, H] from each other, residually:
 *
 *   Y = T + (A . relu(T W1 + b1)) W2 + b2      (W1 [H, d], W2 [d, H]; W2 and b2 start at zero)
 *
 * so the untrained model is the trunk itself, and the epoch chosen on validation can be 0. A is the
 * shipped correlation graph (`graph`), the identity (`noEdges`: the same layer with no edges, each
 * channel corrected from its own trunk forecast only) or a free n x n matrix initialised at the
 * correlation graph and trained with the rest (`learned`). M forecasts all n rows; MS only the OT row.
 * In S there is one node and nothing to mix: S is the trunk alone.
 *
 * The trunk is fitted on the training windows (alpha on validation); the mixing layer is trained with
 * seeded Adam on the training windows, the epoch chosen on validation MSE only; test is only scored.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { fitLinear, type LinearModel } from './linear.ts';
import { ErrorAccumulator, type ErrorMetrics } from './metrics.ts';
import { datasetFrom, type GridDataset, type SplitMetrics } from './train.ts';
import { identityAdjacency, seedRuns, type SeedRuns } from './ablation.ts';
import { configLabel, type GridConfig } from './config.ts';
import type { EttData } from './data.ts';
import type { Matrix } from './graph.ts';

/** Mixing structures compared (see the file comment). */
export type MixVariant = 'graph' | 'noEdges' | 'learned';

/** Width of the mixing layer's hidden features. */
export const MIX_HIDDEN = 32;

/** Training budget of the mixing layer (fixed before any run; never tuned on test). */
export interface MixOptions {
  seed: number;
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
}

/** The budget every mixing run uses: at most 20 epochs, patience 5, batch 64, Adam 1e-3. */
export const MIX_BUDGET: Readonly<Omit<MixOptions, 'seed'>> = Object.freeze({ epochs: 20, patience: 5, batchSize: 64, learningRate: 1e-3 });

/** Trunk forecasts and targets of one split: T [N, n, H] and Y [N, outputs, H], relative to each window's last value. */
export interface TrunkSplit {
  count: number;
  t: Float32Array;
  y: Float32Array;
}

/** The fitted trunk of a dataset and its forecasts on every split. */
export interface Trunk {
  /** Ridge map of the OT window (S/MS) and the channel-shared map (all other nodes; every node in M). */
  ot: LinearModel;
  shared: LinearModel;
  train: TrunkSplit;
  val: TrunkSplit;
  test: TrunkSplit;
  /** The trunk alone, scored like every variant. */
  metrics: SplitMetrics;
}

/** Forecasts of a linear map of one channel's window starting at row `s`, into out [H]. */
function forecastOne(m: LinearModel, z: Float32Array, s: number, c: number, cols: number, out: Float32Array): void {
  const L = m.shape.window;
  const H = m.shape.horizon;
  const last = z[(s + L - 1) * cols + c];
  for (let h = 0; h < H; h++) out[h] = m.weights[L * H + h];
  for (let t = 0; t < L; t++) {
    const v = z[(s + t) * cols + c] - last;
    if (v === 0) continue;
    for (let h = 0; h < H; h++) out[h] += v * m.weights[t * H + h];
  }
}

/** Trunk forecasts and relative targets of the windows starting at `starts`. */
function trunkSplit(ds: GridDataset, ot: LinearModel, shared: LinearModel, starts: readonly number[]): TrunkSplit {
  const { inputs, outputs, cols, targetNode } = ds.layout;
  const { window: L, horizon: H } = ds.layout.cfg;
  const n = inputs.length;
  const t = new Float32Array(starts.length * n * H);
  const y = new Float32Array(starts.length * outputs.length * H);
  starts.forEach((s, k) => {
    inputs.forEach((c, i) => forecastOne(i === targetNode && ds.layout.cfg.setting !== 'M' ? ot : shared, ds.z, s, c, cols, t.subarray((k * n + i) * H, (k * n + i + 1) * H)));
    outputs.forEach((c, o) => {
      const last = ds.z[(s + L - 1) * cols + c];
      for (let h = 0; h < H; h++) y[(k * outputs.length + o) * H + h] = ds.z[(s + L + h) * cols + c] - last;
    });
  });
  return { count: starts.length, t, y };
}

/** Rows of T that are forecast (M: all; S/MS: the OT node). */
function outputRows(ds: GridDataset): number[] {
  return ds.layout.cfg.setting === 'M' ? ds.layout.inputs.map((_, i) => i) : [ds.layout.targetNode];
}

/** MSE/MAE of the trunk forecasts themselves on one split. */
function trunkError(ds: GridDataset, sp: TrunkSplit): ErrorMetrics {
  const n = ds.layout.inputs.length;
  const H = ds.layout.cfg.horizon;
  const rows = outputRows(ds);
  const acc = new ErrorAccumulator(rows.length * H);
  const p = new Float32Array(rows.length * H);
  for (let k = 0; k < sp.count; k++) {
    rows.forEach((r, o) => p.set(sp.t.subarray((k * n + r) * H, (k * n + r + 1) * H), o * H));
    acc.add(p, sp.y.subarray(k * rows.length * H, (k + 1) * rows.length * H));
  }
  return acc.result();
}

/**
 * Fits the trunk on the training windows (ridge alpha chosen on validation) and computes its
 * forecasts on every split.
 *
 * @throws InputError when a split has no windows (as fitLinear).
 */
export function fitTrunk(ds: GridDataset): Trunk {
  const shape = { window: ds.layout.cfg.window, horizon: ds.layout.cfg.horizon, cols: ds.layout.cols };
  const shared = fitLinear(ds.z, ds.starts, 'M', undefined, shape).model;
  const ot = ds.layout.cfg.setting === 'M' ? shared : fitLinear(ds.z, ds.starts, 'S', undefined, shape).model;
  const [train, val, test] = (['train', 'val', 'test'] as const).map((k) => trunkSplit(ds, ot, shared, ds.starts[k]));
  return { ot, shared, train, val, test, metrics: { val: trunkError(ds, val), test: trunkError(ds, test) } };
}

/** Mixing parameters. */
interface MixParams {
  W1: tf.Variable;
  b1: tf.Variable;
  W2: tf.Variable;
  b2: tf.Variable;
  A: tf.Variable;
}

/** Y [B, rows, H] of the mixing model for trunk forecasts T [B, n, H] (rows: all n, or one). */
function mixForward(p: MixParams, t: tf.Tensor3D, rows: number[]): tf.Tensor3D {
  const [b, n, H] = t.shape;
  const h = tf.relu(tf.add(tf.matMul(t.reshape([b * n, H]), p.W1), p.b1)).reshape([b, n, MIX_HIDDEN]);
  const m = tf.matMul(p.A, h.transpose([1, 0, 2]).reshape([n, b * MIX_HIDDEN])).reshape([n, b, MIX_HIDDEN]).transpose([1, 0, 2]);
  const y = tf.add(t, tf.add(tf.matMul(m.reshape([b * n, MIX_HIDDEN]), p.W2), p.b2).reshape([b, n, H])) as tf.Tensor3D;
  // S/MS forecast one row (OT); a slice, since the wasm backend has no gradient kernel for gather
  return rows.length === n ? y : tf.slice3d(y, [0, rows[0], 0], [b, 1, H]);
}

/** The batch of windows `idx` of a split as tensors. */
function batchOf(sp: TrunkSplit, idx: readonly number[], n: number, outs: number, H: number): { t: tf.Tensor3D; y: tf.Tensor3D } {
  const t = new Float32Array(idx.length * n * H);
  const y = new Float32Array(idx.length * outs * H);
  idx.forEach((w, k) => {
    t.set(sp.t.subarray(w * n * H, (w + 1) * n * H), k * n * H);
    y.set(sp.y.subarray(w * outs * H, (w + 1) * outs * H), k * outs * H);
  });
  return { t: tf.tensor3d(t, [idx.length, n, H]), y: tf.tensor3d(y, [idx.length, outs, H]) };
}

/** Errors of the mixing model on a split (every window). */
function mixError(p: MixParams, sp: TrunkSplit, rows: number[], n: number, H: number): ErrorMetrics {
  const acc = new ErrorAccumulator(rows.length * H);
  const all = Array.from({ length: sp.count }, (_, i) => i);
  for (let i = 0; i < sp.count; i += 512) {
    const idx = all.slice(i, i + 512);
    const b = batchOf(sp, idx, n, rows.length, H);
    const pred = tf.tidy(() => mixForward(p, b.t, rows));
    acc.add(pred.dataSync(), b.y.dataSync());
    tf.dispose([pred, b.t, b.y]);
  }
  return acc.result();
}

/** One seeded mixing run: val/test of the epoch chosen on validation, and that epoch. */
export interface MixRun {
  val: ErrorMetrics;
  test: ErrorMetrics;
  bestEpoch: number;
  epochsRun: number;
}

/** The adjacency a variant starts from. */
function adjacencyOf(ds: GridDataset, v: MixVariant): Matrix {
  return v === 'noEdges' ? identityAdjacency(ds.adjacency.length) : ds.adjacency;
}

/**
 * Trains the mixing layer of `variant` on the trunk's training forecasts and returns the errors of
 * the epoch with the lowest validation MSE (epoch 0 = the trunk itself). Seeded: the same seed gives
 * the same run.
 *
 * @throws Error when the dataset has a single node (S: nothing to mix).
 */
export async function fitMixing(ds: GridDataset, trunk: Trunk, variant: MixVariant, o: MixOptions): Promise<MixRun> {
  await initBackend();
  const n = ds.layout.inputs.length;
  if (n < 2) throw new Error('mixing: one node (setting S) has nothing to mix');
  const H = ds.layout.cfg.horizon;
  const rows = outputRows(ds);
  const limit = Math.sqrt(6 / (H + MIX_HIDDEN));
  const p: MixParams = {
    W1: tf.variable(tf.randomUniform([H, MIX_HIDDEN], -limit, limit, 'float32', o.seed * 104729 + 17)),
    b1: tf.variable(tf.zeros([MIX_HIDDEN])),
    W2: tf.variable(tf.zeros([MIX_HIDDEN, H])),
    b2: tf.variable(tf.zeros([H])),
    A: tf.variable(tf.tensor2d(adjacencyOf(ds, variant)), variant === 'learned'),
  };
  const vars = variant === 'learned' ? Object.values(p) : [p.W1, p.b1, p.W2, p.b2];
  const opt = tf.train.adam(o.learningRate);
  const rand = mulberry32(o.seed);
  const order = Array.from({ length: trunk.train.count }, (_, i) => i);
  // test is scored only for a new best validation epoch (the one reported), never used to choose
  let best = { val: mixError(p, trunk.val, rows, n, H), test: trunk.metrics.test, epoch: 0 };
  let epoch = 0;
  try {
    while (epoch < o.epochs && epoch - best.epoch < o.patience) {
      epoch++;
      const idx = shuffled(order, rand);
      for (let i = 0; i < idx.length; i += o.batchSize) {
        const b = batchOf(trunk.train, idx.slice(i, i + o.batchSize), n, rows.length, H);
        tf.tidy(() => {
          opt.minimize(() => tf.losses.meanSquaredError(b.y, mixForward(p, b.t, rows)) as tf.Scalar, false, vars);
        });
        tf.dispose([b.t, b.y]);
      }
      const val = mixError(p, trunk.val, rows, n, H);
      if (val.mse < best.val.mse) best = { val, test: mixError(p, trunk.test, rows, n, H), epoch };
    }
  } finally {
    opt.dispose();
    Object.values(p).forEach((v) => v.dispose());
  }
  return { val: best.val, test: best.test, bestEpoch: best.epoch, epochsRun: epoch };
}

/** One look-back cell of the mixing study: the trunk alone and each mixing variant over the seeds. */
export interface MixingCell {
  /** e.g. "M-96 L336". */
  label: string;
  config: GridConfig;
  /** The trunk alone (deterministic) and its ridge strengths. */
  trunk: SplitMetrics & { alpha: { ot: number; shared: number } };
  /** Per variant, the seeded runs (absent in S: one node, nothing to mix). */
  variants: Partial<Record<MixVariant, SeedRuns>>;
}

/** The board's task at a longer look-back in the board's int8 structure (scripts/grid-board-l336.ts). */
export interface BoardLookback {
  window: number;
  seed: number;
  /** Epoch the GNN at this look-back keeps on validation (0: the ridge trunk itself). */
  gnnBestEpoch: number;
  /** Test MSE of the kept model, float and int8 (every test window). */
  float: number;
  int8: number;
  bytes: number;
  arenaBytes: number;
  macs: number;
  /** The L 96 board model's int8 test MSE (the protocol's MS-24 row), the comparison. */
  shippedInt8: number;
  /** Whether and how it ships on the board (a plain statement printed in the card). */
  shipping: string;
}

/** The mixing study stored in the ablation report (`mixing`). */
export interface MixingReport {
  how: string;
  budget: Omit<MixOptions, 'seed'> & { hidden: number };
  cells: MixingCell[];
  seconds: number;
  /** The board's task (MS-24) at L 336 as the board would run it; absent until measured. */
  board?: BoardLookback;
}

/** Options of {@link runMixing}. */
export interface MixingOptions {
  raw: EttData;
  configs: readonly GridConfig[];
  seeds: readonly number[];
  variants: readonly MixVariant[];
  /** Runs already made, keyed {@link mixKey}. */
  reuse?: Record<string, MixRun>;
  onStage?: (what: string) => void;
  onRun?: (key: string, run: MixRun) => void;
}

/** The key of one mixing run. */
export function mixKey(v: MixVariant, c: GridConfig, seed: number): string {
  return `mix-${v}:${configLabel(c)}:L${c.window}:s${seed}`;
}

/**
 * Runs the mixing study: for each configuration the trunk, then each variant with each seed (runs
 * in `reuse` are not trained again). Seeded: the same options give the same numbers.
 *
 * @throws InputError for a configuration the data cannot hold (as datasetFrom).
 */
export async function runMixing(o: MixingOptions): Promise<MixingReport> {
  const t0 = performance.now();
  const cells: MixingCell[] = [];
  for (const c of o.configs) {
    o.onStage?.(`trunk ${configLabel(c)} L${c.window}`);
    const ds = datasetFrom(o.raw, undefined, c);
    const trunk = fitTrunk(ds);
    const variants: MixingCell['variants'] = {};
    for (const v of ds.layout.inputs.length > 1 ? o.variants : []) {
      const runs: MixRun[] = [];
      for (const seed of o.seeds) {
        const key = mixKey(v, c, seed);
        let run = o.reuse?.[key];
        if (!run) {
          o.onStage?.(key);
          run = await fitMixing(ds, trunk, v, { ...MIX_BUDGET, seed });
          o.onRun?.(key, run);
        }
        runs.push(run);
      }
      variants[v] = seedRuns(o.seeds, runs);
    }
    cells.push({
      label: `${configLabel(c)} L${c.window}`, config: { ...c },
      trunk: { ...trunk.metrics, alpha: { ot: trunk.ot.alpha, shared: trunk.shared.alpha } }, variants,
    });
  }
  return {
    how: `trunk = ridge map of each channel's own window (channel-shared map; S/MS: the OT node uses the OT-window map), fitted on train, alpha on validation; mixing = Y = T + (A.relu(T W1 + b1)) W2 + b2 on the trunk forecasts T [n, H], W2 and b2 zero at the start (epoch 0 = the trunk); graph: A = the correlation graph; noEdges: A = identity (each channel corrected from its own trunk forecast only); learned: A trained, initialised at the correlation graph; seeded Adam on train, epoch chosen on validation MSE only; float test MSE over every test window; S has one node: nothing to mix`,
    budget: { ...MIX_BUDGET, hidden: MIX_HIDDEN }, cells, seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
