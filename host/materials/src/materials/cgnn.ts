/**
 * Crystal-graph network for log10 ionic conductivity in TensorFlow.js (float, host only, WASM
 * backend). Inputs come from cgnn-data.ts: node features = standardized element properties times
 * occupancy (+ occupancy), edges = k nearest neighbours within the cutoff with Gaussian distance
 * features and occupancy edge weights w_ij (graph.ts).
 *
 * Network (hidden width H):
 *   h0 = relu(x We + b)
 *   3 x  m_ij = relu(h_j Wn + e_ij Wf + bm);  a_i = (1/K) sum_j w_ij m_ij;
 *        h_i' = h_i + relu(h_i Ws + a_i Wo + b)        (residual; Wo is the MLP's output layer,
 *                                                        applied after the sum since it is linear)
 *   gate s_i = h_i Wg; α_i = occ_i exp(s_i) / sum_{k in crystal} occ_k exp(s_k)
 *   g = sum_i α_i h_i;  y = W2 dropout(relu([g, v] W1 + b1)) + b2     (standardized log10 σ)
 * where v = relu(u Wu + bu) embeds the crystal's global state u (MEGNet's state vector: the
 * min-max-scaled composition, lattice, space-group and physics descriptors the baselines use,
 * fitted on the training fold); without a state, v is absent and W1 is [H, H].
 * Loss: censored squared loss (censored.ts) on standardized targets, bounds penalized only when
 * predicted above the bound. Adam with cosine learning-rate decay, dropout, early stopping on an
 * inner validation set (best weights restored). Everything is seeded.
 *
 * Batching: crystals are concatenated and aggregated with `tf.unsortedSegmentSum` (no padding).
 * The WASM backend of tfjs 4.22 has no UnsortedSegmentSum kernel (it is also the gradient of
 * `tf.gather`), so {@link initCgnnBackend} registers a small JS kernel for it.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dendra/core/tfjs.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { fitNodeScaler, makeBatch, NODE_DIM, type GraphBatch, type NodeScaler, type PreparedGraph } from './cgnn-data.ts';
import * as stats from '@dendra/core/stats.ts';

/** Hyper-parameters of the network and its training. */
export interface CgnnConfig {
  readonly hidden: number;
  readonly layers: number;
  /** Neighbour normalization K of the message sum (the kept-neighbour count). */
  readonly maxNeighbors: number;
  readonly dropout: number;
  readonly learningRate: number;
  readonly maxEpochs: number;
  /** Epochs without a better inner-validation loss before stopping. */
  readonly patience: number;
  readonly batchSize: number;
  readonly seed: number;
  /** 'censored': bounds trained with the censored loss; 'score': bounds trained as exact -15. */
  readonly bounds: 'censored' | 'score';
}

/** Defaults: hidden 16 and dropout 0.3 beat 32 / 0.1 under grouped CV on the CIF subset (seed 0, docs/materials.md). */
export const DEFAULT_CGNN: CgnnConfig = {
  hidden: 16, layers: 3, maxNeighbors: 12, dropout: 0.3, learningRate: 3e-3, maxEpochs: 50, patience: 12,
  batchSize: 16, seed: 0, bounds: 'censored',
};

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
}

/** JS UnsortedSegmentSum for the WASM backend (x: [n, ...inner], ids: [n] int32). */
function segmentSumKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const be = args.backend as WasmBackendLike;
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = be.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const xv = be.readSync(x.dataId), ids = be.readSync(segmentIds.dataId);
  const ov = be.typedArrayFromHeap(out);
  ov.fill(0);
  for (let r = 0; r < ids.length; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner, xi = r * inner;
    for (let c = 0; c < inner; c++) ov[o + c] += xv[xi + c];
  }
  return out;
}

/**
 * Select the WASM backend (@dendra/core/tfjs.ts initBackend) and register the segment-sum kernel once.
 * @throws Error when the backend cannot be initialised.
 */
export async function initCgnnBackend(): Promise<void> {
  await initBackend();
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: segmentSumKernel as unknown as tf.KernelFunc });
  }
}

/**
 * Segment sum over rows with a plain-gather gradient (the stock gradient adds five full-size
 * masking ops for negative ids, which never occur here). `ids` must lie in [0, n).
 */
export function segmentSum(x: tf.Tensor, ids: tf.Tensor1D, n: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.unsortedSegmentSum(args[0] as tf.Tensor, ids, n),
    gradFunc: (dy: tf.Tensor) => tf.gather(dy, ids),
  }));
  return f(x);
}

/** Trainable parameters by name. */
export type CgnnParams = Record<string, tf.Variable>;

let varCounter = 0;

