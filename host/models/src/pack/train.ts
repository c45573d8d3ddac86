/**
 * Training of the float pack model (TensorFlow.js, WASM backend): seeded Adam on class-weighted
 * binary cross-entropy of the per-cell labels plus half of the pack label's, plus the lead head's
 * censored L1 loss on cycles to initiation ({@link LEAD_WEIGHT}), early stopping on the validation
 * loss, best-epoch weights kept. The same routine trains the graph-free baseline
 * (adjacency = identity on the real cells).
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { MAX_CELLS, N_FEATURES, packAdjacency, packMask, type PackSplit } from './dataset.ts';
import { disposeParams, exportWeights, forward, importWeights, initParams, LEAD_MAX, type PackParams, type PackWeights } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';

/** Options of {@link trainModel}. */
export interface TrainOptions {
  seed?: number;
  /** Maximum epochs (default 30). */
  epochs?: number;
  /** Epochs without a better validation loss before stopping (default 5). */
  patience?: number;
  batchSize?: number;
  learningRate?: number;
  /** Train the graph-free baseline (A = identity). */
  identity?: boolean;
  /** Weight of the pack-label loss (default 0.5). */
  packWeight?: number;
  /** Weight of the lead head's loss (default {@link LEAD_WEIGHT}; 0 leaves the head untrained). */
  leadWeight?: number;
  /** Called after every epoch. */
  onEpoch?: (e: { epoch: number; epochs: number; loss: number; valLoss: number; best: number }) => void;
}

/** Result of {@link trainModel}. */
export interface TrainedModel {
  weights: PackWeights;
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  /** Validation loss of the untrained model and after each epoch. */
  valLosses: number[];
  posWeight: { cell: number; pack: number };
}

/** A split with normalized features, ready for batching. */
export interface SplitTensors {
  split: PackSplit;
  /** Normalized features [S, 16, F]. */
  x: Float32Array;
}

/** Default weight of the lead loss (mean censored L1 in units of LEAD_MAX cycles) in the objective. */
export const LEAD_WEIGHT = 2;

/** Positive-class weights neg/pos of the valid training labels (1 when a class is missing). */
export function positiveWeights(s: PackSplit): { cell: number; pack: number } {
  let pos = 0, neg = 0, pp = 0, pn = 0;
  for (let i = 0; i < s.yCell.length; i++) if (s.wCell[i] > 0) { if (s.yCell[i] > 0) pos++; else neg++; }
  for (let i = 0; i < s.size; i++) if (s.yPack[i] > 0) pp++; else pn++;
  return { cell: pos && neg ? neg / pos : 1, pack: pp && pn ? pn / pp : 1 };
}

/** Gathers a batch: features, adjacency, mask, labels and weights as tensors (caller disposes). */
function batchTensors(st: SplitTensors, idx: readonly number[], identity: boolean) {
  const b = idx.length;
  const nodeF = MAX_CELLS * N_FEATURES;
  const x = new Float32Array(b * nodeF);
  const a = new Float32Array(b * MAX_CELLS * MAX_CELLS);
  const m = new Float32Array(b * MAX_CELLS);
  const yc = new Float32Array(b * MAX_CELLS);
  const wc = new Float32Array(b * MAX_CELLS);
  const yp = new Float32Array(b);
  const lt = new Float32Array(b * MAX_CELLS);
  const lo = new Float32Array(b * MAX_CELLS);
  idx.forEach((s, j) => {
    const spec = st.split.packs[st.split.pack[s]];
    x.set(st.x.subarray(s * nodeF, (s + 1) * nodeF), j * nodeF);
    a.set(packAdjacency(spec.series, spec.parallel, identity), j * MAX_CELLS * MAX_CELLS);
    m.set(packMask(spec.series, spec.parallel), j * MAX_CELLS);
    yc.set(st.split.yCell.subarray(s * MAX_CELLS, (s + 1) * MAX_CELLS), j * MAX_CELLS);
    wc.set(st.split.wCell.subarray(s * MAX_CELLS, (s + 1) * MAX_CELLS), j * MAX_CELLS);
    yp[j] = st.split.yPack[s];
    for (let k = 0; k < MAX_CELLS; k++) {
      const i = s * MAX_CELLS + k;
      lt[j * MAX_CELLS + k] = Math.min(LEAD_MAX - 1, st.split.ttc?.[i] ?? 0) / LEAD_MAX;
      lo[j * MAX_CELLS + k] = st.split.ttcObserved?.[i] ?? 0;
    }
  });
  return {
    x: tf.tensor3d(x, [b, MAX_CELLS, N_FEATURES]), a: tf.tensor3d(a, [b, MAX_CELLS, MAX_CELLS]), m: tf.tensor2d(m, [b, MAX_CELLS]),
    yc: tf.tensor2d(yc, [b, MAX_CELLS]), wc: tf.tensor2d(wc, [b, MAX_CELLS]), yp: tf.tensor1d(yp),
    lt: tf.tensor2d(lt, [b, MAX_CELLS]), lo: tf.tensor2d(lo, [b, MAX_CELLS]),
  };
}

