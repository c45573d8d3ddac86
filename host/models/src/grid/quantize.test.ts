import { test } from 'node:test';
import { BOARD_CONFIG } from './config.ts';
import { countMacs } from '@dendra/core/tflite/estimate.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '@dendra/core/errors.ts';
import { runInt8 } from '../quant/executor.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { percentile } from './data.ts';
import { forward, importWeights, disposeParams } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { buildGridQModel, calibrate } from './qmodel.ts';
import { evalInt8Windows, quantizeGrid } from './quantize.ts';
import { loadDataset, loadFloatModel } from './train.ts';
import { gatherWindows, prepareInput } from './window.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-grid-quant-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
/** The committed float model (`dendra train grid --out models/grid`); quantized again into `tmp`. */
const floatDir = path.join(REPO_ROOT, 'models', 'grid');

test('int8 (runInt8 on prepared inputs) tracks the float model on calibration windows within a few output LSB', async () => {
  await initBackend();
  const f = loadFloatModel(floatDir);
  const ds = loadDataset();
  const p = importWeights(f.weights);
  const starts = ds.starts.train.filter((_, i) => i % 20 === 0);
  const meta = encodeDendraMeta({ nChannels: 7, window: BOARD_CONFIG.window, horizon: 24, target: 6, mean: f.norm.mean, std: f.norm.std, otLimitC: 30, hysteresisC: 1, modelVersion: 1, name: 'grid' });
  const m = buildGridQModel(f.weights, f.adjacency, calibrate(p, f.adjacency, ds.z, starts), { metadata: meta });
  const b = gatherWindows(ds.z, starts);
  const yf = tf.tidy(() => forward(p, tf.tensor2d(f.adjacency), tf.tensor3d(b.x, [b.size, 7, BOARD_CONFIG.window])).dataSync());
  disposeParams(p);
  const out = m.tensors[m.outputs[0]].quant!;
  const s = out.scale[0];
  let max = 0;
  let sum = 0;
  starts.forEach((st, k) => {
    const y = runInt8(m, prepareInput(m, f.norm, ds.data.rows.slice(st, st + BOARD_CONFIG.window)));
    for (let h = 0; h < 24; h++) {
      const e = Math.abs((y[h] - out.zeroPoint[0]) * s - yf[k * 24 + h]);
      max = Math.max(max, e);
      sum += e;
    }
  });
  // Input rounding plus one rounding per layer, amplified by the weights: measured ~3 LSB max,
  // ~0.4-0.7 LSB mean on trained models; a broken scale or zero point is off by tens of LSB.
  assert.ok(max <= 8 * s, `max error ${(max / s).toFixed(2)} LSB`);
  assert.ok(sum / (starts.length * 24) <= 1.5 * s, `mean error ${(sum / starts.length / 24 / s).toFixed(2)} LSB`);
});

test('quantizeGrid writes a readable .tflite with the dendra metadata and a consistent card', async () => {
  const out = path.join(tmp, 'model');
  const stages = new Set<string>();
  const r = await quantizeGrid({ modelDir: floatDir, outDir: out, calibrationWindows: 64, version: 7, onProgress: (p) => stages.add(p.stage) });
  assert.deepEqual([...stages], ['calibrate', 'evaluate']);
  assert.equal(r.tflite, path.join(out, 'grid.tflite'));
  assert.equal(r.card.bytes, statSync(r.tflite).size);
  const m = readTflite(new Uint8Array(readFileSync(r.tflite)));
  assert.deepEqual(m.ops.map((o) => o.op), ['FULLY_CONNECTED', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'RESHAPE', 'SOFTMAX', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'ADD']);
  const meta = decodeDendraMeta(m.metadata.dendra);
  const f = loadFloatModel(floatDir);
  const ds = loadDataset();
  assert.deepEqual(Array.from(meta.mean), f.norm.mean);
  assert.deepEqual(Array.from(meta.std), f.norm.std);
  assert.equal(meta.otLimitC, Math.fround(percentile(ds.data, ds.splits.train, 6, 95)));
  assert.deepEqual([meta.hysteresisC, meta.modelVersion, meta.name, meta.window, meta.horizon, meta.target], [1, 7, 'grid', BOARD_CONFIG.window, 24, 6]);
  const card = JSON.parse(readFileSync(r.cardPath, 'utf8'));
  assert.deepEqual(card, r.card);
  assert.equal(card.version, 7);
  assert.equal(card.macsPerInference, countMacs(m), 'MACs of the model as written');
  assert.equal(card.metrics.int8.test.windows, 2857);
  assert.ok(card.limitations.some((l: string) => /^test: int8 MSE [\d.]+ vs last value [\d.]+ \([+-][\d.]+%\): (beats|does NOT beat) it$/.test(l)), card.limitations.join('; '));
  assert.equal(card.io.input.scale, m.tensors[m.inputs[0]].quant!.scale[0]);
  // the card's int8 metric is what the read-back model scores (the .tflite is the measured model)
  const again = evalInt8Windows(m, meta, ds.data, ds.z, ds.starts.test);
  assert.ok(Math.abs(again.mse - r.card.metrics.int8.test.mse) <= 1e-5 * again.mse);
  // quantization costs little next to the float model's own error
  assert.ok(Math.abs(card.metrics.int8.val.mse - card.metrics.float.val.mse) < 0.1 * card.metrics.float.val.mse);
});

test('quantizeGrid: a missing float model or bad option is an InputError', async () => {
  await assert.rejects(quantizeGrid({ modelDir: path.join(tmp, 'nope'), outDir: tmp }), (e: unknown) => e instanceof InputError && /dendra train grid/.test(e.message));
  await assert.rejects(quantizeGrid({ modelDir: floatDir, outDir: tmp, calibrationWindows: 0 }), /calibration windows must be a positive integer/);
});