/**
 * Fresh parameters: Glorot-uniform weights seeded from `seed`, zero biases. Same seed, same weights.
 * @throws RangeError for a non-positive hidden width, layer or Gaussian count.
 */
export function initCgnnParams(cfg: CgnnConfig, nGaussians: number, stateDim = 0): CgnnParams {
  const H = cfg.hidden;
  if (!(H >= 1 && cfg.layers >= 1 && nGaussians >= 1 && stateDim >= 0)) throw new RangeError('hidden, layers and nGaussians must be >= 1');
  const shapes: Record<string, number[]> = { We: [NODE_DIM, H], b: [H], Wg: [H, 1], W1: [stateDim > 0 ? 2 * H : H, H], b1: [H], W2: [H, 1], b2: [1] };
  if (stateDim > 0) Object.assign(shapes, { Wu: [stateDim, H], bu: [H] });
  for (let l = 0; l < cfg.layers; l++) {
    Object.assign(shapes, { [`Wn${l}`]: [H, H], [`Wf${l}`]: [nGaussians, H], [`bm${l}`]: [H], [`Ws${l}`]: [H, H], [`Wo${l}`]: [H, H], [`bl${l}`]: [H] });
  }
  const out: CgnnParams = {};
  Object.entries(shapes).forEach(([name, shape], k) => {
    const init = shape.length === 1
      ? tf.zeros(shape)
      : tf.randomUniform(shape, -1, 1, 'float32', cfg.seed * 7919 + k).mul(Math.sqrt(6 / (shape[0] + shape[1])));
    out[name] = tf.variable(init, true, `cgnn_${name}_${varCounter++}`);
    init.dispose();
  });
  return out;
}

/** Free the parameters. */
export function disposeCgnnParams(p: CgnnParams): void {
  for (const v of Object.values(p)) v.dispose();
}

/** A batch as tensors (dispose with {@link disposeBatch}). */
export interface BatchTensors {
  readonly nGraphs: number;
  readonly nNodes: number;
  readonly x: tf.Tensor2D;
  readonly occupancy: tf.Tensor1D;
  readonly graphOf: tf.Tensor1D;
  readonly src: tf.Tensor1D;
  readonly dst: tf.Tensor1D;
  readonly edgeWeight: tf.Tensor2D;
  readonly edgeFeatures: tf.Tensor2D;
  /** Global state per crystal [nGraphs, stateDim], when the model has one. */
  readonly state?: tf.Tensor2D;
}

/**
 * Upload a {@link GraphBatch} and, optionally, the crystals' state vectors (one row per crystal).
 * @throws RangeError when `state` has a different row count than the batch has crystals.
 */
export function batchTensors(b: GraphBatch, state?: readonly (readonly number[])[]): BatchTensors {
  const E = b.src.length;
  if (state && state.length !== b.nGraphs) throw new RangeError(`${state.length} state rows for ${b.nGraphs} crystals`);
  return {
    nGraphs: b.nGraphs, nNodes: b.nNodes, ...(state && state.length > 0 && state[0].length > 0 ? { state: tf.tensor2d(state as number[][]) } : {}),
    x: tf.tensor2d(b.x, [b.nNodes, NODE_DIM]), occupancy: tf.tensor1d(b.occupancy), graphOf: tf.tensor1d(b.graphOf, 'int32'),
    src: tf.tensor1d(b.src, 'int32'), dst: tf.tensor1d(b.dst, 'int32'),
    edgeWeight: tf.tensor2d(b.edgeWeight, [E, 1]), edgeFeatures: tf.tensor2d(b.edgeFeatures, [E, b.nGaussians]),
  };
}

/** Free a batch's tensors. */
export function disposeBatch(t: BatchTensors): void {
  for (const v of [t.x, t.occupancy, t.graphOf, t.src, t.dst, t.edgeWeight, t.edgeFeatures, t.state]) v?.dispose();
}

/**
 * Forward pass up to the pooled crystal vectors [nGraphs, H] (call inside tf.tidy).
 * Occupancy-weighted attention: softmax of the gate over each crystal's atoms, weighted by occupancy.
 */
