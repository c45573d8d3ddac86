import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, featureNorm, normalizeX } from './dataset.ts';
import { trainModel } from './train.ts';

test('a tiny training run lowers the validation loss', async () => {
  const ds = buildDataset({ seed: 5, packs: { train: 8, val: 3, test: 1 }, stride: { train: 6, val: 6, test: 50 }, cycles: 300, only: ['train', 'val'] });
  const norm = featureNorm(ds.train);
  const st = (s: typeof ds.train) => ({ split: s, x: normalizeX(s, norm) });
  const r = await trainModel(st(ds.train), st(ds.val), { seed: 2, epochs: 4, patience: 4, learningRate: 3e-3 });
  assert.ok(r.bestValLoss < r.valLosses[0], `val losses ${r.valLosses.join(', ')}`);
  assert.ok(r.bestEpoch >= 1);
});
