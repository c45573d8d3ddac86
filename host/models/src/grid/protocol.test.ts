import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { runInt8 } from '../quant/executor.ts';
import { configLabel, layout, type GridConfig } from './config.ts';
import { loadEtt } from './data.ts';
import { denseWeights, evalLinear, fitLinear } from './linear.ts';
import { baselines } from './metrics.ts';
import { disposeParams, exportWeights, forward, initParams } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { buildGridQModel, calibrate } from './qmodel.ts';
import { evalInt8Layout } from './quantize.ts';
import { datasetFrom } from './train.ts';
import { gatherWindows } from './window.ts';
import { PROTOCOL_CONFIGS, THERMAL_CONFIGS } from './protocol.ts';

const raw = loadEtt();
const M24: GridConfig = { window: 96, horizon: 24, setting: 'M', thermal: false };

test('protocol covers S and M at 24 and 96 (and MS), input length 96, thermal only as MS ablation', () => {
  assert.deepEqual(PROTOCOL_CONFIGS.map(configLabel), ['S-24', 'S-96', 'M-24', 'M-96', 'MS-24', 'MS-96']);
  assert.deepEqual(THERMAL_CONFIGS.map(configLabel), ['MS-24+thermal', 'MS-96+thermal']);
  assert.ok([...PROTOCOL_CONFIGS, ...THERMAL_CONFIGS].every((c) => c.window === 96));
});

test('protocol split: 8640 / 2880 / 2880 own rows; windows cover every test row, the last one ending on row 14399', () => {
  for (const c of [...PROTOCOL_CONFIGS, ...THERMAL_CONFIGS]) {
    const ds = datasetFrom(raw, undefined, c);
    const { train, val, test: te } = ds.splits;
    assert.deepEqual([train.end - train.start, val.end - (val.start + c.window), te.end - (te.start + c.window)], [8640, 2880, 2880], configLabel(c));
    assert.deepEqual([train.start, val.end, te.end], [0, 11520, 14400]);
    // the first test target is the first test row; the last window's last target is the split's last row
    assert.equal(ds.starts.test[0] + c.window, 11520);
    assert.equal(ds.starts.test.at(-1)! + c.window + c.horizon - 1, 14399, `${configLabel(c)}: last test window kept`);
    assert.equal(ds.starts.val.at(-1)! + c.window + c.horizon - 1, 11519);
    // training windows never reach into validation rows
    assert.ok(ds.starts.train.at(-1)! + c.window + c.horizon <= 8640);
  }
});

test('the last incomplete batch is scored: int8 errors over 256-window batches equal the per-window mean', () => {
  const c: GridConfig = { window: 96, horizon: 24, setting: 'S', thermal: false };
  const ds = datasetFrom(raw, undefined, c);
  const lay = ds.layout;
  // a ridge-initialised S model quantized; 300 windows = one full batch of 256 + 44
  const skip = fitLinear(ds.z, ds.starts, 'S', [1e-2], { window: 96, horizon: 24, cols: 7 });
  return (async () => {
    await initBackend();
    const p = initParams(5, denseWeights(skip.model), lay);
    const w = exportWeights(p);
    const m = buildGridQModel(w, ds.adjacency, calibrate(p, ds.adjacency, ds.z, ds.starts.train.slice(0, 200), 256, lay), { metadata: new Uint8Array([1]), layout: lay });
    disposeParams(p);
    const starts = ds.starts.test.slice(-300);
    const all = evalInt8Layout(m, ds.z, starts, lay);
    assert.equal(all.windows, 300);
    const one = starts.map((s) => evalInt8Layout(m, ds.z, [s], lay));
    const mse = one.reduce((a, e) => a + e.mse, 0) / 300;
    assert.ok(Math.abs(all.mse - mse) <= 1e-12 * mse, `${all.mse} vs ${mse}`);
    // dropping the last 44 windows (drop_last with batch 256) would give a different figure
    const dropped = evalInt8Layout(m, ds.z, starts.slice(0, 256), lay);
    assert.notEqual(dropped.mse, all.mse);
  })();
});

test('every window of the split is scored at each horizon (2881 - H), for every channel in M', () => {
  for (const h of [24, 96]) {
    const ds = datasetFrom(raw, undefined, { ...M24, horizon: h });
    assert.equal(ds.starts.test.length, 2881 - h);
    assert.equal(ds.starts.val.length, 2881 - h);
    const b = baselines(ds.z, ds.starts.test, ds.layout);
    assert.equal(b.lastValue.windows, 2881 - h);
  }
});

