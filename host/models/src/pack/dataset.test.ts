import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, drawSpecs, hasHeldOut, HELD_OUT, MAX_CELLS, N_FEATURES, packAdjacency, packMask, MASK_LOGIT } from './dataset.ts';

test('held-out configurations never reach train/val; every test pack has one', () => {
  const s = drawSpecs(7, { train: 60, val: 20, test: 30 });
  for (const p of [...s.train, ...s.val]) assert.equal(hasHeldOut(p), false, JSON.stringify(p));
  for (const p of s.test) assert.equal(hasHeldOut(p), true, JSON.stringify(p));
  const key = (p: { series: number; parallel: number; electrolyte: string; duty: string }) => `${p.series}x${p.parallel}/${p.electrolyte}/${p.duty}`;
  const trainKeys = new Set([...s.train, ...s.val].map(key));
  assert.ok(s.test.every((p) => !trainKeys.has(key(p))));
  assert.ok(s.test.some((p) => p.electrolyte === HELD_OUT.electrolyte) && s.test.some((p) => p.duty === HELD_OUT.duty));
});

test('samples are labelled, sized and deterministic', () => {
  const o = { seed: 3, packs: { train: 3, val: 1, test: 2 }, stride: { train: 10, val: 10, test: 10 }, cycles: 200 };
  const a = buildDataset(o);
  const b = buildDataset(o);
  assert.ok(a.train.size > 0);
  assert.equal(a.train.x.length, a.train.size * MAX_CELLS * N_FEATURES);
  assert.deepEqual(a.test.yCell, b.test.yCell);
  for (let i = 0; i < a.train.yCell.length; i++) if (a.train.wCell[i] === 0) assert.equal(a.train.yCell[i], 0);
});

test('adjacency is symmetric, normalized and zero on padding; mask marks padding', () => {
  const a = packAdjacency(3, 3);
  for (let i = 0; i < MAX_CELLS; i++) for (let j = 0; j < MAX_CELLS; j++) assert.ok(Math.abs(a[i * MAX_CELLS + j] - a[j * MAX_CELLS + i]) < 1e-7);
  assert.equal(a[9 * MAX_CELLS + 9], 0);
  assert.ok(a[0 * MAX_CELLS + 1] > 0 && a[0 * MAX_CELLS + 3] > 0 && a[0 * MAX_CELLS + 4] === 0);
  const id = packAdjacency(3, 3, true);
  assert.equal(id[4 * MAX_CELLS + 4], 1);
  assert.equal(id[0 * MAX_CELLS + 1], 0);
  assert.deepEqual(Array.from(packMask(3, 3)).slice(8, 10), [0, MASK_LOGIT]);
  assert.throws(() => packAdjacency(5, 4), RangeError);
});

test('features are what a BMS measures: the sensor model changes them, the hidden cell parameters do not enter', async () => {
  const { simulatePack } = await import('./simulator.ts');
  const { packFeatureFrames, WINDOW } = await import('./dataset.ts');
  const spec = drawSpecs(5, { train: 1, val: 0, test: 0 }).train[0];
  const r = simulatePack({ series: spec.series, parallel: spec.parallel, electrolyte: spec.electrolyte, duty: spec.duty, cycles: 30, seed: spec.seed, currentDensity: spec.currentDensity, ambient: { meanC: spec.ambientC } });
  const measured = packFeatureFrames(r, spec);
  const exact = packFeatureFrames(r, spec, null);
  assert.equal(measured.length, 30 - WINDOW + 1);
  assert.notDeepEqual(measured[5], exact[5], 'sensor noise reaches the features');
  const hidden = { ...r, cells: r.cells.map((c) => ({ ...c, params: { ...c.params, tauMul: 9, ccdMul: 0.1 } })) };
  assert.deepEqual(packFeatureFrames(hidden, spec), measured, 'true cell parameters are not an input');
});
