import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationParams, dequantize, quantizeBias, quantizeWeightsPerChannel, quantizeWeightsPerTensor } from '../quant/ptq.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { loadEtt, STANDARD_SPLITS } from './data.ts';
import { gridAdjacency } from './graph.ts';
import { disposeParams, exportWeights, initParams } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { buildGridQModel, calibrate, CALIBRATED, type Ranges } from './qmodel.ts';
import { countMacs, estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';
import { loadDataset } from './train.ts';
import { BOARD_CONFIG, layout } from './config.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';

test('activation params: 0 is exact, the range maps onto [-128, 127]', () => {
  for (const [lo, hi] of [[-1.5, 3.2], [0, 6], [0.5, 2], [-4, -1]]) {
    const q = activationParams(lo, hi);
    const s = q.scale[0];
    const zp = q.zeroPoint[0];
    assert.equal(s, Math.fround(s));
    assert.ok(zp >= -128 && zp <= 127);
    assert.equal(dequantize([zp], q)[0], 0);
    const l = Math.min(lo, 0);
    const h = Math.max(hi, 0);
    assert.ok(Math.abs((-128 - zp) * s - l) <= s / 2 + 1e-9, `low end ${lo}`);
    assert.ok(Math.abs((127 - zp) * s - h) <= s / 2 + 1e-9, `high end ${hi}`);
  }
  assert.deepEqual(activationParams(0, 5).zeroPoint, [-128]);
  assert.throws(() => activationParams(Infinity, -Infinity), /no calibration range/);
});

test('weights: symmetric int8, per-channel scales = max|w|/127, rounding error <= scale/2', () => {
  const w = [0.5, -1.27, 0.01, 0.2, 0, 0, 3, 2.999];
  const q = quantizeWeightsPerChannel(w, 4);
  assert.deepEqual(q.quant.zeroPoint, [0, 0, 0, 0]);
  assert.equal(q.quant.scale[1], Math.fround(0.2 / 127));
  assert.equal(q.quant.scale[2], 1, 'an all-zero row keeps scale 1');
  w.forEach((v, i) => {
    const s = q.quant.scale[Math.floor(i / 2)];
    assert.ok(Math.abs(q.data[i] * s - v) <= s / 2 + 1e-12);
    assert.ok(q.data[i] >= -127);
  });
  assert.equal(Math.max(...Array.from(q.data, Math.abs)), 127);
  const t = quantizeWeightsPerTensor(w);
  assert.deepEqual(t.quant.scale, [Math.fround(3 / 127)]);
  assert.throws(() => quantizeWeightsPerChannel(w, 3), /do not split/);
});

test('bias: int32 at scale in_scale * w_scale[c], zero point 0', () => {
  const b = quantizeBias([0.1, -0.25], 0.02, [0.01, 0.005]);
  assert.deepEqual(b.quant.scale, [Math.fround(0.0002), Math.fround(0.0001)]);
  assert.deepEqual(Array.from(b.data), [Math.round(0.1 / Math.fround(0.0002)), -Math.round(0.25 / Math.fround(0.0001))]);
  assert.deepEqual(quantizeBias([1], 0.5, [0.25]).quant.scale, [0.125]);
  assert.throws(() => quantizeBias([1e9], 1e-6, [1e-6]), /overflows int32/);
});

/** The structure tests' layout: the board's task at L 96 (the hand-derived shapes and counts below; the board's L is BOARD_CONFIG.window). */
const LAY96 = layout({ ...BOARD_CONFIG, window: 96 });

/** A QModel of random (untrained) weights calibrated on real windows (L 96). */
async function randomGridModel(): Promise<{ model: QModel; ranges: Ranges }> {
  await initBackend();
  const ds = loadDataset(undefined, undefined, LAY96.cfg);
  const p = initParams(11, undefined, LAY96);
  const ranges = calibrate(p, ds.adjacency, ds.z, ds.starts.train.slice(0, 300), 256, LAY96);
  const model = buildGridQModel(exportWeights(p), ds.adjacency, ranges, { metadata: new Uint8Array([1, 2, 3]), layout: LAY96 });
  disposeParams(p);
  return { model, ranges };
}

test('QModel follows the contract op table: opcodes, shapes, fused activations, quantization', async () => {
  const { model: m, ranges } = await randomGridModel();
  const sig = m.ops.map((o) => `${o.op}:${o.inputs.map((i) => m.tensors[i].shape.join('x')).join(',')}->${m.tensors[o.outputs[0]].shape.join('x')}`);
  assert.deepEqual(sig, [
    'FULLY_CONNECTED:7x96,16x96,16->7x16', 'BATCH_MATMUL:7x7,7x16->7x16', 'FULLY_CONNECTED:7x16,16x16,16->7x16',
    'BATCH_MATMUL:7x7,7x16->7x16', 'FULLY_CONNECTED:7x16,16x16,16->7x16', 'FULLY_CONNECTED:7x16,1x16,1->7x1',
    'RESHAPE:7x1,2->1x7', 'SOFTMAX:1x7->1x7', 'BATCH_MATMUL:1x7,7x16->1x16', 'FULLY_CONNECTED:1x16,24x16,24->1x24',
    'BATCH_MATMUL:1x7,7x96->1x96', 'FULLY_CONNECTED:1x96,24x96,24->1x24', 'ADD:1x24,1x24->1x24',
  ]);
  assert.deepEqual(m.ops.filter((o) => o.op === 'FULLY_CONNECTED').map((o) => o.options.activation), ['RELU', 'RELU', 'RELU', 'NONE', 'NONE', 'NONE']);
  // the linear skip: SEL picks the OT row of X (one-hot 127 at scale 1/127) and keeps X's quantization
  const [sel, xin] = m.ops[10].inputs.map((i) => m.tensors[i]);
  assert.equal(m.ops[10].inputs[1], m.inputs[0], 'the skip reads the model input');
  assert.deepEqual(Array.from(sel.data!), [0, 0, 0, 0, 0, 0, 127]);
  assert.deepEqual(m.tensors[m.ops[10].outputs[0]].quant, xin.quant);
  assert.deepEqual(m.ops[12].inputs, [m.ops[9].outputs[0], m.ops[11].outputs[0]], 'Y = graph head + linear skip');
  assert.deepEqual(m.tensors[m.inputs[0]].shape, [7, 96]);
  assert.deepEqual(m.tensors[m.outputs[0]].shape, [1, 24]);
  for (const op of m.ops.filter((o) => o.op === 'FULLY_CONNECTED')) {
    const [x, w, b] = op.inputs.map((i) => m.tensors[i]);
    assert.equal(w.type, 'int8');
    assert.equal(w.quant!.scale.length, w.shape[0], `${w.name} per-channel`);
    assert.ok(w.quant!.zeroPoint.every((z) => z === 0));
    assert.equal(b.type, 'int32');
    b.quant!.scale.forEach((s, c) => assert.equal(s, Math.fround(x.quant!.scale[0] * w.quant!.scale[c])));
  }
  const a = m.tensors[m.ops[1].inputs[0]];
  assert.ok(a.data instanceof Int8Array && a.quant!.scale.length === 1 && a.quant!.zeroPoint[0] === 0);
  assert.strictEqual(m.ops[3].inputs[0], m.ops[1].inputs[0], 'both propagation steps use the same constant A');
  const [s, s2, p] = [m.ops[6].inputs[0], m.ops[6].outputs[0], m.ops[7].outputs[0]].map((i) => m.tensors[i]);
  assert.deepEqual(s2.quant, s.quant, 'RESHAPE output shares its input quantization');
  assert.deepEqual(Array.from(m.tensors[m.ops[6].inputs[1]].data!), [1, 7]);
  assert.deepEqual([p.quant!.scale[0], p.quant!.zeroPoint[0]], [1 / 256, -128]);
  for (const k of CALIBRATED) assert.ok(ranges[k].max >= ranges[k].min, k);
  assert.equal(ranges.H0.min, 0, 'relu output');
  assert.deepEqual(Array.from(m.metadata.dendra), [1, 2, 3]);
});

test('MACs counted from the op shapes; arena estimate from a greedy lifetime plan', async () => {
  const { model } = await randomGridModel();
  // 7*96*16 + 2*(7*7*16) + 2*(7*16*16) + 7*16*1 + 1*7*16 + 1*16*24 + skip: 1*7*96 + 1*96*24
  assert.equal(countMacs(model), 10752 + 1568 + 3584 + 112 + 112 + 384 + 672 + 2304);
  // X (672) stays alive until the skip reads it (op 10); the largest set alive at once is X with
  // two [7,16] activations (e.g. M1 and H1 during op 2); then 8 bytes (multiplier, shift) per
  // output channel of the FULLY_CONNECTED layers with per-channel weights (96 channels)
  const n = model.ops.filter((o) => o.op === 'FULLY_CONNECTED').map((o) => model.tensors[o.inputs[1]].quant!.scale.length).filter((k) => k > 1);
  assert.equal(n.reduce((a, b) => a + b, 0), 96);
  assert.equal(estimateArenaBytes(model), 672 + 112 + 112 + 8 * 96);
  assert.equal(estimateArenaBytes(model, 1), 672 + 112 + 112 + 8 * 96);
});

test('the shipped board model (models/grid/grid.tflite) has the same op table at its L: input [7, L], MACs by the same count', () => {
  const m = readTflite(new Uint8Array(readFileSync(path.join(REPO_ROOT, 'models', 'grid', 'grid.tflite'))));
  const L = BOARD_CONFIG.window;
  assert.deepEqual(m.tensors[m.inputs[0]].shape, [7, L]);
  assert.deepEqual(m.ops.map((o) => o.op), ['FULLY_CONNECTED', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'RESHAPE', 'SOFTMAX', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'FULLY_CONNECTED', 'ADD']);
  // 7*L*16 + 2*(7*7*16) + 2*(7*16*16) + 7*16*1 + 1*7*16 + 1*16*24 + skip: 1*7*L + 1*L*24 (L 336: 53,808)
  assert.equal(countMacs(m), 7 * L * 16 + 1568 + 3584 + 112 + 112 + 384 + 7 * L + L * 24);
});

test('the adjacency used by the QModel is the data graph, within one quantization step', async () => {
  const d = loadEtt();
  const adj = gridAdjacency(d, STANDARD_SPLITS.train);
  const { model } = await randomGridModel();
  const a = model.tensors[model.ops[1].inputs[0]];
  adj.flat().forEach((v, i) => assert.ok(Math.abs(a.data![i] * a.quant!.scale[0] - v) <= a.quant!.scale[0] / 2 + 1e-9));
});
