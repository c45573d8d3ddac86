/**
 * Training of the float grid model in TensorFlow.js (WASM backend): seeded Adam on MSE of the
 * normalized forecast, early stopping on validation MSE, weights saved as JSON. Input length,
 * horizon, setting and the thermal node come from a {@link GridConfig} (default: the board's).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { checkSplits, loadEtt, normalization, normalizeRows, standardSplits, windowStarts, type EttData, type Normalization, type Splits } from './data.ts';
import { BOARD_CONFIG, BOARD_LAYOUT, layout, type GridConfig, type Layout } from './config.ts';
import { gridAdjacency, type Matrix } from './graph.ts';
import { baselines, ErrorAccumulator, type BaselineMetrics, type ErrorMetrics } from './metrics.ts';
import {
  disposeParams, exportWeights, forward, importWeights, initParams, type GridParams, type GridWeights,
} from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { gatherWindows } from './window.ts';
import { denseWeights, fitLinear, type LinearResult } from './linear.ts';
import { withThermal } from './thermal.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { DEFAULT_ETT, REPO_ROOT } from '@dendra/core/paths.ts';

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
  /** Input length, horizon, setting, thermal node (default: BOARD_CONFIG). */
  config?: GridConfig;
  /** Called after every epoch. */
  onEpoch?: (p: EpochProgress) => void;
}

/** Val/test errors of a forecaster (normalized units, every forecast channel and step). */
export interface SplitMetrics {
  val: ErrorMetrics;
  test: ErrorMetrics;
}

/** Saved float model (grid.float.json). */
export interface FloatModelFile {
  format: 'dendra-grid-float';
  version: 1;
  /** The model's configuration (absent in files written before it existed: BOARD_CONFIG). */
  config?: GridConfig;
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
  /** The trained weights and skip fit (for reuse by the protocol runs; not printed by the CLI). */
  fit?: FitResult;
}

/** Data, normalization, graph and window sets shared by training, PTQ and the card. */
export interface GridDataset {
  data: EttData;
  splits: Splits;
  norm: Normalization;
  adjacency: Matrix;
  layout: Layout;
  /** Normalized time-major rows (rows * layout.cols). */
  z: Float32Array;
  starts: { train: number[]; val: number[]; test: number[] };
}

/**
 * Loads the CSV and derives everything from its training split for one configuration (default
 * the board's): the thermal column when asked for, normalization, the graph over the input nodes,
 * and every window of each split.
 *
 * @throws InputError (code `E_DATA`) for unreadable/malformed CSV or too few rows for the splits;
 *   (code `E_USAGE`) for an invalid configuration.
 */
export function loadDataset(dataCsv: string = DEFAULT_ETT, splits?: Splits, config: GridConfig = BOARD_CONFIG): GridDataset {
  return datasetFrom(loadEtt(dataCsv), splits, config);
}

/** {@link loadDataset} on already parsed rows (the protocol runs parse the CSV once). */
export function datasetFrom(raw: EttData, splits: Splits | undefined, config: GridConfig): GridDataset {
  const lay = layout(config);
  const sp = splits ?? standardSplits(config.window);
  const { window: L, horizon: H } = config;
  checkSplits(raw, sp, L, H);
  const data = config.thermal ? withThermal(raw, sp.train) : raw;
  const norm = normalization(data, sp.train);
  return {
    data, splits: sp, norm, layout: lay,
    adjacency: gridAdjacency(data, sp.train, lay.inputs),
    z: normalizeRows(data, norm),
    starts: { train: windowStarts(sp.train, L, H), val: windowStarts(sp.val, L, H), test: windowStarts(sp.test, L, H) },
  };
}

/**
 * Errors of the float model on the windows starting at `starts` (every window, last partial
 * batch included).
 */
export function evalWindows(p: GridParams, adjacency: Matrix, z: Float32Array, starts: readonly number[], batch = 512, lay: Layout = BOARD_LAYOUT): ErrorMetrics {
  const acc = new ErrorAccumulator(lay.perWindow);
  const a = tf.tensor2d(adjacency);
  for (let i = 0; i < starts.length; i += batch) {
    const b = gatherWindows(z, starts.slice(i, i + batch), lay);
    const pred = tf.tidy(() => forward(p, a, tf.tensor3d(b.x, [b.size, lay.inputs.length, lay.cfg.window]), lay));
    acc.add(pred.dataSync(), b.y);
    pred.dispose();
  }
  a.dispose();
  return acc.result();
}

/** One epoch of Adam steps over `starts` (already shuffled); returns the mean batch loss. */
function runEpoch(p: GridParams, a: tf.Tensor2D, opt: tf.Optimizer, z: Float32Array, starts: number[], batchSize: number, lay: Layout): number {
  let lossSum = 0;
  let n = 0;
  const vars = Object.values(p);
  for (let i = 0; i < starts.length; i += batchSize) {
    const b = gatherWindows(z, starts.slice(i, i + batchSize), lay);
    const loss = tf.tidy((): tf.Scalar => {
      const x = tf.tensor3d(b.x, [b.size, lay.inputs.length, lay.cfg.window]);
      const y = tf.tensor2d(b.y, [b.size, lay.perWindow]);
      const l = opt.minimize(() => tf.losses.meanSquaredError(y, forward(p, a, x, lay)) as tf.Scalar, true, vars);
      if (!l) throw new Error('optimizer returned no loss');
      return l;
    });
    lossSum += loss.dataSync()[0] * b.size;
    n += b.size;
    loss.dispose();
  }
  return lossSum / n;
}

/** Training options with defaults filled in. */
export type ResolvedOptions = ReturnType<typeof resolveOptions>;

