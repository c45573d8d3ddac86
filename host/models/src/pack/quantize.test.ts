import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, featureNorm, normalizeX, MAX_CELLS } from './dataset.ts';
import { exportWeights, initParams, disposeParams } from './model.ts';
import { predictSplit } from './train.ts';
import { buildPackQModel, calibrate, predictInt8 } from './quantize.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { initBackend } from '@dendra/core/tfjs.ts';

test('the int8 pack model runs in the host executor and tracks the float model', async () => {
  await initBackend();
  const ds = buildDataset({ seed: 9, packs: { train: 3, val: 1, test: 2 }, stride: { train: 8, val: 50, test: 25 }, cycles: 200, only: ['train'] });
  const norm = featureNorm(ds.train);
  const train = { split: ds.train, x: normalizeX(ds.train, norm) };
  // Compare on the calibration distribution: an untrained model amplifies the held-out packs'
  // shift far outside the calibrated ranges, which is a property of the data, not of the graph.
  const test = train;
  const p = initParams(3);
  const w = exportWeights(p);
  disposeParams(p);
  const ranges = await calibrate(w, train, 256, 1);
  const fl = await predictSplit(w, test);
  const q = predictInt8(test, (series, parallel) => buildPackQModel(w, ranges, { series, parallel }));
  let maxDiff = 0;
  let maxLead = 0;
  for (let i = 0; i < test.split.size; i++) {
    for (let k = 0; k < MAX_CELLS; k++) {
      const j = i * MAX_CELLS + k;
      if (!(test.split.wCell[j] > 0)) continue;
      maxDiff = Math.max(maxDiff, Math.abs(fl.cell[j] - q.cell[j]));
      maxLead = Math.max(maxLead, Math.abs(fl.lead[j] - q.lead[j]));
      assert.ok(Number.isInteger(q.lead[j]) && q.lead[j] >= 0 && q.lead[j] <= 255, `int8 lead ${q.lead[j]} is q + 128 cycles`);
    }
    maxDiff = Math.max(maxDiff, Math.abs(fl.pack[i] - q.pack[i]));
  }
  assert.ok(test.split.size > 0);
  assert.ok(maxDiff < 0.08, `max |float - int8| probability ${maxDiff}`);
  assert.ok(maxLead < 0.08 * 256, `max |float - int8| lead ${maxLead} cycles`);
  const m = buildPackQModel(w, ranges, { series: 4, parallel: 4 });
  const back = readTflite(writeTflite(m));
  assert.equal(back.ops.length, m.ops.length);
  assert.deepEqual(back.tensors[back.outputs[0]].shape, [2 * MAX_CELLS + 1, 1]); // risks, pack, leads
});
