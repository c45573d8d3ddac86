import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conformalQuantile, coverage, fitConformal, halfWidths, knnDistance } from './conformal.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** Heteroscedastic synthetic residuals: noise scale grows with the difficulty d. */
function draw(n: number, seed: number): { r: number[]; d: number[] } {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const d = Array.from({ length: n }, () => 0.1 + rand());
  return { d, r: d.map((x) => gauss() * 2 * x) };
}

test('conformal: 68% / 90% intervals cover about 68% / 90% of fresh rows', () => {
  const cal = draw(3000, 1), fresh = draw(3000, 2);
  const s = fitConformal(cal.r, cal.d);
  const [c68, c90] = coverage(s, fresh.r, fresh.d);
  assert.ok(Math.abs(c68 - 0.68) < 0.03, `68% interval covered ${c68}`);
  assert.ok(Math.abs(c90 - 0.9) < 0.02, `90% interval covered ${c90}`);
  // per-row: a harder row gets a wider interval
  assert.ok(halfWidths(s, 1)[1] > halfWidths(s, 0.2)[1] * 1.5);
});

test('conformal: a scale from small residuals under-covers large ones (the check can fail)', () => {
  const cal = draw(500, 3);
  const s = fitConformal(cal.r.map((x) => x / 4), cal.d);
  assert.ok(coverage(s, cal.r, cal.d)[1] < 0.6);
});

test('conformal quantile: rank ceil((n+1)a), Infinity when the sample is too small', () => {
  assert.equal(conformalQuantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(conformalQuantile([1, 2], 0.9), Infinity);
  assert.throws(() => conformalQuantile([], 0.5), RangeError);
});

test('knnDistance: mean distance to the k nearest reference rows', () => {
  assert.deepEqual(knnDistance([[0, 0]], [[3, 4], [0, 1], [0, 2], [10, 10]], 2), [1.5]);
  assert.throws(() => knnDistance([[0]], []), RangeError);
});
