/**
 * A linear baseline for the grid model, fitted by Dendra itself on the same split and windows:
 * one linear map from the 96-h input window to the 24 OT steps, with the grid model's convention
 * that inputs and targets are relative to the window's last value (see window.ts gatherWindows).
 *
 * Why this stands in for DLinear (Zeng et al., "Are Transformers Effective for Time Series
 * Forecasting?", AAAI 2023): DLinear splits the window into a moving-average trend and a
 * remainder and applies one linear layer to each; both steps are linear, so DLinear is a linear
 * map of the window, and NLinear's "subtract the last value" is exactly our relative convention.
 * Here the general linear map (plus a bias) is fitted in closed form by ridge least squares
 * (normal equations + Cholesky) instead of by SGD, so the result is deterministic.
 *
 * Settings: "S" uses the OT channel only (L inputs); "MS" uses all 7 channels (7L inputs), OT out;
 * "M" forecasts every channel from its own window with one map shared by all channels (DLinear's
 * default, individual=False), fitted on the windows of all 7 channels pooled.
 */
import { InputError } from '@dendra/core/errors.ts';
import { BOARD_CONFIG, OT_COLUMN } from './config.ts';
import { ErrorAccumulator, type ErrorMetrics } from './metrics.ts';

/** Which channels feed the linear map (see the file comment). */
export type LinearMode = 'S' | 'MS' | 'M';

/** Window geometry of a linear fit: input length, horizon and values per data row. */
export interface LinearShape {
  window: number;
  horizon: number;
  /** Values per row of z (7, or 8 with the thermal column; the map never reads column 7). */
  cols: number;
}

/** The board's geometry (L 336, H 24, 7 columns). */
export const BOARD_SHAPE: Readonly<LinearShape> = Object.freeze({ window: BOARD_CONFIG.window, horizon: BOARD_CONFIG.horizon, cols: 7 });

/** One regression task per window: the columns read and the column forecast. */
interface Task {
  inputs: number[];
  output: number;
}

const ALL = [0, 1, 2, 3, 4, 5, 6];

/** The tasks of a mode: one (S, MS) or one per channel sharing the map (M). */
function tasksOf(mode: LinearMode): Task[] {
  if (mode === 'S') return [{ inputs: [OT_COLUMN], output: OT_COLUMN }];
  if (mode === 'MS') return [{ inputs: ALL, output: OT_COLUMN }];
  return ALL.map((c) => ({ inputs: [c], output: c }));
}

/** A fitted linear forecaster: y[h] = sum_j x[j] * w[j*H + h] + w[d*H + h] (bias last). */
export interface LinearModel {
  mode: LinearMode;
  shape: LinearShape;
  /** Number of input features d (L for S and M, 7L for MS). */
  features: number;
  /** Ridge strength per window (alpha in mean-squared-error + alpha * |W|^2). */
  alpha: number;
  /** Weights [(d+1) x H], row-major, bias row last. */
  weights: Float64Array;
}

/** Sufficient statistics of a least-squares problem with a bias column: X'X and X'Y. */
export interface Gram {
  /** Rows (windows) accumulated. */
  n: number;
  /** Feature count d (the bias makes the system d+1 wide). */
  d: number;
  /** Output count k. */
  k: number;
  /** [(d+1) x (d+1)] X'X, bias column last; only the lower triangle is filled until {@link solveRidge}. */
  xtx: Float64Array;
  /** [(d+1) x k] X'Y. */
  xty: Float64Array;
}

/** Feature count of a mode. */
export function featureCount(mode: LinearMode, shape: LinearShape = BOARD_SHAPE): number {
  return tasksOf(mode)[0].inputs.length * shape.window;
}

/** Writes the features of one task of the window starting at row `s`: z[s+t][c] - z[s+L-1][c], channel-major. */
function taskFeatures(z: Float32Array, s: number, task: Task, shape: LinearShape, out: Float64Array): void {
  const L = shape.window;
  const last = (s + L - 1) * shape.cols;
  task.inputs.forEach((c, i) => {
    for (let t = 0; t < L; t++) out[i * L + t] = z[(s + t) * shape.cols + c] - z[last + c];
  });
}

/** Writes the H relative targets of one task of the window starting at `s`. */
function taskTargets(z: Float32Array, s: number, task: Task, shape: LinearShape, out: Float64Array): void {
  const last = z[(s + shape.window - 1) * shape.cols + task.output];
  for (let h = 0; h < shape.horizon; h++) out[h] = z[(s + shape.window + h) * shape.cols + task.output] - last;
}

