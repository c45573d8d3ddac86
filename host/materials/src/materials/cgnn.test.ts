import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fitNodeScaler, makeBatch, NODE_PROPS, prepareGraphs, type PreparedGraph } from './cgnn-data.ts';
import {
  batchTensors, censoredLossTensor, DEFAULT_CGNN, disposeBatch, disposeCgnnParams, forward, initCgnnBackend, initCgnnParams, pooled, trainCgnn,
} from './cgnn.ts';
import { meanCensoredLoss } from './censored.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

const G = 8;

/** A random crystal graph with `n` nodes, each linked to up to 3 others, some partial occupancies. */
function synthetic(n: number, seed: number): PreparedGraph {
  const r = mulberry32(seed);
  const P = NODE_PROPS.length;
  const src: number[] = [], dst: number[] = [], w: number[] = [];
  const occupancy = Float32Array.from({ length: n }, () => (r() < 0.3 ? 0.5 : 1));
  for (let i = 0; i < n; i++) {
    for (let k = 1; k <= Math.min(3, n - 1); k++) { const j = (i + k) % n; src.push(i); dst.push(j); w.push(occupancy[i] * occupancy[j]); }
  }
  return {
    nNodes: n, props: Float32Array.from({ length: n * P }, () => r() * 4), occupancy, multiplicity: new Float32Array(n).fill(1),
    src: Int32Array.from(src), dst: Int32Array.from(dst), edgeWeight: Float32Array.from(w),
    edgeFeatures: Float32Array.from({ length: src.length * G }, () => r()), nGaussians: G,
  };
}

test('a crystal pools to the same vector alone and inside a concatenated batch', async () => {
  await initCgnnBackend();
  const graphs = [synthetic(5, 1), synthetic(9, 2), synthetic(3, 3)];
  const scaler = fitNodeScaler(graphs);
  const cfg = { ...DEFAULT_CGNN, hidden: 16 };
  const p = initCgnnParams(cfg, G);
  const alone = batchTensors(makeBatch([graphs[1]], scaler));
  const batch = batchTensors(makeBatch(graphs, scaler));
  const a = tf.tidy(() => pooled(p, alone, cfg)).arraySync();
  const b = tf.tidy(() => pooled(p, batch, cfg)).arraySync();
  assert.equal(b.length, 3);
  a[0].forEach((v, k) => assert.ok(Math.abs(v - b[1][k]) < 1e-5, `component ${k}: ${v} vs ${b[1][k]}`));
  assert.ok(a[0].some((v) => v !== 0), 'pooled vector is not trivially zero');
  disposeBatch(alone); disposeBatch(batch); disposeCgnnParams(p);
});

test('censored loss: zero gradient under the bound, matches censored.ts', async () => {
  await initCgnnBackend();
  const pred = [-12, -9, 0.5, -3];
  const target = [-10, -10, 1, -3.5];
  const cens = [1, 1, 0, 0];
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => censoredLossTensor(x as tf.Tensor1D, tf.tensor1d(target), tf.tensor1d(cens)))(tf.tensor1d(pred))).arraySync() as number[];
  assert.equal(g[0], 0, 'prediction under the bound gets no gradient');
  assert.ok(g[1] > 0, 'prediction above the bound is pushed down');
  assert.ok(g[2] < 0 && g[3] > 0, 'exact rows get the squared-error gradient');
  assert.ok(Math.abs(g[3] - (2 * 0.5) / 4) < 1e-6);
  const l = tf.tidy(() => censoredLossTensor(tf.tensor1d(pred), tf.tensor1d(target), tf.tensor1d(cens))).dataSync()[0];
  assert.ok(Math.abs(l - meanCensoredLoss(pred, target, cens.map((c) => c === 1))) < 1e-5);
});

