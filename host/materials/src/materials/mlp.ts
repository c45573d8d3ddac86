/**
 * Multilayer-perceptron baseline in TensorFlow.js on the preprocessed descriptor rows (the seed's
 * "MLP on composition plus lattice and space-group features"): two ReLU hidden layers
 * ({@link MLP_DEFAULTS}), dropout, L2 weight decay, Adam, full-batch, a fixed epoch count, targets
 * standardized on the training fold, predictions clipped to the training target range. Loss: squared error, or the censored squared loss
 * (censored.ts) for `censored` = true (bound rows penalized only when predicted above the bound).
 *
 * Training is synchronous on whatever tfjs backend is active (the CLI selects WASM first; the
 * default CPU backend gives the same numbers, slower). Seeded: same data and seed, same model.
 */
import * as tf from '@tensorflow/tfjs';
import * as stats from '@dendra/core/stats.ts';

/** MLP hyper-parameters. */
export interface MlpConfig {
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly learningRate: number;
  readonly dropout: number;
  readonly l2: number;
  readonly seed: number;
}

/** Defaults (chosen for ~1 s per fit on ~400 rows, not tuned on the test split: there is none here). */
export const MLP_DEFAULTS: MlpConfig = { hidden: [64, 32], epochs: 300, learningRate: 3e-3, dropout: 0.1, l2: 1e-4, seed: 0 };

/** Serialized MLP (plain JSON). */
export interface MlpJson {
  readonly kind: 'mlp' | 'mlp-cens';
  readonly mean: number;
  readonly std: number;
  /** Training target range; predictions are clipped to it (an MLP extrapolates wildly on rows outside the training feature range). */
  readonly yMin: number;
  readonly yMax: number;
  /** Per layer: weights row-major [in, out] and bias [out]. */
  readonly layers: { w: number[]; b: number[]; shape: [number, number] }[];
}

function forward(x: tf.Tensor2D, ws: readonly tf.Tensor2D[], bs: readonly tf.Tensor1D[], dropout: number, seed: number | null): tf.Tensor2D {
  let h = x;
  for (let l = 0; l < ws.length; l++) {
    h = tf.add(tf.matMul(h, ws[l]), bs[l]) as tf.Tensor2D;
    if (l < ws.length - 1) {
      h = tf.relu(h);
      if (seed !== null && dropout > 0) h = tf.dropout(h, dropout, undefined, seed + l) as tf.Tensor2D;
    }
  }
  return h;
}

/**
 * Train an MLP. `y` holds log10 sigma, or the bound for censored rows (used as the bound only when
 * `censored` loss is on; the caller substitutes -15 otherwise).
 * @throws RangeError for empty data or mismatched lengths.
 */
export function fitMlp(X: readonly number[][], y: readonly number[], censored: readonly boolean[], useCensoredLoss: boolean, cfg: MlpConfig = MLP_DEFAULTS): MlpJson {
  if (X.length === 0 || X.length !== y.length || y.length !== censored.length) throw new RangeError('MLP needs equal, non-empty X, y and censored');
  const mean = stats.mean(y);
  const std = stats.std(y) || 1;
  const sizes = [X[0].length, ...cfg.hidden, 1];
  let layers: MlpJson['layers'] = [];
  tf.tidy(() => {
    const ws = sizes.slice(1).map((n, l) => tf.variable(tf.randomUniform([sizes[l], n], -1, 1, 'float32', cfg.seed * 131 + l).mul(Math.sqrt(6 / (sizes[l] + n))) as tf.Tensor2D));
    const bs = sizes.slice(1).map((n) => tf.variable(tf.zeros([n]) as tf.Tensor1D));
    const xt = tf.tensor2d(X.map((r) => [...r]));
    const yt = tf.tensor1d(y.map((v) => (v - mean) / std));
    const ct = tf.tensor1d(censored.map((c) => (c && useCensoredLoss ? 1 : 0)));
    const opt = tf.train.adam(cfg.learningRate);
    for (let e = 0; e < cfg.epochs; e++) {
      opt.minimize(() => {
        const p = forward(xt, ws, bs, cfg.dropout, cfg.seed * 100003 + e * 17).reshape([-1]) as tf.Tensor1D;
        const d = tf.sub(p, yt);
        // censored rows: only the part above the bound costs
        const err = tf.where(tf.greater(ct, 0), tf.relu(d), d);
        const reg = ws.reduce((s: tf.Scalar, w) => tf.add(s, tf.sum(tf.square(w))) as tf.Scalar, tf.scalar(0));
        return tf.add(tf.mean(tf.square(err)), tf.mul(cfg.l2, reg)) as tf.Scalar;
      });
    }
    layers = ws.map((w, l) => ({ w: Array.from(w.dataSync()), b: Array.from(bs[l].dataSync()), shape: w.shape as [number, number] }));
    opt.dispose();
    for (const v of [...ws, ...bs]) v.dispose();
  });
  return { kind: useCensoredLoss ? 'mlp-cens' : 'mlp', mean, std, yMin: Math.min(...y), yMax: Math.max(...y), layers };
}

/**
 * Predict log10 sigma with a serialized MLP.
 * @throws RangeError when a row's width differs from the first layer's input size.
 */
export function predictMlp(m: MlpJson, X: readonly number[][]): number[] {
  if (X.length === 0) return [];
  if (X[0].length !== m.layers[0].shape[0]) throw new RangeError(`MLP expects ${m.layers[0].shape[0]} features, got ${X[0].length}`);
  return tf.tidy(() => {
    const ws = m.layers.map((l) => tf.tensor2d(l.w, l.shape));
    const bs = m.layers.map((l) => tf.tensor1d(l.b));
    const out = forward(tf.tensor2d(X.map((r) => [...r])), ws, bs, 0, null).dataSync();
    return Array.from(out, (v) => Math.min(m.yMax, Math.max(m.yMin, v * m.std + m.mean)));
  });
}
