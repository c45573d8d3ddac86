/**
 * Training of the float grid model in TensorFlow.js (WASM backend): seeded Adam on MSE of the
 * normalized OT forecast, early stopping on validation MSE, weights saved as JSON.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import {
  checkSplits, DEFAULT_ETT_CSV, loadEtt, REPO_ROOT, normalization, normalizeRows, STANDARD_SPLITS, windowStarts,
  type EttData, type Normalization, type Splits,
} from './data.ts';
import { gridAdjacency, type Matrix } from './graph.ts';
import { baselines, ErrorAccumulator, mulberry32, shuffled, type BaselineMetrics, type ErrorMetrics } from './metrics.ts';
import {
  disposeParams, exportWeights, forward, importWeights, initBackend, initParams, type GridParams, type GridWeights,
} from './model.ts';
import { gatherWindows } from './window.ts';
import { denseWeights, fitLinear } from './linear.ts';

/** File name of the float model inside an output directory. */
export const FLOAT_MODEL_FILE = 'grid.float.json';

/** Progress of one finished epoch. */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  /** Mean training loss (MSE) of the epoch. */
  loss: number;
  valMse: number;
  valMae: number;
  /** Best validation MSE so far. */
  bestValMse: number;
}

/** Options of {@link trainGrid}. */
export interface TrainOptions {
  /** ETT-layout CSV (default: ETTh1 in ../shared/data). */
  dataCsv?: string;
  /** Where grid.float.json goes (created if needed). */
  outDir: string;
  /** Maximum epochs (default 40). */
  epochs?: number;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Adam learning rate (default 1e-4). */
  learningRate?: number;
  /** Seed of weight init and window shuffling (default 1). */
  seed?: number;
  /** Training windows drawn per epoch (default: all 8521). */
  maxWindowsPerEpoch?: number;
  /** Stop after this many epochs without a better validation MSE (default 8). */
  patience?: number;
  /** Called after every epoch. */
  onEpoch?: (p: EpochProgress) => void;
}

/** Val/test errors of a forecaster (normalized units, OT, all 24 steps). */
export interface SplitMetrics {
  val: ErrorMetrics;
  test: ErrorMetrics;
}

/** Saved float model (grid.float.json). */
export interface FloatModelFile {
  format: 'dendra-grid-float';
  version: 1;
  /** The training CSV, relative to the repository root (portable across checkouts). */
  dataCsv: string;
  splits: Splits;
  seed: number;
  budget: { epochs: number; epochsRun: number; bestEpoch: number; batchSize: number; learningRate: number; maxWindowsPerEpoch: number; patience: number; trainSeconds: number };
  norm: Normalization;
  adjacency: Matrix;
  weights: GridWeights;
  metrics: SplitMetrics;
  baselines: { val: BaselineMetrics; test: BaselineMetrics };
}

/** Result of {@link trainGrid}. */
export interface TrainResult {
  metrics: SplitMetrics;
  baselines: { val: BaselineMetrics; test: BaselineMetrics };
  epochs: number;
  bestEpoch: number;
  seconds: number;
  outDir: string;
  modelPath: string;
}

/** Data, normalization, graph and window sets shared by training, PTQ and the card. */
export interface GridDataset {
  data: EttData;
  splits: Splits;
  norm: Normalization;
  adjacency: Matrix;
  /** Normalized time-major rows (rows*7). */
  z: Float32Array;
  starts: { train: number[]; val: number[]; test: number[] };
}

/**
 * Loads the CSV and derives everything from its training split.
 *
 * @throws InputError (code `E_DATA`) for unreadable/malformed CSV or too few rows for the splits.
 */
export function loadDataset(dataCsv: string = DEFAULT_ETT_CSV, splits: Splits = STANDARD_SPLITS): GridDataset {
  const data = loadEtt(dataCsv);
  checkSplits(data, splits);
  const norm = normalization(data, splits.train);
  return {
    data, splits, norm,
    adjacency: gridAdjacency(data, splits.train),
    z: normalizeRows(data, norm),
    starts: { train: windowStarts(splits.train), val: windowStarts(splits.val), test: windowStarts(splits.test) },
  };
}

