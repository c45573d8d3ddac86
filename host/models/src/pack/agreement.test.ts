import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blandAltman, mannWhitney, normalCdf, pearson } from './agreement.ts';

test('Pearson: +1, -1, a hand-computed value, and null when undefined', () => {
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [2, 4, 6, 8])! - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [8, 6, 4, 2])! + 1) < 1e-12);
  // x = 1,2,3; y = 1,3,2: sxy = 1, sxx = 2, syy = 2 -> 0.5
  assert.ok(Math.abs(pearson([1, 2, 3], [1, 3, 2])! - 0.5) < 1e-12);
  assert.equal(pearson([1, 2], [1, 2]), null);
  assert.equal(pearson([1, 1, 1], [1, 2, 3]), null);
});

test('Mann-Whitney U: perfect separation, ties count one half, p from the normal approximation', () => {
  const a = mannWhitney([0.1, 0.2, 0.8, 0.9], [false, false, true, true])!;
  assert.deepEqual([a.u, a.auc, a.nPos, a.nNeg], [4, 1, 2, 2]);
  const t = mannWhitney([0.5, 0.5, 0.5, 0.5], [false, true, false, true])!;
  assert.equal(t.u, 2);
  assert.equal(t.auc, 0.5);
  assert.equal(t.z, 0);
  assert.ok(Math.abs(t.p - 1) < 1e-7);
  // one pair out of order among 3 x 3: U = 8, AUC 8/9
  assert.equal(mannWhitney([1, 2, 4, 3, 5, 6], [false, false, false, true, true, true])!.u, 8);
  assert.equal(mannWhitney([1, 2], [true, true]), null);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-6);
});

test('Bland-Altman: bias and 95% limits of the differences', () => {
  const b = blandAltman([1, 2, 3, 4], [0, 2, 2, 4])!;
  // d = 1, 0, 1, 0: bias 0.5, sample sd sqrt(1/3)
  assert.equal(b.bias, 0.5);
  assert.ok(Math.abs(b.sd - Math.sqrt(1 / 3)) < 1e-12);
  assert.ok(Math.abs(b.upper - (0.5 + 1.96 * Math.sqrt(1 / 3))) < 1e-12);
  assert.equal(blandAltman([1], [1]), null);
});