/**
 * Fills defaults and validates numeric options.
 *
 * @throws InputError (code `E_USAGE`) for a non-positive or non-integer option.
 */
export function resolveOptions(o: Omit<TrainOptions, 'outDir'>) {
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

/** Outcome of {@link fitGrid}: the best-validation weights and the ridge fit the skip started from. */
export interface FitResult {
  weights: GridWeights;
  epochsRun: number;
  bestEpoch: number;
  seconds: number;
  /** Ridge fit of the skip's initialisation (S map for S/MS, channel-shared map for M). */
  skip: LinearResult;
}

/**
 * Trains one model on a loaded dataset (no files): the linear skip starts as the ridge fit (alpha
 * chosen on validation), epoch 0 is that initial model, Adam epochs follow with early stopping on
 * validation MSE; the weights of the best validation epoch are returned. Test windows are never
 * used. Seeded: same options, same weights.
 */
export async function fitGrid(ds: GridDataset, o: ResolvedOptions, onEpoch?: (p: EpochProgress) => void): Promise<FitResult> {
  const t0 = performance.now();
  await initBackend();
  const lay = ds.layout;
  const rand = mulberry32(o.seed);
  const shape = { window: lay.cfg.window, horizon: lay.cfg.horizon, cols: lay.cols };
  const skip = fitLinear(ds.z, ds.starts, lay.cfg.setting === 'M' ? 'M' : 'S', undefined, shape);
  const p = initParams(o.seed, denseWeights(skip.model), lay);
  const a = tf.tensor2d(ds.adjacency);
  const opt = tf.train.adam(o.learningRate);
  let best = { mse: evalWindows(p, ds.adjacency, ds.z, ds.starts.val, 512, lay).mse, epoch: 0, weights: exportWeights(p) };
  let epoch = 0;
  try {
    while (epoch < o.epochs && epoch - best.epoch < o.patience) {
      epoch++;
      const starts = shuffled(ds.starts.train, rand).slice(0, o.maxWindowsPerEpoch);
      const loss = runEpoch(p, a, opt, ds.z, starts, o.batchSize, lay);
      const val = evalWindows(p, ds.adjacency, ds.z, ds.starts.val, 512, lay);
      if (val.mse < best.mse) best = { mse: val.mse, epoch, weights: exportWeights(p) };
      onEpoch?.({ epoch, epochs: o.epochs, loss, valMse: val.mse, valMae: val.mae, bestValMse: best.mse });
    }
  } finally {
    a.dispose();
    opt.dispose();
    disposeParams(p);
  }
  return { weights: best.weights, epochsRun: epoch, bestEpoch: best.epoch, seconds: (performance.now() - t0) / 1000, skip };
}

/**
 * Trains the grid model and writes `<outDir>/grid.float.json` (weights of the best validation
 * epoch, configuration, normalization, adjacency, metrics, baselines). Seeded: same options, same
 * weights.
 *
 * @throws InputError for bad data (see {@link loadDataset}), an invalid configuration or
 *   non-positive options; a file system error if `outDir` cannot be written.
 */
export async function trainGrid(opts: TrainOptions): Promise<TrainResult> {
  const o = resolveOptions(opts);
  const t0 = performance.now();
  await initBackend();
  const config = opts.config ?? BOARD_CONFIG;
  const ds = loadDataset(opts.dataCsv, undefined, config);
  const fit = await fitGrid(ds, o, opts.onEpoch);
  const seconds = (performance.now() - t0) / 1000;
  const shape = { window: config.window, horizon: config.horizon, cols: ds.layout.cols };
  const linear: Record<'val' | 'test', Partial<Record<'linearS' | 'linearMS' | 'linearM', ErrorMetrics>>> = { val: {}, test: {} };
  const add = (key: 'linearS' | 'linearMS' | 'linearM', r: LinearResult) => { linear.val[key] = r.val; linear.test[key] = r.test; };
  if (config.setting === 'M') add('linearM', fit.skip);
  else {
    add('linearS', fit.skip);
    if (config.setting === 'MS') add('linearMS', fitLinear(ds.z, ds.starts, 'MS', undefined, shape));
  }
  return { ...saveTrained(ds, opts, o, { epochsRun: fit.epochsRun, bestEpoch: fit.bestEpoch, weights: fit.weights, seconds, linear }), fit };
}

/** Scores the best weights, writes grid.float.json and builds the result. */
function saveTrained(
  ds: GridDataset, opts: TrainOptions, o: ReturnType<typeof resolveOptions>,
  run: {
    epochsRun: number; bestEpoch: number; weights: GridWeights; seconds: number;
    linear: Record<'val' | 'test', Partial<Record<'linearS' | 'linearMS' | 'linearM', ErrorMetrics>>>;
  },
): TrainResult {
  const lay = ds.layout;
  const p = importWeights(run.weights, lay);
  const metrics = {
    val: evalWindows(p, ds.adjacency, ds.z, ds.starts.val, 512, lay),
    test: evalWindows(p, ds.adjacency, ds.z, ds.starts.test, 512, lay),
  };
  disposeParams(p);
  const base = {
    val: { ...baselines(ds.z, ds.starts.val, lay), ...run.linear.val },
    test: { ...baselines(ds.z, ds.starts.test, lay), ...run.linear.test },
  };
  const file: FloatModelFile = {
    format: 'dendra-grid-float', version: 1, config: { ...lay.cfg }, dataCsv: path.relative(REPO_ROOT, path.resolve(opts.dataCsv ?? DEFAULT_ETT)), splits: ds.splits, seed: o.seed,
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
