import { test } from 'node:test';
import assert from 'node:assert/strict';
import { censoredLoss, censoredResiduals, meanCensoredLoss } from './censored.ts';
import { fitBoosted, DEFAULT_CONFIG } from './baselines.ts';

test('censored loss ignores predictions under the bound and penalizes those above', () => {
  assert.equal(censoredLoss(-12, -10, true), 0);
  assert.equal(censoredLoss(-10, -10, true), 0);
  assert.equal(censoredLoss(-8, -10, true), 4);
  assert.equal(censoredLoss(-12, -10, false), 4);
  assert.deepEqual(censoredResiduals([-12, -8, -8], [-10, -10, -10], [true, true, false]), [0, -2, -2]);
  assert.equal(meanCensoredLoss([-12, -8], [-10, -10], [true, true]), 2);
});

test('boosting with the censored loss leaves under-bound rows alone on a toy problem', () => {
  // x in [0,1): exact rows y = -4 - 4x; rows with x > 0.7 are censored with a loose bound -2
  // (true values far below). Plain squared loss would pull predictions there up to -2.
  const X: number[][] = [], y: number[] = [], c: boolean[] = [];
  for (let i = 0; i < 80; i++) {
    const x = i / 80;
    X.push([x]);
    const cens = x > 0.7;
    y.push(cens ? -2 : -4 - 4 * x);
    c.push(cens);
  }
  const cfg = { ...DEFAULT_CONFIG, gbtRounds: 60, gbtSubsample: 1, gbtColsample: 1, gbtLearningRate: 0.2 };
  const cens = fitBoosted(X, y, c, cfg, true).predict(X);
  const plain = fitBoosted(X, y, c, cfg, false).predict(X);
  const idx = c.flatMap((v, i) => (v ? [i] : []));
  for (const i of idx) assert.ok(cens[i] <= -2 + 1e-9, `censored prediction ${cens[i]} above bound`);
  const mean = (p: number[]): number => idx.reduce((s, i) => s + p[i], 0) / idx.length;
  assert.ok(mean(cens) < mean(plain) - 1, `censored ${mean(cens)} vs plain ${mean(plain)}`);
  assert.ok(meanCensoredLoss(cens, y, c) < 0.2);
});
