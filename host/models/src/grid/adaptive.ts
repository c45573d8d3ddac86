/**
 * A learned (adaptive) adjacency for the grid GNN, as in Graph WaveNet and MTGNN:
 * A = softmax_rows(relu(E1 E2^T)) from two learned node-embedding matrices E1, E2 [n, d], trained
 * jointly with the GNN. The adjacency does not depend on the input, so after training it is one
 * constant [n, n] matrix: the int8 model is built exactly as the shipped one (constant adjacency
 * tensor, the same ops), so the firmware needs nothing new.
 *
 * E1 and E2 start small and random (seeded), so A starts near uniform (every node averages all
 * nodes); the same early stopping on validation as the shipped GNN picks the epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dendra/core/tfjs.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import type { Matrix } from './graph.ts';
import { denseWeights, fitLinear } from './linear.ts';
import { disposeParams, exportWeights, forward, initParams, type GridParams } from './model.ts';
import { evalWindows, type FitResult, type GridDataset, type ResolvedOptions } from './train.ts';
import { gatherWindows } from './window.ts';
import type { Layout } from './config.ts';

/** Width of the node embeddings. */
export const EMBED_DIM = 4;

/** softmax_rows(relu(E1 E2^T)) as a tensor (differentiable). */
export function adaptiveAdjacency(e1: tf.Tensor2D, e2: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.relu(tf.matMul(e1, e2, false, true)), 1) as tf.Tensor2D);
}

/** The adjacency as a plain matrix. */
function toMatrix(a: tf.Tensor2D): Matrix {
  return a.arraySync();
}

/** A fit with its learned adjacency. */
export interface AdaptiveFit extends FitResult {
  /** The learned adjacency of the best validation epoch (row-stochastic). */
  adjacency: Matrix;
}

/** One Adam epoch with the adjacency computed from the embeddings inside the loss. */
function epochAdaptive(p: GridParams, e: [tf.Variable, tf.Variable], opt: tf.Optimizer, ds: GridDataset, starts: number[], batch: number, lay: Layout): void {
  const vars = [...Object.values(p), ...e];
  for (let i = 0; i < starts.length; i += batch) {
    const b = gatherWindows(ds.z, starts.slice(i, i + batch), lay);
    tf.tidy(() => {
      const x = tf.tensor3d(b.x, [b.size, lay.inputs.length, lay.cfg.window]);
      const y = tf.tensor2d(b.y, [b.size, lay.perWindow]);
      opt.minimize(() => tf.losses.meanSquaredError(y, forward(p, adaptiveAdjacency(e[0] as tf.Tensor2D, e[1] as tf.Tensor2D), x, lay)) as tf.Scalar, false, vars);
    });
  }
}

/**
 * Trains the GNN with a learned adjacency on `ds` (its correlation adjacency is ignored): ridge
 * skip, budget, early stopping and validation-only selection as {@link fitGrid}. Epoch 0 is the
 * untrained model (graph head zero: the ridge forecast). Seeded: same options, same weights.
 */
export async function fitAdaptive(ds: GridDataset, o: ResolvedOptions): Promise<AdaptiveFit> {
  const t0 = performance.now();
  await initBackend();
  const lay = ds.layout;
  const n = lay.inputs.length;
  const rand = mulberry32(o.seed);
  const skip = fitLinear(ds.z, ds.starts, lay.cfg.setting === 'M' ? 'M' : 'S', undefined, { window: lay.cfg.window, horizon: lay.cfg.horizon, cols: lay.cols });
  const p = initParams(o.seed, denseWeights(skip.model), lay);
  const e: [tf.Variable, tf.Variable] = [
    tf.variable(tf.randomUniform([n, EMBED_DIM], -0.1, 0.1, 'float32', o.seed * 7919 + 1)),
    tf.variable(tf.randomUniform([n, EMBED_DIM], -0.1, 0.1, 'float32', o.seed * 7919 + 2)),
  ];
  const current = (): Matrix => {
    const a = adaptiveAdjacency(e[0] as tf.Tensor2D, e[1] as tf.Tensor2D);
    const m = toMatrix(a);
    a.dispose();
    return m;
  };
  const opt = tf.train.adam(o.learningRate);
  const a0 = current();
  let best = { mse: evalWindows(p, a0, ds.z, ds.starts.val, 512, lay).mse, epoch: 0, weights: exportWeights(p), adjacency: a0 };
  let epoch = 0;
  try {
    while (epoch < o.epochs && epoch - best.epoch < o.patience) {
      epoch++;
      epochAdaptive(p, e, opt, ds, shuffled(ds.starts.train, rand).slice(0, o.maxWindowsPerEpoch), o.batchSize, lay);
      const adj = current();
      const val = evalWindows(p, adj, ds.z, ds.starts.val, 512, lay);
      if (val.mse < best.mse) best = { mse: val.mse, epoch, weights: exportWeights(p), adjacency: adj };
    }
  } finally {
    opt.dispose();
    disposeParams(p);
    e.forEach((v) => v.dispose());
  }
  return { weights: best.weights, adjacency: best.adjacency, epochsRun: epoch, bestEpoch: best.epoch, seconds: (performance.now() - t0) / 1000, skip };
}
