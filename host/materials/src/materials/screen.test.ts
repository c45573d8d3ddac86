import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMaterials } from './features.ts';
import { readModelFile } from './model.ts';
import { enumerateCandidates } from './substitute.ts';
import { formatScreen, nearestDistance, proxies, screenCandidates, shearFor, weightedScore, windowFor } from './screen.ts';
import { MATERIALS_MODEL_DIR } from '../../test/screen-paths.ts';

test('proxies: literature windows and shear moduli by family, anion-class fallback', () => {
  assert.deepEqual(windowFor('garnet', new Map([['O', 12]])), [0.05, 2.91]);
  assert.deepEqual(windowFor('unknown', new Map([['S', 4]])), [1.71, 2.31]);
  assert.equal(shearFor('garnet', new Map()), 59.6);
  assert.equal(shearFor('', new Map([['S', 1]])), 8);
  assert.ok(weightedScore(-2, 0, 1, 1) > weightedScore(-4, 0, 1, 1));
  assert.ok(Math.abs(weightedScore(-2, 0, 1, 1) - 1) < 1e-12);
  assert.equal(nearestDistance(new Map([['Li', 0.5], ['O', 0.5]]), [new Map([['Li', 0.5], ['O', 0.5]])]), 0);
  assert.equal(nearestDistance(new Map([['Na', 1]]), [new Map([['Li', 1]])]), 1);
});

test('screening a sample with the committed model: sorted scores, finite uncertainties', () => {
  const rows = loadMaterials();
  const all = enumerateCandidates(rows);
  const sample = all.filter((_, i) => i % 40 === 0);
  let calls = 0;
  const s = screenCandidates(readModelFile(MATERIALS_MODEL_DIR), sample, rows, () => calls++, 200);
  assert.equal(s.length, sample.length);
  assert.ok(calls >= 2);
  for (let i = 1; i < s.length; i++) assert.ok(s[i - 1].score >= s[i].score);
  for (const x of s) {
    assert.ok(Number.isFinite(x.log10Sigma) && x.uncertainty >= x.modelUncertainty && x.uncertainty > 0);
    assert.ok(x.stability >= 0 && x.stability <= 1 && x.stiffness >= 0 && x.stiffness <= 1);
  }
  const garnet = s.find((x) => x.candidate.family === 'garnet')!;
  const parent = new Map([['Li', 7], ['La', 3], ['Zr', 2], ['O', 12]]);
  assert.equal(proxies(garnet.candidate, parent).shearModulusGPa, 59.6);
  assert.equal(formatScreen(s.slice(0, 3)).length, 4);
});