test('a short training run on ~20 crystals lowers the training loss', async () => {
  await initCgnnBackend();
  const dir = join(OBELIX_DIR, 'cifs');
  let graphs: PreparedGraph[];
  if (existsSync(dir)) {
    const ids = readdirSync(dir).filter((f) => f.endsWith('.cif')).sort().slice(0, 40).map((f) => f.slice(0, -4));
    graphs = prepareGraphs(ids, dir, { cutoff: 4, nGaussians: G, maxNeighbors: 8 }).filter((g) => g.nNodes <= 120).slice(0, 20);
  } else {
    graphs = Array.from({ length: 20 }, (_, i) => synthetic(4 + (i % 7), 100 + i));
  }
  assert.ok(graphs.length >= 10);
  // a learnable target: mean electronegativity of the crystal, plus one upper bound
  const targets = graphs.map((g, i) => {
    let s = 0;
    for (let k = 0; k < g.nNodes; k++) s += g.props[k * NODE_PROPS.length];
    return { value: i === 0 ? -10 : -6 + s / g.nNodes, censored: i === 0 };
  });
  const m = trainCgnn(graphs, targets, { ...DEFAULT_CGNN, hidden: 16, maxEpochs: 15, batchSize: 8, learningRate: 5e-3, maxNeighbors: 8 });
  assert.equal(m.trainLoss.length, 15);
  const first = m.trainLoss[0], last = Math.min(...m.trainLoss.slice(-3));
  assert.ok(last < first * 0.8, `loss ${first} -> ${last}`);
  disposeCgnnParams(m.params);
});

test('global state: a crystal predicts the same alone and in a batch, the state moves the output, a missing state is refused', async () => {
  await initCgnnBackend();
  const graphs = [synthetic(5, 11), synthetic(7, 12), synthetic(4, 13)];
  const states = [[0.1, 0.9, 0.5], [0.7, 0.2, 0.3], [1, 0, 0.4]];
  const scaler = fitNodeScaler(graphs);
  const cfg = { ...DEFAULT_CGNN, hidden: 8 };
  const p = initCgnnParams(cfg, G, 3);
  assert.deepEqual(p.W1.shape, [16, 8], 'head takes [pooled, state embedding]');
  const alone = batchTensors(makeBatch([graphs[1]], scaler), [states[1]]);
  const batch = batchTensors(makeBatch(graphs, scaler), states);
  const other = batchTensors(makeBatch([graphs[1]], scaler), [states[2]]);
  const a = tf.tidy(() => forward(p, alone, cfg)).dataSync()[0];
  const b = tf.tidy(() => forward(p, batch, cfg)).dataSync()[1];
  const c = tf.tidy(() => forward(p, other, cfg)).dataSync()[0];
  assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  assert.notEqual(a, c, 'a different state vector gives a different prediction');
  const bare = batchTensors(makeBatch([graphs[1]], scaler));
  assert.throws(() => tf.tidy(() => forward(p, bare, cfg)), /no state/);
  assert.throws(() => batchTensors(makeBatch(graphs, scaler), states.slice(0, 2)), /2 state rows for 3 crystals/);
  for (const t of [alone, batch, other, bare]) disposeBatch(t);
  disposeCgnnParams(p);
});

test('orbit reduction: one node per CIF site pools to the same crystal vector as the full cell', { skip: existsSync(join(OBELIX_DIR, 'cifs')) ? false : `OBELiX CIFs not found under ${OBELIX_DIR}` }, async () => {
  await initCgnnBackend();
  const dir = join(OBELIX_DIR, 'cifs');
  const ids = readdirSync(dir).filter((f) => f.endsWith('.cif')).sort().slice(0, 30).map((f) => f.slice(0, -4));
  // every neighbour inside the cutoff is kept, so no tie at the k-th neighbour can differ between orbit members
  const opt = { cutoff: 4, nGaussians: G, maxNeighbors: 10_000 };
  const full = prepareGraphs(ids, dir, { ...opt, reduce: false });
  const red = prepareGraphs(ids, dir, opt);
  const pick = full.map((g, i) => [g, red[i]] as const).filter(([f, r]) => f.nNodes <= 200 && r.nNodes * 2 <= f.nNodes).slice(0, 3);
  assert.ok(pick.length >= 2, 'at least two crystals whose sites have multiplicity > 1');
  const cfg = { ...DEFAULT_CGNN, hidden: 8, maxNeighbors: 12 };
  const p = initCgnnParams(cfg, G);
  for (const [f, r] of pick) {
    assert.equal(r.multiplicity.reduce((a, b) => a + b, 0), f.nNodes, 'multiplicities add up to the atoms of the cell');
    const scaler = fitNodeScaler([f]);
    const tf1 = batchTensors(makeBatch([f], scaler)), tr1 = batchTensors(makeBatch([r], scaler));
    const a = tf.tidy(() => pooled(p, tf1, cfg)).dataSync(), b = tf.tidy(() => pooled(p, tr1, cfg)).dataSync();
    a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) < 1e-4 * (1 + Math.abs(v)), `${f.nNodes} -> ${r.nNodes} nodes, component ${k}: ${v} vs ${b[k]}`));
    disposeBatch(tf1); disposeBatch(tr1);
  }
  disposeCgnnParams(p);
});
