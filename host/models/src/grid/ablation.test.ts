import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '@dendra/core/errors.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { adaptiveAdjacency, fitAdaptive } from './adaptive.ts';
import { identityAdjacency, ridgeAlone, runAblation, runKey, scoreFit, stat, withoutEdges, type Run } from './ablation.ts';
import { configLabel, type GridConfig } from './config.ts';
import type { EttData, Splits } from './data.ts';
import { ablationPlan, GOAL_LABELS, PROTOCOL_CONFIGS, protocolReuse, type ProtocolReport } from './protocol.ts';
import { datasetFrom, resolveOptions } from './train.ts';

/** 7 synthetic channels, 420 hours: a daily cycle, a random walk, and OT lagging channel 0. */
function synthetic(): EttData {
  const r = mulberry32(11);
  const rows: Float32Array[] = [];
  let walk = 0;
  const c0: number[] = [];
  for (let t = 0; t < 420; t++) {
    walk += r() - 0.5;
    c0.push(Math.sin((2 * Math.PI * t) / 24) + 0.3 * walk);
    const row = new Float32Array(7);
    row[0] = c0[t];
    for (let c = 1; c < 6; c++) row[c] = Math.sin((2 * Math.PI * (t + 3 * c)) / 24) + 0.2 * (r() - 0.5);
    row[6] = 0.8 * (c0[t - 6] ?? 0) + 0.1 * (r() - 0.5);
    rows.push(row);
  }
  return { source: 'synthetic', dates: rows.map((_, t) => String(t)), rows };
}

const raw = synthetic();
const L = 24;
const splitsFor = (window: number): Splits => ({ train: { start: 0, end: 260 }, val: { start: 260 - window, end: 340 }, test: { start: 340 - window, end: 420 } });
const SPLITS = splitsFor(L);
const cfg = (setting: GridConfig['setting'], horizon = 4): GridConfig => ({ window: L, horizon, setting, thermal: false });
const TRAIN = resolveOptions({ epochs: 2, batchSize: 16, learningRate: 1e-3, seed: 1, patience: 3 });

test('stat: mean and sample standard deviation; one seed has no spread', () => {
  const s = stat([1, 2, 3, 6]);
  assert.equal(s.mean, 3);
  assert.ok(Math.abs(s.sd - Math.sqrt(14 / 3)) < 1e-12);
  assert.deepEqual(stat([0.5]), { mean: 0.5, sd: 0 });
});

test('no edges: the identity adjacency replaces the correlation graph, nothing else changes', () => {
  const ds = datasetFrom(raw, SPLITS, cfg('MS'));
  assert.ok(ds.adjacency[0][6] > 0.05, 'the synthetic graph has an OT edge');
  const ne = withoutEdges(ds);
  assert.deepEqual(ne.adjacency, identityAdjacency(7));
  assert.equal(ne.z, ds.z);
  assert.equal(ne.starts, ds.starts);
  assert.notDeepEqual(ds.adjacency, ne.adjacency);
});

test('ablation plan: three seeds for the goal cells only, look-back specs parsed, bad input refused', () => {
  const plan = ablationPlan([1, 2, 3], GOAL_LABELS, ['M-96@336']);
  assert.deepEqual(plan.configs, PROTOCOL_CONFIGS);
  assert.deepEqual(plan.configs.map((c) => plan.seedsOf(c).length), [1, 3, 1, 3, 1, 1]);
  assert.deepEqual(plan.lookback, [{ window: 336, horizon: 96, setting: 'M', thermal: false }]);
  assert.throws(() => ablationPlan([1], [], ['M96@336']), (e: unknown) => e instanceof InputError && e.code === 'E_USAGE');
  assert.throws(() => ablationPlan([], [], []), /seeds must be positive integers/);
});

test('protocol rows are reused as the seed-1 GNN runs (float metrics, no retraining)', () => {
  const m = { mse: 0.5, mae: 0.4, windows: 9 };
  const row = { config: cfg('M', 96), float: { val: m, test: m }, training: { bestEpoch: 2, epochsRun: 7 } };
  const reuse = protocolReuse({ rows: [row], seed: 4 } as unknown as ProtocolReport);
  assert.deepEqual(Object.keys(reuse), [runKey('gnn', row.config, 4)]);
  assert.deepEqual(reuse[runKey('gnn', row.config, 4)], { val: m, test: m, bestEpoch: 2, epochsRun: 7 });
});