/** Weighted BCE with logits: sum(w * bce) / sum(valid). */
function weightedBce(z: tf.Tensor, y: tf.Tensor, valid: tf.Tensor, posW: number): tf.Scalar {
  const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  const w = tf.mul(valid, tf.add(1, tf.mul(y, posW - 1)));
  return tf.div(tf.sum(tf.mul(w, bce)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
}

/**
 * Censored L1 of the lead head (units of LEAD_MAX cycles) over the valid cells: |u - target| where
 * the initiation was observed, max(0, target - u) where only a lower bound is known.
 */
function leadLoss(z: tf.Tensor, target: tf.Tensor, observed: tf.Tensor, valid: tf.Tensor): tf.Scalar {
  const d = tf.sub(tf.sigmoid(z), target);
  const e = tf.add(tf.mul(observed, tf.abs(d)), tf.mul(tf.sub(1, observed), tf.relu(tf.neg(d))));
  return tf.div(tf.sum(tf.mul(valid, e)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
}

/** The training objective on one batch. */
function batchLoss(p: PackParams, t: ReturnType<typeof batchTensors>, posW: { cell: number; pack: number }, o: { packWeight: number; leadWeight: number }): tf.Scalar {
  const out = forward(p, t.x, t.a, t.m);
  const cell = weightedBce(out.cell, t.yc, t.wc, posW.cell);
  const pack = weightedBce(out.pack, t.yp, tf.onesLike(t.yp), posW.pack);
  const lead = leadLoss(out.lead, t.lt, t.lo, t.wc);
  return tf.add(tf.add(cell, tf.mul(pack, o.packWeight)), tf.mul(lead, o.leadWeight)) as tf.Scalar;
}

/** Mean objective over a whole split (no gradient). */
function splitLoss(p: PackParams, st: SplitTensors, o: { identity: boolean; packWeight: number; leadWeight: number }, posW: { cell: number; pack: number }, batch = 512): number {
  let sum = 0;
  for (let i = 0; i < st.split.size; i += batch) {
    const idx = Array.from({ length: Math.min(batch, st.split.size - i) }, (_, k) => i + k);
    const t = batchTensors(st, idx, o.identity);
    sum += tf.tidy(() => batchLoss(p, t, posW, o).dataSync()[0]) * idx.length;
    Object.values(t).forEach((v) => v.dispose());
  }
  return sum / Math.max(1, st.split.size);
}

/** One epoch of Adam steps; returns the mean batch loss. */
function runEpoch(p: PackParams, opt: tf.Optimizer, st: SplitTensors, order: number[], o: { identity: boolean; packWeight: number; leadWeight: number; batchSize: number }, posW: { cell: number; pack: number }): number {
  let sum = 0;
  const vars = Object.values(p);
  for (let i = 0; i < order.length; i += o.batchSize) {
    const idx = order.slice(i, i + o.batchSize);
    const t = batchTensors(st, idx, o.identity);
    const l = tf.tidy(() => opt.minimize(() => batchLoss(p, t, posW, o), true, vars)!);
    sum += l.dataSync()[0] * idx.length;
    l.dispose();
    Object.values(t).forEach((v) => v.dispose());
  }
  return sum / Math.max(1, order.length);
}

/**
 * Trains one model with early stopping on the validation loss; seeded (weights and shuffling).
 *
 * @throws RangeError when the training split is empty or an option is not positive.
 */
export async function trainModel(train: SplitTensors, val: SplitTensors, opts: TrainOptions = {}): Promise<TrainedModel> {
  const o = {
    seed: opts.seed ?? 1, epochs: opts.epochs ?? 30, patience: opts.patience ?? 5, batchSize: opts.batchSize ?? 64,
    learningRate: opts.learningRate ?? 2e-3, identity: opts.identity ?? false, packWeight: opts.packWeight ?? 0.5,
    leadWeight: opts.leadWeight ?? LEAD_WEIGHT,
  };
  if (train.split.size === 0) throw new RangeError('pack training: empty training split');
  for (const k of ['epochs', 'patience', 'batchSize', 'learningRate'] as const) {
    if (!(o[k] > 0)) throw new RangeError(`pack training: ${k} must be positive, got ${o[k]}`);
  }
  await initBackend();
  const posW = positiveWeights(train.split);
  const rand = mulberry32(o.seed);
  const p = initParams(o.seed);
  const opt = tf.train.adam(o.learningRate);
  const all = Array.from({ length: train.split.size }, (_, i) => i);
  const valLosses = [splitLoss(p, val, o, posW)];
  let best = { loss: valLosses[0], epoch: 0, weights: exportWeights(p) };
  let epoch = 0;
  try {
    while (epoch < o.epochs && epoch - best.epoch < o.patience) {
      epoch++;
      const loss = runEpoch(p, opt, train, shuffled(all, rand), o, posW);
      const vl = splitLoss(p, val, o, posW);
      valLosses.push(vl);
      if (vl < best.loss) best = { loss: vl, epoch, weights: exportWeights(p) };
      opts.onEpoch?.({ epoch, epochs: o.epochs, loss, valLoss: vl, best: best.loss });
    }
  } finally {
    opt.dispose();
    disposeParams(p);
  }
  return { weights: best.weights, epochsRun: epoch, bestEpoch: best.epoch, bestValLoss: best.loss, valLosses, posWeight: posW };
}

/** Float probabilities of a split: per cell [S, 16] and per pack [S], and the lead head's cycles per cell [S, 16]. */
export async function predictSplit(w: PackWeights, st: SplitTensors, identity = false, batch = 512): Promise<{ cell: Float32Array; pack: Float32Array; lead: Float32Array }> {
  await initBackend();
  const p = importWeights(w);
  const cell = new Float32Array(st.split.size * MAX_CELLS);
  const pack = new Float32Array(st.split.size);
  const lead = new Float32Array(st.split.size * MAX_CELLS);
  try {
    for (let i = 0; i < st.split.size; i += batch) {
      const idx = Array.from({ length: Math.min(batch, st.split.size - i) }, (_, k) => i + k);
      const t = batchTensors(st, idx, identity);
      tf.tidy(() => {
        const out = forward(p, t.x, t.a, t.m);
        cell.set(tf.sigmoid(out.cell).dataSync(), i * MAX_CELLS);
        pack.set(tf.sigmoid(out.pack).dataSync(), i);
        lead.set(tf.mul(tf.sigmoid(out.lead), LEAD_MAX).dataSync(), i * MAX_CELLS);
      });
      Object.values(t).forEach((v) => v.dispose());
    }
  } finally {
    disposeParams(p);
  }
  return { cell, pack, lead };
}

/** Exposed for calibration: the tensors of a batch of samples (caller disposes every tensor). */
export const gatherBatch = batchTensors;
