/**
 * The float grid model in TensorFlow.js, op for op the graph of CONTRACTS.md "The grid model":
 * X [7,96] -> FC relu 16 -> A.H -> FC relu 16 -> A.H -> FC relu 16 -> gate FC 1 -> softmax over
 * the 7 nodes -> attention-weighted sum -> FC 24, plus a linear skip from the OT node's own
 * window (FC 96 -> 24, initialised with the ridge fit of grid/linear.ts), added: the graph part
 * learns what the target's own history does not explain (normalized change of OT at t+1..t+24).
 * Weight layouts are TFLite's: FC weights are [out, in], biases [out].
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { HORIZON, N_CHANNELS, TARGET, WINDOW } from './data.ts';

/** Hidden width of every message-passing layer. */
export const HIDDEN = 16;

/** Names of the parameters, in graph order. */
export const PARAM_NAMES = ['W0', 'b0', 'W1', 'b1', 'W2', 'b2', 'Wg', 'bg', 'Wh', 'bh', 'Wl', 'bl'] as const;
/** One parameter name. */
export type ParamName = (typeof PARAM_NAMES)[number];

/** Shapes of the parameters (FC weights [out, in]). */
export const PARAM_SHAPES: Record<ParamName, number[]> = {
  W0: [HIDDEN, WINDOW], b0: [HIDDEN],
  W1: [HIDDEN, HIDDEN], b1: [HIDDEN],
  W2: [HIDDEN, HIDDEN], b2: [HIDDEN],
  Wg: [1, HIDDEN], bg: [1],
  Wh: [HORIZON, HIDDEN], bh: [HORIZON],
  Wl: [HORIZON, WINDOW], bl: [HORIZON],
};

/** Initial weights of the linear skip: Wl [24, 96] and bl [24], row-major (e.g. a ridge fit). */
export interface LinearInit {
  W: ArrayLike<number>;
  b: ArrayLike<number>;
}

/** Trainable parameters as tf variables. */
export type GridParams = Record<ParamName, tf.Variable>;

/** Parameters as plain arrays (JSON form): flat row-major data plus shape. */
export type GridWeights = Record<ParamName, { shape: number[]; data: number[] }>;

/** Every intermediate activation of one forward pass (batch first). */
export interface GridActivations {
  X: tf.Tensor; H0: tf.Tensor; M1: tf.Tensor; H1: tf.Tensor; M2: tf.Tensor; H2: tf.Tensor;
  S: tf.Tensor; P: tf.Tensor; G: tf.Tensor; Yh: tf.Tensor; Xot: tf.Tensor; Yl: tf.Tensor; Y: tf.Tensor;
}

let backendReady: Promise<void> | undefined;
let varCounter = 0;

/** A process-unique variable name (tf.variable names must not repeat). */
function varName(name: string): string {
  return `grid_${name}_${varCounter++}`;
}

/**
 * Selects the TensorFlow.js WASM backend once per process.
 *
 * @throws Error when the backend cannot be initialised (a broken installation).
 */
export function initBackend(): Promise<void> {
  backendReady ??= (async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js wasm backend failed to initialise');
    await tf.ready();
  })();
  return backendReady;
}

/**
 * Fresh parameters: Glorot-uniform weights drawn with seeds derived from `seed`, zero biases, a
 * zero graph head, and the linear skip from `linear` (zero without it): the untrained model is
 * that linear forecaster (or "no change"). Same seed, same weights.
 *
 * @throws Error when `linear` has the wrong sizes.
 */