export function pooled(p: CgnnParams, t: BatchTensors, cfg: CgnnConfig): tf.Tensor2D {
  let h = tf.relu(tf.add(tf.matMul(t.x, p.We), p.b)) as tf.Tensor2D;
  for (let l = 0; l < cfg.layers; l++) {
    const hn = tf.gather(tf.matMul(h, p[`Wn${l}`] as tf.Tensor2D), t.dst);
    const m = tf.relu(tf.add(tf.add(hn, tf.matMul(t.edgeFeatures, p[`Wf${l}`] as tf.Tensor2D)), p[`bm${l}`]));
    const a = segmentSum(tf.mul(m, t.edgeWeight), t.src, t.nNodes).div(cfg.maxNeighbors) as tf.Tensor2D;
    const upd = tf.relu(tf.add(tf.add(tf.matMul(h, p[`Ws${l}`] as tf.Tensor2D), tf.matMul(a, p[`Wo${l}`] as tf.Tensor2D)), p[`bl${l}`]));
    h = tf.add(h, upd) as tf.Tensor2D;
  }
  const s = tf.matMul(h, p.Wg).reshape([t.nNodes]);
  const num = tf.mul(tf.exp(tf.sub(s, tf.max(s))), t.occupancy);
  const den = segmentSum(num, t.graphOf, t.nGraphs);
  const alpha = tf.div(num, tf.maximum(tf.gather(den, t.graphOf), 1e-12)).reshape([t.nNodes, 1]);
  return segmentSum(tf.mul(h, alpha), t.graphOf, t.nGraphs) as tf.Tensor2D;
}

/**
 * Standardized predictions [nGraphs] (call inside tf.tidy). `dropoutSeed` null = inference.
 */
export function forward(p: CgnnParams, t: BatchTensors, cfg: CgnnConfig, dropoutSeed: number | null = null): tf.Tensor1D {
  let g: tf.Tensor2D = pooled(p, t, cfg);
  if (p.Wu !== undefined) {
    if (t.state === undefined) throw new RangeError('the model has a global state input but the batch has no state');
    g = tf.concat([g, tf.relu(tf.add(tf.matMul(t.state, p.Wu as tf.Tensor2D), p.bu)) as tf.Tensor2D], 1);
  }
  let z = tf.relu(tf.add(tf.matMul(g, p.W1), p.b1));
  if (dropoutSeed !== null && cfg.dropout > 0) z = tf.dropout(z, cfg.dropout, undefined, dropoutSeed);
  return tf.add(tf.matMul(z, p.W2), p.b2).reshape([t.nGraphs]) as tf.Tensor1D;
}

/**
 * Mean censored squared loss (censored.ts) as a tensor: (f - y)² for exact rows, max(0, f - y)²
 * for upper bounds (zero loss and zero gradient at or below the bound).
 */
export function censoredLossTensor(pred: tf.Tensor1D, target: tf.Tensor1D, censored: tf.Tensor1D): tf.Scalar {
  const d = tf.sub(pred, target);
  const c = tf.mul(censored, tf.square(tf.relu(d)));
  const e = tf.mul(tf.sub(1, censored), tf.square(d));
  return tf.mean(tf.add(c, e));
}

/** Training targets: value (log10 σ, or the bound) and whether it is an upper bound. */
export interface CgnnTarget { readonly value: number; readonly censored: boolean }

/** A trained network with its scalers. */
export interface CgnnModel {
  readonly params: CgnnParams;
  readonly cfg: CgnnConfig;
  readonly scaler: NodeScaler;
  readonly yMean: number;
  readonly yStd: number;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  /** Mean training loss per epoch (standardized units). */
  readonly trainLoss: number[];
}

/** Per-epoch callback payload. */
export interface CgnnEpoch { epoch: number; trainLoss: number; valLoss: number | null }

/** Standardized targets and censoring flags (bounds become exact -15 under bounds = 'score'). */
function encodeTargets(ts: readonly CgnnTarget[], cfg: CgnnConfig, mean: number, std: number): { y: Float32Array; c: Float32Array } {
  const score = cfg.bounds === 'score';
  return {
    y: Float32Array.from(ts, (t) => ((t.censored && score ? -15 : t.value) - mean) / std),
    c: Float32Array.from(ts, (t) => (t.censored && !score ? 1 : 0)),
  };
}

/**
 * Predictions in log10 σ for `graphs` (inference mode, batches of 64 crystals).
 * @throws RangeError when `graphs` is empty.
 */
export function predictCgnn(m: CgnnModel, graphs: readonly PreparedGraph[], states?: readonly (readonly number[])[]): number[] {
  if (graphs.length === 0) throw new RangeError('no graphs to predict');
  const out: number[] = [];
  for (let i = 0; i < graphs.length; i += 64) {
    const t = batchTensors(makeBatch(graphs.slice(i, i + 64), m.scaler), states?.slice(i, i + 64));
    const y = tf.tidy(() => forward(m.params, t, m.cfg));
    for (const v of y.dataSync()) out.push(v * m.yStd + m.yMean);
    y.dispose();
    disposeBatch(t);
  }
  return out;
}

/** Options of {@link trainCgnn}. */
export interface TrainCgnnOptions {
  /** Inner validation graphs and targets for early stopping (none: run all epochs, keep the last). */
  readonly val?: { graphs: readonly PreparedGraph[]; targets: readonly CgnnTarget[]; states?: readonly (readonly number[])[] };
  /** Global state vector per training crystal (all the same length; none: a graph-only model). */
  readonly states?: readonly (readonly number[])[];
  readonly onEpoch?: (e: CgnnEpoch) => void;
}