/** Writes the H relative OT targets of the window starting at `s` into `out`. */
export function windowTargets(z: Float32Array, s: number, out: Float64Array, shape: LinearShape = BOARD_SHAPE): void {
  taskTargets(z, s, tasksOf('S')[0], shape, out);
}

/** An empty {@link Gram} for d features and k outputs. */
export function newGram(d: number, k: number): Gram {
  return { n: 0, d, k, xtx: new Float64Array((d + 1) * (d + 1)), xty: new Float64Array((d + 1) * k) };
}

/** Adds one row (x of length d, y of length k) to the Gram statistics (lower triangle only). */
export function addRow(g: Gram, x: ArrayLike<number>, y: ArrayLike<number>): void {
  const w = g.d + 1;
  const xb = new Float64Array(w);
  for (let i = 0; i < g.d; i++) xb[i] = x[i];
  xb[g.d] = 1;
  for (let i = 0; i < w; i++) {
    const a = xb[i];
    if (a === 0) continue;
    const row = i * w;
    for (let j = 0; j <= i; j++) g.xtx[row + j] += a * xb[j];
    for (let h = 0; h < g.k; h++) g.xty[i * g.k + h] += a * y[h];
  }
  g.n++;
}

/**
 * In-place Cholesky factorization of a symmetric positive definite [n x n] matrix given by its
 * lower triangle: afterwards the lower triangle holds L with A = L L'.
 *
 * @throws Error when the matrix is not positive definite (a pivot <= 0), which ridge with alpha > 0
 *   rules out.
 */
export function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) throw new Error(`cholesky: matrix not positive definite at pivot ${j}`);
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
}

/** Solves L L' X = B in place (B is [n x k] row-major) with L from {@link cholesky}. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, k: number): void {
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = b[i * k + c];
      for (let j = 0; j < i; j++) s -= l[i * n + j] * b[j * k + c];
      b[i * k + c] = s / l[i * n + i];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let c = 0; c < k; c++) {
      let s = b[i * k + c];
      for (let j = i + 1; j < n; j++) s -= l[j * n + i] * b[j * k + c];
      b[i * k + c] = s / l[i * n + i];
    }
  }
}

/**
 * Ridge solution W = (X'X + alpha*n*I_d)^-1 X'Y from Gram statistics; the bias is not penalized
 * (a tiny 1e-9*n keeps the system definite when every feature is zero).
 *
 * @returns Weights [(d+1) x k], bias row last.
 * @throws InputError (code `E_DATA`) when no rows were added or alpha is not > 0.
 */
export function solveRidge(g: Gram, alpha: number): Float64Array {
  if (g.n === 0) throw new InputError('E_DATA', 'linear baseline: no training windows');
  if (!(alpha > 0)) throw new InputError('E_USAGE', `linear baseline: ridge alpha must be > 0, got ${alpha}`);
  const w = g.d + 1;
  const a = new Float64Array(g.xtx);
  for (let i = 0; i < w; i++) a[i * w + i] += (i === g.d ? 1e-9 : alpha) * g.n;
  cholesky(a, w);
  const b = new Float64Array(g.xty);
  choleskySolve(a, w, b, g.k);
  return b;
}

/** The forecast of a linear map for features x into out (length k). */
export function applyLinear(weights: Float64Array, d: number, k: number, x: ArrayLike<number>, out: Float64Array): void {
  for (let h = 0; h < k; h++) out[h] = weights[d * k + h];
  for (let j = 0; j < d; j++) {
    const v = x[j];
    if (v === 0) continue;
    for (let h = 0; h < k; h++) out[h] += v * weights[j * k + h];
  }
}

/** Rows per block in {@link windowGram}: X'X is streamed once per block, not once per row. */
const BLOCK = 16;

/** Adds a block of `r` rows held feature-major (xb[i*BLOCK + row], bias included) to `g`. */
function addBlock(g: Gram, xb: Float64Array, yb: Float64Array, r: number): void {
  const w = g.d + 1;
  for (let i = 0; i < w; i++) {
    const bi = i * BLOCK;
    const row = i * w;
    for (let j = 0; j <= i; j++) {
      const bj = j * BLOCK;
      let s = 0;
      for (let q = 0; q < r; q++) s += xb[bi + q] * xb[bj + q];
      g.xtx[row + j] += s;
    }
    for (let h = 0; h < g.k; h++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += xb[bi + q] * yb[q * g.k + h];
      g.xty[i * g.k + h] += s;
    }
  }
  g.n += r;
}

