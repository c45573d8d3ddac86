/**
 * The float pack dendrite-risk model in TensorFlow.js, op for op the int8 graph of quantize.ts:
 *   H0 = relu(FC_in(X))                                  node encoder, X [16, F]
 *   for l = 1..3: M = A.H ; H = relu(FC_s(H) + FC_n(M))  message passing (BATCH_MATMUL, FC, FC, ADD)
 *   cell risk  = LOGISTIC(FC_c(H3))                      [16, 1]
 *   gate S = FC_g(H3) + mask ; P = SOFTMAX over nodes ; G = P.H3 ; pack risk = LOGISTIC(FC_p(G))
 *   lead u = LOGISTIC(FC_l(H3))                          [16, 1]: predicted cycles to initiation = LEAD_MAX u
 * A is the pack's constant normalized adjacency (dataset.ts packAdjacency), mask the padding gate
 * bias. FC weights use TFLite's [out, in] layout. The graph-free baseline is the same model with
 * A = identity on the real cells.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_CELLS, N_FEATURES } from './dataset.ts';

/** Hidden width of every layer. */
export const HIDDEN = 24;
/** Message-passing layers. */
export const LAYERS = 3;
/**
 * Scale of the lead head, cycles: predicted cycles to initiation = LEAD_MAX x sigmoid(Zl). With the
 * int8 output's 1/256 scale and zero point -128 the board's lead is q + 128 cycles (0..255).
 */
export const LEAD_MAX = 256;

/** Parameter names, in graph order (bn* are the neighbour FCs, which carry no bias). */
export const PARAM_NAMES = [
  'Win', 'bin', 'Ws1', 'bs1', 'Wn1', 'Ws2', 'bs2', 'Wn2', 'Ws3', 'bs3', 'Wn3', 'Wc', 'bc', 'Wg', 'bg', 'Wp', 'bp', 'Wl', 'bl',
] as const;
/** One parameter name. */
export type ParamName = (typeof PARAM_NAMES)[number];

/** Shape of a parameter. */
export function paramShape(name: ParamName): number[] {
  if (name === 'Win') return [HIDDEN, N_FEATURES];
  if (/^W[sn]\d$/.test(name)) return [HIDDEN, HIDDEN];
  if (name === 'Wc' || name === 'Wg' || name === 'Wp' || name === 'Wl') return [1, HIDDEN];
  return name === 'bc' || name === 'bg' || name === 'bp' || name === 'bl' ? [1] : [HIDDEN];
}

/** Trainable parameters. */
export type PackParams = Record<ParamName, tf.Variable>;
/** Plain-array parameters (JSON form). */
export type PackWeights = Record<ParamName, { shape: number[]; data: number[] }>;

/** Every intermediate of one forward pass (batch first). */
export interface PackActivations {
  X: tf.Tensor; H0: tf.Tensor;
  M1: tf.Tensor; U1: tf.Tensor; V1: tf.Tensor; H1: tf.Tensor;
  M2: tf.Tensor; U2: tf.Tensor; V2: tf.Tensor; H2: tf.Tensor;
  M3: tf.Tensor; U3: tf.Tensor; V3: tf.Tensor; H3: tf.Tensor;
  Zc: tf.Tensor; S: tf.Tensor; Sm: tf.Tensor; P: tf.Tensor; G: tf.Tensor; Zp: tf.Tensor;
  /** Lead logits [B, 16]. */
  Zl: tf.Tensor;
}

let counter = 0;

/** Fresh Glorot-uniform weights and zero biases, seeded: same seed, same weights. */
export function initParams(seed: number): PackParams {
  const out = {} as PackParams;
  PARAM_NAMES.forEach((name, k) => {
    const shape = paramShape(name);
    const init = shape.length === 1
      ? tf.zeros(shape)
      : tf.randomUniform(shape, -1, 1, 'float32', seed * 7919 + k).mul(Math.sqrt(6 / (shape[0] + shape[1])));
    out[name] = tf.variable(init, true, `pack_${name}_${counter++}`);
    init.dispose();
  });
  return out;
}

