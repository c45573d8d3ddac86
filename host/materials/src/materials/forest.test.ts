import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecisionTreeRegression } from 'ml-cart';
import { fitRegressionForest, RegressionForest } from './forest.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** n rows of p uniform features; y = step in x0 + 2 x1 + noise (x2.. are distractors). */
function synthetic(n: number, p: number, seed: number): { X: number[][]; y: number[] } {
  const rand = mulberry32(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: p }, () => rand()));
  return { X, y: X.map((x) => (x[0] > 0.5 ? 3 : 0) + 2 * x[1] + 0.1 * (rand() - 0.5)) };
}

const mae = (p: readonly number[], y: readonly number[]): number => p.reduce((s, v, i) => s + Math.abs(v - y[i]), 0) / p.length;

test('forest: without bootstrap a tree grows to pure leaves and reproduces distinct training rows exactly', () => {
  const { X, y } = synthetic(80, 4, 1);
  const f = fitRegressionForest(X, y, { trees: 1, maxFeatures: 1, seed: 0, bootstrap: false });
  f.predict(X).forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-12, `row ${i}: ${v} vs ${y[i]}`));
  // a split threshold lies strictly between two training values (midpoint rule): x0 = 0.5 sits between the two leaves' ranges
  const t = f.trees[0];
  assert.ok(t.feature.filter((k) => k >= 0).length === t.feature.length >> 1, 'a full binary tree: leaves = internal nodes + 1');
});

test('forest: learns the signal, seeded and reproducible, different seeds give different forests', () => {
  const tr = synthetic(300, 6, 2), te = synthetic(200, 6, 3);
  const a = fitRegressionForest(tr.X, tr.y, { trees: 60, maxFeatures: 1, seed: 4 });
  const b = fitRegressionForest(tr.X, tr.y, { trees: 60, maxFeatures: 1, seed: 4 });
  const c = fitRegressionForest(tr.X, tr.y, { trees: 60, maxFeatures: 1, seed: 5 });
  assert.deepEqual(a.predict(te.X), b.predict(te.X));
  assert.notDeepEqual(a.predict(te.X), c.predict(te.X));
  const m = mae(a.predict(te.X), te.y);
  const base = mae(te.y.map(() => tr.y.reduce((s, v) => s + v, 0) / tr.y.length), te.y);
  assert.ok(m < 0.25 * base, `forest MAE ${m} vs mean-predictor ${base}`);
});

test('forest: JSON round trip predicts within 1e-4 (7-digit thresholds, 5-decimal leaves); malformed JSON is a TypeError', () => {
  const tr = synthetic(150, 5, 6), te = synthetic(50, 5, 7);
  const f = fitRegressionForest(tr.X, tr.y, { trees: 20, maxFeatures: 0.5, seed: 1 });
  const g = RegressionForest.load(JSON.parse(JSON.stringify(f.toJSON())));
  const pf = f.predict([...tr.X, ...te.X]), pg = g.predict([...tr.X, ...te.X]);
  pf.forEach((v, i) => assert.ok(Math.abs(v - pg[i]) < 1e-4, `row ${i}`));
  assert.throws(() => RegressionForest.load({ kind: 'forest', trees: [{ f: [0, -1], t: [0.5, 1] }] }), TypeError);
  assert.throws(() => RegressionForest.load({ kind: 'rf' } as never), TypeError);
  assert.throws(() => fitRegressionForest([], [], { trees: 1, maxFeatures: 1, seed: 0 }), RangeError);
});

test('forest: a tree costs less than an ml-cart tree on the same rows (interleaved, same run) and fits as well', () => {
  const tr = synthetic(250, 20, 8), te = synthetic(100, 20, 9);
  // The fastest of 5 interleaved rounds each: a stall of the machine (load, GC) inflates a round,
  // never shortens one, so the minimum compares the code, not the machine's worst moment.
  let fast = Infinity, cart = Infinity;
  let pf: number[] = [], pc: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    pf = fitRegressionForest(tr.X, tr.y, { trees: 1, maxFeatures: 1, seed: r, bootstrap: false }).predict(te.X);
    fast = Math.min(fast, performance.now() - t0);
    t0 = performance.now();
    const tree = new DecisionTreeRegression({ minNumSamples: 1 });
    tree.train(tr.X, tr.y);
    pc = tree.predict(te.X);
    cart = Math.min(cart, performance.now() - t0);
  }
  console.log(`# one tree on 250 x 20 (fastest of 5 rounds): forest.ts ${fast.toFixed(1)} ms, ml-cart ${cart.toFixed(1)} ms (${(cart / fast).toFixed(0)}x)`);
  assert.ok(fast < cart, `forest.ts ${fast} ms vs ml-cart ${cart} ms`);
  assert.ok(mae(pf, te.y) < 1.2 * mae(pc, te.y) + 0.02, `forest.ts tree MAE ${mae(pf, te.y)} vs ml-cart ${mae(pc, te.y)}`);
});