export function initParams(seed: number, linear?: LinearInit): GridParams {
  const out = {} as GridParams;
  if (linear && (linear.W.length !== HORIZON * WINDOW || linear.b.length !== HORIZON)) {
    throw new Error(`linear init must be [${HORIZON}, ${WINDOW}] and [${HORIZON}]`);
  }
  PARAM_NAMES.forEach((name, k) => {
    const shape = PARAM_SHAPES[name];
    if (name === 'Wl' || name === 'bl') {
      const src = linear ? (name === 'Wl' ? linear.W : linear.b) : new Float32Array(shape.reduce((a, b) => a * b, 1));
      out[name] = tf.variable(tf.tensor(Float32Array.from(src), shape), true, varName(name));
      return;
    }
    // The head starts at zero: the untrained model forecasts "no change" (the last value), and
    // training with early stopping on validation can only move it where that helps.
    const init = shape.length === 1 || name === 'Wh'
      ? tf.zeros(shape)
      : tf.randomUniform(shape, -1, 1, 'float32', seed * 1009 + k).mul(Math.sqrt(6 / (shape[0] + shape[1])));
    out[name] = tf.variable(init, true, varName(name));
    init.dispose();
  });
  return out;
}

/** Copies parameters to plain arrays. */
export function exportWeights(p: GridParams): GridWeights {
  const out = {} as GridWeights;
  for (const name of PARAM_NAMES) out[name] = { shape: [...p[name].shape], data: Array.from(p[name].dataSync()) };
  return out;
}

/**
 * Makes variables from plain arrays.
 *
 * @throws Error when a parameter is missing or has the wrong shape/size.
 */
export function importWeights(w: GridWeights): GridParams {
  const out = {} as GridParams;
  for (const name of PARAM_NAMES) {
    const shape = PARAM_SHAPES[name];
    const e = w[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (!e || e.data.length !== size || e.shape.join() !== shape.join()) {
      throw new Error(`grid weights: ${name} must have shape [${shape}]`);
    }
    out[name] = tf.variable(tf.tensor(e.data, shape), true, varName(name));
  }
  return out;
}

/** Frees the parameters. */
export function disposeParams(p: GridParams): void {
  for (const name of PARAM_NAMES) p[name].dispose();
}

/** FC on the last axis of a [B, n, in] tensor: x W^T + b -> [B, n, out]. */
function fc(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, relu: boolean): tf.Tensor {
  const [bsz, n, inDim] = x.shape;
  const y = tf.add(tf.matMul(x.reshape([bsz * n, inDim]), w as tf.Tensor2D, false, true), b);
  return (relu ? tf.relu(y) : y).reshape([bsz, n, w.shape[0]]);
}

/** A.H for every batch element: [7,7] x [B,7,k] -> [B,7,k]. */
function propagate(a: tf.Tensor2D, h: tf.Tensor): tf.Tensor {
  const [bsz, n, k] = h.shape;
  const hn = h.transpose([1, 0, 2]).reshape([n, bsz * k]);
  return tf.matMul(a, hn).reshape([n, bsz, k]).transpose([1, 0, 2]);
}

/**
 * Forward pass keeping every intermediate (for calibration). `x` is [B, 7, 96] normalized,
 * node-major; `a` is the [7,7] adjacency. Call inside tf.tidy or dispose the results.
 */
export function forwardAll(p: GridParams, a: tf.Tensor2D, x: tf.Tensor): GridActivations {
  const bsz = x.shape[0];
  const H0 = fc(x, p.W0, p.b0, true);
  const M1 = propagate(a, H0);
  const H1 = fc(M1, p.W1, p.b1, true);
  const M2 = propagate(a, H1);
  const H2 = fc(M2, p.W2, p.b2, true);
  const S = fc(H2, p.Wg, p.bg, false); // [B,7,1]
  const P = tf.softmax(S.reshape([bsz, N_CHANNELS])).reshape([bsz, 1, N_CHANNELS]);
  const G = tf.matMul(P, H2); // [B,1,16]
  const Yh = fc(G, p.Wh, p.bh, false).reshape([bsz, HORIZON]);
  const Xot = x.slice([0, TARGET, 0], [bsz, 1, WINDOW]); // [B,1,96]: the OT node's window
  const Yl = fc(Xot, p.Wl, p.bl, false).reshape([bsz, HORIZON]);
  const Y = tf.add(Yh, Yl);
  return { X: x, H0, M1, H1, M2, H2, S, P, G, Yh, Xot, Yl, Y };
}

/** Forward pass: [B,7,96] -> [B,24] (normalized OT forecast). */
export function forward(p: GridParams, a: tf.Tensor2D, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => forwardAll(p, a, x).Y);
}
