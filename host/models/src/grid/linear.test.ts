import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLinear, addRow, cholesky, choleskySolve, newGram, solveRidge } from './linear.ts';
import { mulberry32 } from '@dendra/core/random.ts';

test('cholesky solves a small SPD system', () => {
  // A = [[4,2],[2,3]] (lower triangle used), b = [2, 1] -> x = [0.5, 0]
  const a = new Float64Array([4, 0, 2, 3]);
  cholesky(a, 2);
  const b = new Float64Array([2, 1]);
  choleskySolve(a, 2, b, 1);
  assert.ok(Math.abs(b[0] - 0.5) < 1e-12 && Math.abs(b[1]) < 1e-12, `x = ${b[0]}, ${b[1]}`);
  assert.throws(() => cholesky(new Float64Array([1, 0, 2, 1]), 2), /not positive definite/);
});

test('ridge fit recovers a known linear map with bias from noisy synthetic data', () => {
  const rand = mulberry32(7);
  const d = 12;
  const k = 3;
  const w = Float64Array.from({ length: (d + 1) * k }, () => rand() * 2 - 1);
  const g = newGram(d, k);
  const x = new Float64Array(d);
  const y = new Float64Array(k);
  for (let n = 0; n < 4000; n++) {
    for (let j = 0; j < d; j++) x[j] = rand() * 2 - 1;
    applyLinear(w, d, k, x, y);
    for (let h = 0; h < k; h++) y[h] += (rand() - 0.5) * 0.01;
    addRow(g, x, y);
  }
  const fit = solveRidge(g, 1e-8);
  let maxErr = 0;
  for (let i = 0; i < w.length; i++) maxErr = Math.max(maxErr, Math.abs(fit[i] - w[i]));
  assert.ok(maxErr < 2e-3, `max weight error ${maxErr}`);
  // a strong ridge shrinks the weights but not the (unpenalized) bias
  const shrunk = solveRidge(g, 100);
  assert.ok(Math.abs(shrunk[0]) < Math.abs(w[0]) / 10);
  assert.ok(Math.abs(shrunk[d * k] - w[d * k]) < 0.05);
  assert.throws(() => solveRidge(g, 0), /alpha must be > 0/);
  assert.throws(() => solveRidge(newGram(2, 1), 1), /no training windows/);
});