/** Accumulates the Gram statistics of the windows starting at `starts` (blocked; same sums as {@link addRow}); M pools the 7 channels. */
export function windowGram(z: Float32Array, starts: readonly number[], mode: LinearMode, shape: LinearShape = BOARD_SHAPE): Gram {
  const d = featureCount(mode, shape);
  const H = shape.horizon;
  const g = newGram(d, H);
  const x = new Float64Array(d);
  const xb = new Float64Array((d + 1) * BLOCK);
  const yb = new Float64Array(BLOCK * H);
  const rows = tasksOf(mode).flatMap((task) => starts.map((s) => ({ s, task })));
  for (let b = 0; b < rows.length; b += BLOCK) {
    const r = Math.min(BLOCK, rows.length - b);
    for (let q = 0; q < r; q++) {
      taskFeatures(z, rows[b + q].s, rows[b + q].task, shape, x);
      taskTargets(z, rows[b + q].s, rows[b + q].task, shape, yb.subarray(q * H, (q + 1) * H));
      for (let i = 0; i < d; i++) xb[i * BLOCK + q] = x[i];
      xb[d * BLOCK + q] = 1;
    }
    addBlock(g, xb, yb, r);
  }
  return g;
}

/**
 * Errors of a linear model on windows starting at `starts` (normalized units, every horizon step of
 * every forecast channel, every window). The error on the relative target equals the error on the
 * absolute normalized value.
 */
export function evalLinear(m: LinearModel, z: Float32Array, starts: readonly number[]): ErrorMetrics {
  const tasks = tasksOf(m.mode);
  const H = m.shape.horizon;
  const acc = new ErrorAccumulator(tasks.length * H);
  const x = new Float64Array(m.features);
  const y = new Float64Array(tasks.length * H);
  const p = new Float64Array(tasks.length * H);
  for (const s of starts) {
    tasks.forEach((task, k) => {
      taskFeatures(z, s, task, m.shape, x);
      taskTargets(z, s, task, m.shape, y.subarray(k * H, (k + 1) * H));
      applyLinear(m.weights, m.features, H, x, p.subarray(k * H, (k + 1) * H));
    });
    acc.add(p, y);
  }
  return acc.result();
}

/** Ridge strengths tried by {@link fitLinear} (per window, features in training-std units). */
export const DEFAULT_ALPHAS = [1e-4, 1e-3, 1e-2, 1e-1, 1] as const;

/** A fitted linear baseline with its validation and test errors. */
export interface LinearResult {
  model: LinearModel;
  val: ErrorMetrics;
  test: ErrorMetrics;
}

/**
 * Fits the linear baseline on the training windows for each alpha in `alphas`, keeps the one with
 * the lowest validation MSE (test windows are never used for fitting or selection) and scores it.
 *
 * @throws InputError when a window set is empty or an alpha is not > 0.
 */
export function fitLinear(
  z: Float32Array, starts: { train: readonly number[]; val: readonly number[]; test: readonly number[] },
  mode: LinearMode, alphas: readonly number[] = DEFAULT_ALPHAS, shape: LinearShape = BOARD_SHAPE,
): LinearResult {
  if (starts.val.length === 0 || starts.test.length === 0) throw new InputError('E_DATA', 'linear baseline: no validation or test windows');
  const g = windowGram(z, starts.train, mode, shape);
  let best: { model: LinearModel; val: ErrorMetrics } | undefined;
  for (const alpha of alphas) {
    const model: LinearModel = { mode, shape: { ...shape }, features: g.d, alpha, weights: solveRidge(g, alpha) };
    const val = evalLinear(model, z, starts.val);
    if (!best || val.mse < best.val.mse) best = { model, val };
  }
  if (!best) throw new InputError('E_USAGE', 'linear baseline: no ridge alpha given');
  return { ...best, test: evalLinear(best.model, z, starts.test) };
}

/**
 * The fitted map as FULLY_CONNECTED weights: W [H, d] row-major (W[h][j] = weights[j*H + h]) and
 * b [H] (the bias row), e.g. to initialise the grid model's linear skip.
 */
export function denseWeights(m: LinearModel): { W: Float32Array; b: Float32Array } {
  const d = m.features;
  const H = m.shape.horizon;
  const W = new Float32Array(H * d);
  const b = new Float32Array(H);
  for (let h = 0; h < H; h++) {
    for (let j = 0; j < d; j++) W[h * d + j] = m.weights[j * H + h];
    b[h] = m.weights[d * H + h];
  }
  return { W, b };
}
