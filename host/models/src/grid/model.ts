/**
 * The float grid model in TensorFlow.js, op for op the graph of CONTRACTS.md "The grid model":
 * X [n,L] -> FC relu 16 -> A.H -> FC relu 16 -> A.H -> FC relu 16 -> gate FC 1 -> softmax over
 * the n nodes -> attention-weighted sum G -> FC H, plus a linear skip from the OT node's own
 * window (FC L -> H, initialised with the ridge fit of grid/linear.ts), added: the graph part
 * learns what the target's own history does not explain (normalized change of OT at t+1..t+H).
 * Setting M (every channel forecast) uses per-node heads instead: each node's H2 plus the pooled G
 * (broadcast ADD) -> FC H, plus the node's own window through a linear skip shared by all nodes
 * (DLinear's channel-shared map, ridge-initialised) -> Y [n, H].
 * Weight layouts are TFLite's: FC weights are [out, in], biases [out]. Sizes come from a
 * {@link Layout} (default: the board's, n 7, L 336, H 24).
 */
import * as tf from '@tensorflow/tfjs';
import { BOARD_LAYOUT, type Layout } from './config.ts';

/** Hidden width of every message-passing layer. */
export const HIDDEN = 16;

/** Names of the parameters, in graph order. */
export const PARAM_NAMES = ['W0', 'b0', 'W1', 'b1', 'W2', 'b2', 'Wg', 'bg', 'Wh', 'bh', 'Wl', 'bl'] as const;
/** One parameter name. */
export type ParamName = (typeof PARAM_NAMES)[number];

/** Shapes of the parameters for a layout (FC weights [out, in]). */
export function paramShapes(lay: Layout = BOARD_LAYOUT): Record<ParamName, number[]> {
  const L = lay.cfg.window;
  const H = lay.cfg.horizon;
  return {
    W0: [HIDDEN, L], b0: [HIDDEN],
    W1: [HIDDEN, HIDDEN], b1: [HIDDEN],
    W2: [HIDDEN, HIDDEN], b2: [HIDDEN],
    Wg: [1, HIDDEN], bg: [1],
    Wh: [H, HIDDEN], bh: [H],
    Wl: [H, L], bl: [H],
  };
}

/** Shapes of the board model's parameters. */
export const PARAM_SHAPES: Record<ParamName, number[]> = paramShapes(BOARD_LAYOUT);

/** Initial weights of the linear skip: Wl [H, L] and bl [H], row-major (e.g. a ridge fit). */
export interface LinearInit {
  W: ArrayLike<number>;
  b: ArrayLike<number>;
}

/** Trainable parameters as tf variables. */
export type GridParams = Record<ParamName, tf.Variable>;

/** Parameters as plain arrays (JSON form): flat row-major data plus shape. */
export type GridWeights = Record<ParamName, { shape: number[]; data: number[] }>;

/** Every intermediate activation of one forward pass (batch first); Xot for S/MS, Z for M. */
export interface GridActivations {
  X: tf.Tensor; H0: tf.Tensor; M1: tf.Tensor; H1: tf.Tensor; M2: tf.Tensor; H2: tf.Tensor;
  S: tf.Tensor; P: tf.Tensor; G: tf.Tensor; Z?: tf.Tensor; Yh: tf.Tensor; Xot?: tf.Tensor; Yl: tf.Tensor; Y: tf.Tensor;
}

let varCounter = 0;

/** A process-unique variable name (tf.variable names must not repeat). */
function varName(name: string): string {
  return `grid_${name}_${varCounter++}`;
}

/**
 * Fresh parameters: Glorot-uniform weights drawn with seeds derived from `seed`, zero biases, a
 * zero graph head, and the linear skip from `linear` (zero without it): the untrained model is
 * that linear forecaster (or "no change"). Same seed, same weights.
 *
 * @throws Error when `linear` has the wrong sizes.
 */
export function initParams(seed: number, linear?: LinearInit, lay: Layout = BOARD_LAYOUT): GridParams {
  const out = {} as GridParams;
  const shapes = paramShapes(lay);
  const [H, L] = shapes.Wl;
  if (linear && (linear.W.length !== H * L || linear.b.length !== H)) {
    throw new Error(`linear init must be [${H}, ${L}] and [${H}]`);
  }
  PARAM_NAMES.forEach((name, k) => {
    const shape = shapes[name];
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
export function importWeights(w: GridWeights, lay: Layout = BOARD_LAYOUT): GridParams {
  const out = {} as GridParams;
  const shapes = paramShapes(lay);
  for (const name of PARAM_NAMES) {
    const shape = shapes[name];
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

/** A.H for every batch element: [n,n] x [B,n,k] -> [B,n,k]. */
function propagate(a: tf.Tensor2D, h: tf.Tensor): tf.Tensor {
  const [bsz, n, k] = h.shape;
  const hn = h.transpose([1, 0, 2]).reshape([n, bsz * k]);
  return tf.matMul(a, hn).reshape([n, bsz, k]).transpose([1, 0, 2]);
}

/**
 * Forward pass keeping every intermediate (for calibration). `x` is [B, n, L] normalized,
 * node-major; `a` is the [n,n] adjacency. Call inside tf.tidy or dispose the results.
 */
export function forwardAll(p: GridParams, a: tf.Tensor2D, x: tf.Tensor, lay: Layout = BOARD_LAYOUT): GridActivations {
  const [bsz, n, L] = x.shape;
  const H = lay.cfg.horizon;
  const H0 = fc(x, p.W0, p.b0, true);
  const M1 = propagate(a, H0);
  const H1 = fc(M1, p.W1, p.b1, true);
  const M2 = propagate(a, H1);
  const H2 = fc(M2, p.W2, p.b2, true);
  const S = fc(H2, p.Wg, p.bg, false); // [B,n,1]
  const P = tf.softmax(S.reshape([bsz, n])).reshape([bsz, 1, n]);
  const G = tf.matMul(P, H2); // [B,1,16]
  if (lay.cfg.setting === 'M') {
    const Z = tf.add(H2, G); // per-node features plus the pooled context, [B,n,16]
    const Yh = fc(Z, p.Wh, p.bh, false); // [B,n,H]
    const Yl = fc(x, p.Wl, p.bl, false); // each node's own window, shared map, [B,n,H]
    const Y = tf.add(Yh, Yl).reshape([bsz, n * H]);
    return { X: x, H0, M1, H1, M2, H2, S, P, G, Z, Yh, Yl, Y };
  }
  const Yh = fc(G, p.Wh, p.bh, false).reshape([bsz, H]);
  const Xot = x.slice([0, lay.targetNode, 0], [bsz, 1, L]); // [B,1,L]: the OT node's window
  const Yl = fc(Xot, p.Wl, p.bl, false).reshape([bsz, H]);
  const Y = tf.add(Yh, Yl);
  return { X: x, H0, M1, H1, M2, H2, S, P, G, Yh, Xot, Yl, Y };
}

/** Forward pass: [B,n,L] -> [B, outputs*H] (normalized change of the forecast channels). */
export function forward(p: GridParams, a: tf.Tensor2D, x: tf.Tensor, lay: Layout = BOARD_LAYOUT): tf.Tensor {
  return tf.tidy(() => forwardAll(p, a, x, lay).Y);
}