test('runAblation on synthetic data: S has no edges to remove, M trains both graphs per seed, reused runs are not retrained, ridge is the skip alone', async () => {
  await initBackend();
  const fake: Run = { val: { mse: 9, mae: 9, windows: 1 }, test: { mse: 8, mae: 8, windows: 1 }, bestEpoch: 0, epochsRun: 0 };
  const stages: string[] = [];
  const rep = await runAblation({
    raw, train: TRAIN, configs: [cfg('S'), cfg('M')], seedsOf: (c) => (c.setting === 'M' ? [1, 2] : [1]), lookback: [{ ...cfg('S'), window: 48 }],
    reuse: { [runKey('gnn', cfg('M'), 2)]: fake }, onStage: (k) => stages.push(k),
    splitsOf: (c) => splitsFor(c.window),
  });
  assert.deepEqual(stages, ['gnn:S-4:L24:s1', 'gnn:M-4:L24:s1', 'noEdges:M-4:L24:s1', 'noEdges:M-4:L24:s2', 'gnn:S-4:L48:s1']);
  const [s, m] = rep.cells;
  assert.equal(s.noEdges.sameAsGnn, true);
  assert.deepEqual(s.noEdges.runs, s.gnn.runs);
  assert.equal(m.noEdges.sameAsGnn, false);
  assert.deepEqual(m.gnn.seeds, [1, 2]);
  assert.equal(m.gnn.runs[1], fake);
  assert.equal(m.gnn.mse.test.mean, (m.gnn.runs[0].test.mse + 8) / 2);
  // early stopping starts from the ridge skip: no variant is worse than the ridge on validation
  for (const c of rep.cells) {
    for (const r of [...c.gnn.runs, ...c.noEdges.runs].filter((x) => x !== fake)) assert.ok(r.val.mse <= c.ridge.val.mse * (1 + 1e-5), `${c.label}: ${r.val.mse} vs ridge ${c.ridge.val.mse}`);
  }
  assert.deepEqual(m.ridge, ridgeAlone(datasetFrom(raw, SPLITS, cfg('M'))));
  assert.equal(rep.lookback[0].label, 'S-4 L48');
  // every test target row is scored at the longer input too: 80 test rows, horizon 4
  assert.equal(rep.lookback[0].gnn.runs[0].test.windows, 80 - 4 + 1);
});

test('adaptive adjacency: rows are probability vectors; training keeps it row-stochastic and never worse than the ridge on validation', async () => {
  await initBackend();
  const e1 = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
  const e2 = tf.tensor2d([[2, 0], [0, -1], [1, 1]]);
  const a = adaptiveAdjacency(e1, e2).arraySync();
  // row 1: relu([0, -1, 1]) = [0, 0, 1] -> softmax
  const z = 1 + 1 + Math.E;
  assert.ok(Math.abs(a[1][2] - Math.E / z) < 1e-6 && Math.abs(a[1][0] - 1 / z) < 1e-6);
  for (const row of a) assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-6);
  tf.dispose([e1, e2]);
  const ds = datasetFrom(raw, SPLITS, cfg('MS'));
  const fit = await fitAdaptive(ds, TRAIN);
  assert.equal(fit.adjacency.length, 7);
  for (const row of fit.adjacency) {
    assert.ok(row.every((v) => v >= 0));
    assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5);
  }
  assert.ok(fit.bestEpoch >= 0 && fit.bestEpoch <= 2);
  const ridge = ridgeAlone(ds);
  const got = scoreFit({ ...ds, adjacency: fit.adjacency }, fit);
  assert.ok(got.val.mse <= ridge.val.mse * (1 + 1e-5), `${got.val.mse} vs ridge ${ridge.val.mse}`);
  assert.equal(configLabel(ds.layout.cfg), 'MS-4');
});