test('M linear baseline: one map shared by the 7 channels, scored on 7 x H values per window', () => {
  const ds = datasetFrom(raw, undefined, M24);
  const shape = { window: 96, horizon: 24, cols: 7 };
  const r = fitLinear(ds.z, ds.starts, 'M', [1e-2], shape);
  assert.equal(r.model.features, 96);
  assert.equal(r.test.windows, ds.starts.test.length);
  // The shared map is no worse than repeating the last value on every channel (validation).
  const last = baselines(ds.z, ds.starts.val, ds.layout).lastValue.mse;
  assert.ok(r.val.mse < last, `linear M ${r.val.mse} vs last value ${last}`);
  assert.equal(evalLinear(r.model, ds.z, ds.starts.val.slice(0, 10)).windows, 10);
});

test('M model: per-node heads in int8 (ADD broadcast, FC per node) track the float model', async () => {
  await initBackend();
  const ds = datasetFrom(raw, undefined, M24);
  const lay = layout(M24);
  const p = initParams(3, undefined, lay);
  const w = exportWeights(p);
  // a non-trivial head (zero at init)
  w.Wh.data = w.Wh.data.map((_, i) => Math.sin(i) / 8);
  w.Wl.data = w.Wl.data.map((_, i) => Math.cos(i) / 32);
  disposeParams(p);
  const { importWeights } = await import('./model.ts');
  const q = importWeights(w, lay);
  const cal = ds.starts.train.filter((_, i) => i % 17 === 0);
  const m = buildGridQModel(w, ds.adjacency, calibrate(q, ds.adjacency, ds.z, cal, 256, lay), { metadata: new Uint8Array([1]), layout: lay });
  const sig = m.ops.slice(9).map((o) => `${o.op}:${o.inputs.map((i) => m.tensors[i].shape.join('x')).join(',')}->${m.tensors[o.outputs[0]].shape.join('x')}`);
  assert.deepEqual(sig, ['ADD:7x16,1x16->7x16', 'FULLY_CONNECTED:7x16,24x16,24->7x24', 'FULLY_CONNECTED:7x96,24x96,24->7x24', 'ADD:7x24,7x24->7x24']);
  const starts = ds.starts.test.filter((_, i) => i % 97 === 0);
  const b = gatherWindows(ds.z, starts, lay);
  const yf = tf.tidy(() => forward(q, tf.tensor2d(ds.adjacency), tf.tensor3d(b.x, [b.size, 7, 96]), lay).dataSync());
  const outQ = m.tensors[m.outputs[0]].quant!;
  const inQ = m.tensors[m.inputs[0]].quant!;
  let max = 0;
  starts.forEach((_, k) => {
    const x = Int8Array.from(b.x.subarray(k * 672, (k + 1) * 672), (v) => Math.max(-128, Math.min(127, Math.round(v / inQ.scale[0]) + inQ.zeroPoint[0])));
    const y = runInt8(m, x);
    for (let j = 0; j < 168; j++) max = Math.max(max, Math.abs((y[j] - outQ.zeroPoint[0]) * outQ.scale[0] - yf[k * 168 + j]));
  });
  assert.ok(max <= 8 * outQ.scale[0], `max error ${(max / outQ.scale[0]).toFixed(2)} LSB`);
  const e = evalInt8Layout(m, ds.z, starts, lay);
  assert.equal(e.windows, starts.length);
  disposeParams(q);
});

test('a protocol-only configuration trains and saves its config; dendra quantize refuses it (board models only)', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { trainGrid, loadFloatModel } = await import('./train.ts');
  const { quantizeGrid } = await import('./quantize.ts');
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-grid-proto-'));
  try {
    const cfg: GridConfig = { window: 96, horizon: 96, setting: 'S', thermal: false };
    const r = await trainGrid({ outDir: dir, epochs: 1, maxWindowsPerEpoch: 64, seed: 2, config: cfg });
    assert.equal(r.metrics.test.windows, 2881 - 96);
    const f = loadFloatModel(dir);
    assert.deepEqual(f.config, cfg);
    assert.deepEqual(f.weights.Wl.shape, [96, 96]);
    assert.ok(f.baselines.test.linearS && !f.baselines.test.linearMS);
    await assert.rejects(quantizeGrid({ modelDir: dir, outDir: dir }), /makes board models/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
