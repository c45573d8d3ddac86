import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { baselines, ErrorAccumulator } from './metrics.ts';
import { evalWindows, fitGrid, FLOAT_MODEL_FILE, loadDataset, loadFloatModel, resolveOptions, trainGrid, type EpochProgress } from './train.ts';
import { importWeights, disposeParams } from './model.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-grid-train-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('tiny training run: never worse on validation than its start (the ridge skip), every window scored, weights saved and reloadable', async () => {
  const epochs: EpochProgress[] = [];
  const out = path.join(tmp, 'a');
  const r = await trainGrid({ outDir: out, epochs: 3, maxWindowsPerEpoch: 512, patience: 10, seed: 4, learningRate: 1e-3, onEpoch: (e) => epochs.push(e) });
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.ok(epochs.every((e) => Number.isFinite(e.loss) && e.loss > 0), `loss ${epochs.map((e) => e.loss.toFixed(4))}`);
  assert.equal(r.metrics.val.windows, 2857);
  assert.equal(r.metrics.test.windows, 2857);
  assert.ok(Number.isFinite(r.metrics.test.mse) && r.metrics.test.mse > 0);
  const saved = loadFloatModel(out);
  // epoch 0 is the initial model, the ridge fit alone: early stopping keeps it unless training beats it
  const start = saved.baselines.val.linearS!.mse;
  assert.ok(r.metrics.val.mse <= start * (1 + 1e-5), `val ${r.metrics.val.mse} vs start ${start}`);
  assert.ok(epochs.every((e) => e.bestValMse <= start * (1 + 1e-5)));
  assert.equal(saved.budget.bestEpoch, r.bestEpoch);
  assert.equal(saved.budget.maxWindowsPerEpoch, 512);
  assert.equal(saved.metrics.val.mse, r.metrics.val.mse);
  // the saved weights reproduce the reported validation metric
  const ds = loadDataset();
  const p = importWeights(saved.weights);
  const again = evalWindows(p, saved.adjacency, ds.z, ds.starts.val, 1000); // 1000 does not divide 2857
  disposeParams(p);
  assert.ok(Math.abs(again.mse - r.metrics.val.mse) < 1e-6);
  assert.equal(again.windows, 2857);
});

test('training is reproducible for a seed, and the seed matters', async () => {
  const ds = loadDataset();
  const run = async (seed: number) => (await fitGrid(ds, resolveOptions({ epochs: 1, maxWindowsPerEpoch: 128, seed, learningRate: 1e-3, patience: 5 }))).weights;
  const a = await run(9);
  assert.deepEqual(await run(9), a);
  assert.notDeepEqual((await run(10)).W0, a.W0);
});

test('bad options and bad model directories are InputErrors', async () => {
  await assert.rejects(trainGrid({ outDir: tmp, epochs: 0 }), (e: unknown) => e instanceof InputError && /epochs must be a positive integer/.test(e.message));
  assert.throws(() => loadFloatModel(path.join(tmp, 'none')), /cannot read the float grid model.*dendra train grid/);
  writeFileSync(path.join(tmp, FLOAT_MODEL_FILE), '{"format":"other"}');
  assert.throws(() => loadFloatModel(tmp), /not a dendra grid float model/);
  assert.ok(readFileSync(path.join(tmp, FLOAT_MODEL_FILE), 'utf8').length > 0);
});

test('baselines: last value and seasonal naive on a synthetic daily cycle', () => {
  // OT = sin(2 pi t / 24): seasonal-naive is exact; last value is not
  const rows = 500; // windows of the board L (336) + 24 from rows 0, 10, 50
  const z = new Float32Array(rows * 7);
  for (let t = 0; t < rows; t++) z[t * 7 + 6] = Math.sin((2 * Math.PI * t) / 24);
  const b = baselines(z, [0, 10, 50]);
  assert.ok(b.seasonalNaive24h.mse < 1e-10);
  assert.ok(b.lastValue.mse > 0.1);
  assert.equal(b.lastValue.windows, 3);
  const acc = new ErrorAccumulator();
  acc.add(new Array(24).fill(1), new Array(24).fill(-1));
  assert.deepEqual(acc.result(), { mse: 4, mae: 2, windows: 1 });
});

test('seeded shuffle is a reproducible permutation', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const a = shuffled(items, mulberry32(1));
  assert.deepEqual(a, shuffled(items, mulberry32(1)));
  assert.notDeepEqual(a, items);
  assert.deepEqual([...a].sort((x, y) => x - y), items);
});
