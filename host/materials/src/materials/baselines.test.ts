import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, fitModel, loadModel } from './baselines.ts';
import { metrics } from './cv.ts';
import { mulberry32 } from '@dendra/core/random.ts';

function problem(n: number, seed: number): { X: number[][]; y: number[] } {
  const r = mulberry32(seed);
  const X = Array.from({ length: n }, () => [r(), r(), r(), r()]);
  return { X, y: X.map((x) => -8 + 4 * x[0] + 2 * (x[1] > 0.5 ? 1 : 0) + 0.2 * r()) };
}

// ml-random-forest picks maxFeatures per tree, so with 4 columns 0.33 would leave 1 column per tree.
const cfg = { ...DEFAULT_CONFIG, rfTrees: 15, rfMaxFeatures: 0.75, gbtRounds: 40, gbtSubsample: 0.5 };

test('random forest and boosted trees beat the median on a synthetic problem', () => {
  const tr = problem(120, 1), te = problem(60, 2);
  const c = tr.y.map(() => false);
  const mae = (kind: 'median' | 'rf' | 'gbt'): number => metrics(te.y, fitModel(kind, tr.X, tr.y, c, cfg).predict(te.X)).mae;
  const med = mae('median');
  assert.ok(mae('rf') < 0.7 * med, `rf ${mae('rf')} vs median ${med}`);
  assert.ok(mae('gbt') < 0.7 * med, `gbt ${mae('gbt')} vs median ${med}`);
});

test('models are seeded, serialize, and the forest reports a spread', () => {
  const tr = problem(80, 3);
  const c = tr.y.map(() => false);
  for (const kind of ['rf', 'gbt-cens'] as const) {
    const a = fitModel(kind, tr.X, tr.y, c, cfg), b = fitModel(kind, tr.X, tr.y, c, cfg);
    assert.deepEqual(a.predict(tr.X.slice(0, 5)), b.predict(tr.X.slice(0, 5)));
    const back = loadModel(JSON.parse(JSON.stringify(a.toJSON())));
    const p = a.predict(tr.X.slice(0, 5)), q = back.predict(tr.X.slice(0, 5));
    p.forEach((v, i) => assert.ok(Math.abs(v - q[i]) < 1e-9));
  }
  const s = fitModel('rf', tr.X, tr.y, c, cfg).spread(tr.X.slice(0, 3));
  assert.ok(s !== null && s.every((v) => v >= 0));
  assert.equal(fitModel('median', tr.X, tr.y, tr.y.map((_, i) => i === 0), cfg).predict([[0, 0, 0, 0]]).length, 1);
  assert.throws(() => loadModel({ kind: 'nope' } as never), TypeError);
});
