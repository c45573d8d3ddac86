import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEtt, STANDARD_SPLITS, type EttData } from './data.ts';
import { correlation, gridAdjacency, normalizedAdjacency } from './graph.ts';

test('correlation: unit diagonal, symmetric, in [-1, 1], sign of a linear relation', () => {
  // channel 1 = 2*channel 0 + 1, channel 2 = -channel 0, others unrelated
  const rows = Array.from({ length: 50 }, (_, t) => {
    const x = Math.sin(t) + t / 10;
    return Float32Array.from([x, 2 * x + 1, -x, Math.cos(3 * t), t % 7, (t * t) % 11, Math.sin(t / 3)]);
  });
  const d: EttData = { source: 't', dates: [], rows };
  const c = correlation(d, { start: 0, end: 50 });
  for (let i = 0; i < 7; i++) {
    assert.equal(c[i][i], 1);
    for (let j = 0; j < 7; j++) {
      assert.equal(c[i][j], c[j][i]);
      assert.ok(Math.abs(c[i][j]) <= 1 + 1e-12);
    }
  }
  assert.ok(Math.abs(c[0][1] - 1) < 1e-6);
  assert.ok(Math.abs(c[0][2] + 1) < 1e-6);
});

test('normalized adjacency: symmetric, positive, spectral radius 1 with eigenvector sqrt(degree)', () => {
  const d = loadEtt();
  const c = correlation(d, STANDARD_SPLITS.train);
  const a = gridAdjacency(d, STANDARD_SPLITS.train);
  assert.equal(a.length, 7);
  const deg = c.map((row, i) => row.reduce((s, v, j) => s + Math.abs(v) + (i === j ? 1 : 0), 0));
  for (let i = 0; i < 7; i++) {
    assert.ok(Math.abs(a[i][i] - 2 / deg[i]) < 1e-12, 'self loop weight 2/d_i');
    for (let j = 0; j < 7; j++) {
      assert.equal(a[i][j], a[j][i]);
      assert.ok(a[i][j] > 0 && a[i][j] <= 1);
    }
    // (A sqrt(d))_i = sqrt(d_i)  <=>  A has eigenvalue 1 with eigenvector sqrt(d)
    const av = a[i].reduce((s, v, j) => s + v * Math.sqrt(deg[j]), 0);
    assert.ok(Math.abs(av - Math.sqrt(deg[i])) < 1e-9);
  }
  // HUFL and MUFL are almost the same signal in ETTh1: their edge is the strongest off-diagonal one
  let best = [0, 0];
  for (let i = 0; i < 7; i++) for (let j = 0; j < i; j++) if (c[i][j] > c[best[0]][best[1]] || best[0] === best[1]) best = [i, j];
  assert.deepEqual(best, [2, 0]);
});

test('normalizedAdjacency of an uncorrelated graph is the identity', () => {
  const eye = Array.from({ length: 3 }, (_, i) => [0, 1, 2].map((j) => (i === j ? 1 : 0)));
  normalizedAdjacency(eye).forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - eye[i][j]) < 1e-12)));
});