/**
 * Errors of the float model on the windows starting at `starts` (every window, last partial
 * batch included).
 */
export function evalWindows(p: GridParams, adjacency: Matrix, z: Float32Array, starts: readonly number[], batch = 512): ErrorMetrics {
  const acc = new ErrorAccumulator();
  const a = tf.tensor2d(adjacency);
  for (let i = 0; i < starts.length; i += batch) {
    const b = gatherWindows(z, starts.slice(i, i + batch));
    const pred = tf.tidy(() => forward(p, a, tf.tensor3d(b.x, [b.size, 7, 96])));
    acc.add(pred.dataSync(), b.y);
    pred.dispose();
  }
  a.dispose();
  return acc.result();
}

/** One epoch of Adam steps over `starts` (already shuffled); returns the mean batch loss. */
function runEpoch(p: GridParams, a: tf.Tensor2D, opt: tf.Optimizer, z: Float32Array, starts: number[], batchSize: number): number {
  let lossSum = 0;
  let n = 0;
  const vars = Object.values(p);
  for (let i = 0; i < starts.length; i += batchSize) {
    const b = gatherWindows(z, starts.slice(i, i + batchSize));
    const loss = tf.tidy((): tf.Scalar => {
      const x = tf.tensor3d(b.x, [b.size, 7, 96]);
      const y = tf.tensor2d(b.y, [b.size, 24]);
      const l = opt.minimize(() => tf.losses.meanSquaredError(y, forward(p, a, x)) as tf.Scalar, true, vars);
      if (!l) throw new Error('optimizer returned no loss');
      return l;
    });
    lossSum += loss.dataSync()[0] * b.size;
    n += b.size;
    loss.dispose();
  }
  return lossSum / n;
}

/** Fills defaults and validates numeric options. */
function resolveOptions(o: TrainOptions) {
  const r = {
    epochs: o.epochs ?? 40, batchSize: o.batchSize ?? 32, learningRate: o.learningRate ?? 1e-4,
    seed: o.seed ?? 1, maxWindowsPerEpoch: o.maxWindowsPerEpoch ?? Number.MAX_SAFE_INTEGER, patience: o.patience ?? 8,
  };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isFinite(v) || v <= 0 || (k !== 'learningRate' && !Number.isInteger(v))) {
      throw new InputError('E_USAGE', `train: option ${k} must be a positive ${k === 'learningRate' ? 'number' : 'integer'}, got ${v}`);
    }
  }
  return r;
}

/**
 * Trains the grid model and writes `<outDir>/grid.float.json` (weights of the best validation
 * epoch, normalization, adjacency, metrics, baselines). Seeded: same options, same weights.
 *
 * @throws InputError for bad data (see {@link loadDataset}) or non-positive options; a file
 *   system error if `outDir` cannot be written.
 */
