import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, fitModel, loadModel } from './baselines.ts';
import { metrics } from './cv.ts';
import { fitMlp, MLP_DEFAULTS, predictMlp } from './mlp.ts';
import { mulberry32 } from '@dendra/core/random.ts';

function problem(n: number, seed: number): { X: number[][]; y: number[] } {
  const r = mulberry32(seed);
  const X = Array.from({ length: n }, () => [r(), r(), r()]);
  return { X, y: X.map((x) => -6 + 3 * x[0] - 2 * x[1] * x[2] + 0.1 * r()) };
}

const fast = { ...MLP_DEFAULTS, epochs: 150 };

test('MLP learns a smooth synthetic target far better than the median, and is seeded', () => {
  const tr = problem(150, 1), te = problem(60, 2);
  const c = tr.y.map(() => false);
  const m = fitMlp(tr.X, tr.y, c, false, fast);
  const mae = metrics(te.y, predictMlp(m, te.X)).mae;
  const med = metrics(te.y, fitModel('median', tr.X, tr.y, c).predict(te.X)).mae;
  assert.ok(mae < 0.5 * med, `mlp ${mae} vs median ${med}`);
  assert.deepEqual(predictMlp(fitMlp(tr.X, tr.y, c, false, fast), te.X.slice(0, 4)), predictMlp(m, te.X.slice(0, 4)));
  assert.throws(() => predictMlp(m, [[1, 2]]), RangeError);
});

test('censored MLP loss lets bound rows sit below the bound; the -15 variant is pulled towards -15', () => {
  const tr = problem(150, 3);
  // a third of the rows become upper bounds at -4 (true values are all below about -3)
  const cens = tr.y.map((_, i) => i % 3 === 0);
  const y = tr.y.map((v, i) => (cens[i] ? -4 : v));
  const idx = cens.flatMap((c, i) => (c ? [i] : []));
  const cm = loadModel(JSON.parse(JSON.stringify(fitModel('mlp-cens', tr.X, y, cens, DEFAULT_CONFIG).toJSON())));
  const sm = fitModel('mlp', tr.X, y, cens, DEFAULT_CONFIG);
  const mean = (p: number[]): number => idx.reduce((s, i) => s + p[i], 0) / idx.length;
  const pc = cm.predict(tr.X), ps = sm.predict(tr.X);
  assert.ok(mean(pc) > mean(ps) + 2, `censored ${mean(pc)} should stay near the data, -15 variant ${mean(ps)} is dragged down`);
  assert.equal(cm.kind, 'mlp-cens');
});

test('MLP predictions stay inside the training target range far outside the training features', () => {
  const tr = problem(100, 5);
  const m = fitMlp(tr.X, tr.y, tr.y.map(() => false), false, fast);
  const p = predictMlp(m, [[50, -50, 50], [-50, 50, -50]]);
  for (const v of p) assert.ok(v >= Math.min(...tr.y) && v <= Math.max(...tr.y), `${v}`);
});