/** Copies parameters to plain arrays. */
export function exportWeights(p: PackParams): PackWeights {
  const out = {} as PackWeights;
  for (const n of PARAM_NAMES) out[n] = { shape: [...p[n].shape], data: Array.from(p[n].dataSync()) };
  return out;
}

/**
 * Variables from plain arrays.
 *
 * @throws Error naming the parameter when one is missing or has the wrong shape.
 */
export function importWeights(w: PackWeights): PackParams {
  const out = {} as PackParams;
  for (const n of PARAM_NAMES) {
    const shape = paramShape(n);
    const e = w[n];
    if (!e || e.shape.join() !== shape.join() || e.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`pack weights: ${n} must have shape [${shape}]`);
    }
    out[n] = tf.variable(tf.tensor(e.data, shape), true, `pack_${n}_${counter++}`);
  }
  return out;
}

/** Frees the parameters. */
export function disposeParams(p: PackParams): void {
  for (const n of PARAM_NAMES) p[n].dispose();
}

/** x [B, n, in] W^T (+ b) -> [B, n, out]. */
function fc(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [bsz, n, inDim] = x.shape;
  let y = tf.matMul(x.reshape([bsz * n, inDim]), w as tf.Tensor2D, false, true);
  if (b) y = tf.add(y, b);
  return y.reshape([bsz, n, w.shape[0]]);
}

/**
 * Forward pass keeping every intermediate (for calibration). `x` [B, 16, F] normalized, `a`
 * [B, 16, 16] adjacency per sample, `mask` [B, 16] gate bias. Call inside tf.tidy.
 */
export function forwardAll(p: PackParams, x: tf.Tensor, a: tf.Tensor, mask: tf.Tensor): PackActivations {
  const bsz = x.shape[0];
  const H0 = tf.relu(fc(x, p.Win, p.bin));
  const layer = (h: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor, wn: tf.Tensor) => {
    const M = tf.matMul(a as tf.Tensor3D, h as tf.Tensor3D);
    const U = fc(h, ws, bs);
    const V = fc(M, wn);
    return { M, U, V, H: tf.relu(tf.add(U, V)) };
  };
  const l1 = layer(H0, p.Ws1, p.bs1, p.Wn1);
  const l2 = layer(l1.H, p.Ws2, p.bs2, p.Wn2);
  const l3 = layer(l2.H, p.Ws3, p.bs3, p.Wn3);
  const Zc = fc(l3.H, p.Wc, p.bc).reshape([bsz, MAX_CELLS]);
  const S = fc(l3.H, p.Wg, p.bg).reshape([bsz, MAX_CELLS]);
  const Sm = tf.add(S, mask);
  const P = tf.softmax(Sm).reshape([bsz, 1, MAX_CELLS]);
  const G = tf.matMul(P as tf.Tensor3D, l3.H as tf.Tensor3D);
  const Zp = fc(G, p.Wp, p.bp).reshape([bsz]);
  const Zl = fc(l3.H, p.Wl, p.bl).reshape([bsz, MAX_CELLS]);
  return {
    X: x, H0, M1: l1.M, U1: l1.U, V1: l1.V, H1: l1.H, M2: l2.M, U2: l2.U, V2: l2.V, H2: l2.H,
    M3: l3.M, U3: l3.U, V3: l3.V, H3: l3.H, Zc, S, Sm, P, G, Zp, Zl,
  };
}

/** Logits only: cell risk [B, 16], pack [B] and lead [B, 16]. Call inside tf.tidy. */
export function forward(p: PackParams, x: tf.Tensor, a: tf.Tensor, mask: tf.Tensor): { cell: tf.Tensor; pack: tf.Tensor; lead: tf.Tensor } {
  const r = forwardAll(p, x, a, mask);
  return { cell: r.Zc, pack: r.Zp, lead: r.Zl };
}