/** Copy of the parameter values (for restoring the best epoch). */
function snapshot(p: CgnnParams): Map<string, tf.Tensor> {
  return new Map(Object.entries(p).map(([k, v]) => [k, v.clone()]));
}

/**
 * Train a network on `graphs` with `targets` (seeded: init, shuffling, dropout). The node scaler
 * and target standardization are fitted on these graphs only (exact rows for the target mean/std).
 * @throws RangeError when graphs and targets differ in length, there are no graphs, or the
 *   backend was not initialised with {@link initCgnnBackend} (tf throws for the missing kernel).
 */
export function trainCgnn(graphs: readonly PreparedGraph[], targets: readonly CgnnTarget[], cfg: CgnnConfig = DEFAULT_CGNN,
  o: TrainCgnnOptions = {}): CgnnModel {
  if (graphs.length !== targets.length || graphs.length === 0) throw new RangeError('need equally many (>0) graphs and targets');
  const scaler = fitNodeScaler(graphs);
  const exact = targets.filter((t) => !t.censored || cfg.bounds === 'score').map((t) => (t.censored ? -15 : t.value));
  const yMean = exact.length > 0 ? stats.mean(exact) : 0;
  const yStdRaw = exact.length > 1 ? stats.std(exact) : 1;
  const yStd = yStdRaw > 1e-6 ? yStdRaw : 1;
  const enc = encodeTargets(targets, cfg, yMean, yStd);
  const st = o.states;
  if (st && st.length !== graphs.length) throw new RangeError(`${st.length} state rows for ${graphs.length} graphs`);
  const params = initCgnnParams(cfg, graphs[0].nGaussians, st?.[0]?.length ?? 0);
  const vars = Object.values(params);
  const opt = tf.train.adam(cfg.learningRate);
  const rand = mulberry32(cfg.seed * 31337 + 11);
  const valT = o.val && o.val.graphs.length > 0 ? batchTensors(makeBatch(o.val.graphs, scaler), o.val.states) : null;
  const valEnc = o.val ? encodeTargets(o.val.targets, cfg, yMean, yStd) : null;
  const valY = valEnc ? tf.tensor1d(valEnc.y) : null, valC = valEnc ? tf.tensor1d(valEnc.c) : null;
  let best = Infinity, bestEpoch = 0, bestParams: Map<string, tf.Tensor> | null = null, epoch = 0, step = 0;
  const trainLoss: number[] = [];
  const order = graphs.map((_, i) => i);
  try {
    for (epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
      (opt as unknown as { learningRate: number }).learningRate =
        cfg.learningRate * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / cfg.maxEpochs)));
      for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
      let sum = 0;
      for (let i = 0; i < order.length; i += cfg.batchSize) {
        const idx = order.slice(i, i + cfg.batchSize);
        const t = batchTensors(makeBatch(idx.map((k) => graphs[k]), scaler), st && idx.map((k) => st[k]));
        const seed = cfg.seed * 1_000_003 + step++;
        const loss = tf.tidy(() => {
          const y = tf.tensor1d(idx.map((k) => enc.y[k])), c = tf.tensor1d(idx.map((k) => enc.c[k]));
          return opt.minimize(() => censoredLossTensor(forward(params, t, cfg, seed), y, c), true, vars)!;
        });
        sum += loss.dataSync()[0] * idx.length;
        loss.dispose();
        disposeBatch(t);
      }
      trainLoss.push(sum / order.length);
      let valLoss: number | null = null;
      if (valT && valY && valC) {
        const l = tf.tidy(() => censoredLossTensor(forward(params, valT, cfg), valY, valC));
        valLoss = l.dataSync()[0];
        l.dispose();
        if (valLoss < best) {
          best = valLoss; bestEpoch = epoch;
          bestParams?.forEach((v) => v.dispose());
          bestParams = snapshot(params);
        }
      }
      o.onEpoch?.({ epoch, trainLoss: trainLoss[trainLoss.length - 1], valLoss });
      if (valT && epoch - bestEpoch >= cfg.patience) break;
    }
    if (bestParams) for (const [k, v] of bestParams) params[k].assign(v);
  } finally {
    bestParams?.forEach((v) => v.dispose());
    if (valT) disposeBatch(valT);
    valY?.dispose(); valC?.dispose();
    opt.dispose();
  }
  return { params, cfg, scaler, yMean, yStd, epochsRun: Math.min(epoch, cfg.maxEpochs), bestEpoch: bestParams ? bestEpoch : Math.min(epoch, cfg.maxEpochs), trainLoss };
}