export async function trainGrid(opts: TrainOptions): Promise<TrainResult> {
  const o = resolveOptions(opts);
  const t0 = performance.now();
  await initBackend();
  const ds = loadDataset(opts.dataCsv);
  const rand = mulberry32(o.seed);
  // The linear skip starts as the ridge fit on the OT window (alpha chosen on validation).
  const linearS = fitLinear(ds.z, ds.starts, 'S');
  const p = initParams(o.seed, denseWeights(linearS.model));
  const a = tf.tensor2d(ds.adjacency);
  const opt = tf.train.adam(o.learningRate);
  // Epoch 0 is the initial model (the linear skip alone): training must beat it on validation.
  let best = { mse: evalWindows(p, ds.adjacency, ds.z, ds.starts.val).mse, epoch: 0, weights: exportWeights(p) };
  let epoch = 0;
  try {
    while (epoch < o.epochs && epoch - best.epoch < o.patience) {
      epoch++;
      const starts = shuffled(ds.starts.train, rand).slice(0, o.maxWindowsPerEpoch);
      const loss = runEpoch(p, a, opt, ds.z, starts, o.batchSize);
      const val = evalWindows(p, ds.adjacency, ds.z, ds.starts.val);
      if (val.mse < best.mse) best = { mse: val.mse, epoch, weights: exportWeights(p) };
      opts.onEpoch?.({ epoch, epochs: o.epochs, loss, valMse: val.mse, valMae: val.mae, bestValMse: best.mse });
    }
  } finally {
    a.dispose();
    opt.dispose();
    disposeParams(p);
  }
  const seconds = (performance.now() - t0) / 1000;
  const linearMS = fitLinear(ds.z, ds.starts, 'MS');
  const linear = { val: { S: linearS.val, MS: linearMS.val }, test: { S: linearS.test, MS: linearMS.test } };
  return saveTrained(ds, opts, o, { epochsRun: epoch, bestEpoch: best.epoch, weights: best.weights, seconds, linear });
}

/** Scores the best weights, writes grid.float.json and builds the result. */
function saveTrained(
  ds: GridDataset, opts: TrainOptions, o: ReturnType<typeof resolveOptions>,
  run: {
    epochsRun: number; bestEpoch: number; weights: GridWeights; seconds: number;
    linear: Record<'val' | 'test', { S: ErrorMetrics; MS: ErrorMetrics }>;
  },
): TrainResult {
  const p = importWeights(run.weights);
  const metrics = {
    val: evalWindows(p, ds.adjacency, ds.z, ds.starts.val),
    test: evalWindows(p, ds.adjacency, ds.z, ds.starts.test),
  };
  disposeParams(p);
  const base = {
    val: { ...baselines(ds.z, ds.starts.val), linearS: run.linear.val.S, linearMS: run.linear.val.MS },
    test: { ...baselines(ds.z, ds.starts.test), linearS: run.linear.test.S, linearMS: run.linear.test.MS },
  };
  const file: FloatModelFile = {
    format: 'dendra-grid-float', version: 1, dataCsv: path.relative(REPO_ROOT, path.resolve(opts.dataCsv ?? DEFAULT_ETT_CSV)), splits: ds.splits, seed: o.seed,
    budget: {
      epochs: o.epochs, epochsRun: run.epochsRun, bestEpoch: run.bestEpoch, batchSize: o.batchSize, learningRate: o.learningRate,
      maxWindowsPerEpoch: Math.min(o.maxWindowsPerEpoch, ds.starts.train.length), patience: o.patience,
      trainSeconds: Math.round(run.seconds * 10) / 10,
    },
    norm: ds.norm, adjacency: ds.adjacency, weights: run.weights, metrics, baselines: base,
  };
  mkdirSync(opts.outDir, { recursive: true });
  const modelPath = path.join(opts.outDir, FLOAT_MODEL_FILE);
  writeFileSync(modelPath, JSON.stringify(file) + '\n');
  return {
    metrics, baselines: base, epochs: run.epochsRun, bestEpoch: run.bestEpoch, seconds: run.seconds,
    outDir: opts.outDir, modelPath,
  };
}

/**
 * Reads `<modelDir>/grid.float.json`.
 *
 * @throws InputError (code `E_MODEL`) when the file is missing, not JSON, or not a grid float model.
 */
export function loadFloatModel(modelDir: string): FloatModelFile {
  const file = path.join(modelDir, FLOAT_MODEL_FILE);
  let parsed: FloatModelFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as FloatModelFile;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new InputError('E_MODEL', `${file}: cannot read the float grid model (${why}); run "dendra train grid" first`, file);
  }
  if (parsed.format !== 'dendra-grid-float' || parsed.version !== 1 || !parsed.weights || !parsed.norm || !parsed.adjacency) {
    throw new InputError('E_MODEL', `${file}: not a dendra grid float model (format/version)`, file);
  }
  return parsed;
}
