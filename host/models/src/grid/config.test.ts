import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import { BOARD_CONFIG, configLabel, layout } from './config.ts';
import { loadEtt, STANDARD_SPLITS } from './data.ts';
import { THERMAL, thermalPrior, withThermal } from './thermal.ts';

test('layout: nodes and outputs of S, MS, M and the thermal node', () => {
  const s = layout({ window: 96, horizon: 96, setting: 'S', thermal: false });
  assert.deepEqual([s.inputs, s.outputs, s.targetNode, s.perWindow, s.cols], [[6], [6], 0, 96, 7]);
  const ms = layout(BOARD_CONFIG);
  assert.deepEqual([ms.inputs.length, ms.outputs, ms.targetNode, ms.perWindow], [7, [6], 6, 24]);
  const m = layout({ window: 96, horizon: 24, setting: 'M', thermal: false });
  assert.deepEqual([m.outputs, m.perWindow], [[0, 1, 2, 3, 4, 5, 6], 168]);
  const t = layout({ window: 96, horizon: 24, setting: 'MS', thermal: true });
  assert.deepEqual([t.inputs, t.cols, configLabel(t.cfg)], [[0, 1, 2, 3, 4, 5, 6, 7], 8, 'MS-24+thermal']);
  for (const bad of [{ window: 12 }, { horizon: 0 }, { setting: 'X' }, { setting: 'M', thermal: true }]) {
    assert.throws(() => layout({ ...BOARD_CONFIG, ...bad } as never), (e: unknown) => e instanceof InputError && e.code === 'E_USAGE');
  }
});

test('thermal prior: first-order response to K^2 with the IEC time constant; causal', () => {
  // 200 h at zero load, then a step to the rating: the prior rises by 1 - 1/e of the step after tau_o.
  const rows = Array.from({ length: 400 }, (_, t) => Float32Array.from([t < 200 ? 0 : 10, 0, 0, 0, 0, 0, 0]));
  rows[0][0] = 10; // the rating (99th percentile of the training rows) must not be zero
  const data = { source: 'synthetic', dates: [], rows };
  const p = thermalPrior(data, { start: 0, end: 400 });
  const u0 = (1 / (1 + THERMAL.lossRatio)) ** THERMAL.oilExponent;
  const tauH = (THERMAL.k11 * THERMAL.tauOilMin) / 60;
  assert.ok(Math.abs(p[199] - u0) < 1e-3, 'settled at the no-load rise');
  const rise = (p[199 + tauH] - u0) / (1 - u0);
  assert.ok(Math.abs(rise - (1 - Math.exp(-1))) < 1e-9, `rise after tau: ${rise}`);
  assert.ok(Math.abs(p[399] - 1) < 1e-6, 'rated load -> rated rise');
  // causal: changing the future does not change the past
  const later = rows.map((r, t) => (t > 300 ? Float32Array.from([0, 0, 0, 0, 0, 0, 0]) : r));
  assert.deepEqual(thermalPrior({ ...data, rows: later }, { start: 0, end: 400 }).slice(0, 301), p.slice(0, 301));
});

test('thermal prior, hand-computed: K from sqrt(HUFL^2 + HULL^2), u = ((1 + 5 K^2)/6)^0.8, theta[t] = a theta[t-1] + (1 - a) u[t], a = exp(-1/3)', () => {
  // row 0 at half the rating (3-4-5 triangle), then the rating (6-8-10) for ever; rating = 99th pct = 10
  const rows = Array.from({ length: 50 }, (_, t) => Float32Array.from(t === 0 ? [3, 4, 0, 0, 0, 0, 0] : [6, 8, 0, 0, 0, 0, 0]));
  const p = thermalPrior({ source: 'synthetic', dates: [], rows }, { start: 0, end: 50 });
  // by hand: u(0.5) = (2.25 / 6)^0.8 = 0.456273; a = exp(-60 min / 180 min) = 0.716531
  assert.ok(Math.abs(p[0] - 0.4562733) < 1e-6, `theta0 ${p[0]}`);
  assert.ok(Math.abs(p[1] - 0.6104028) < 1e-6, `theta1 ${p[1]}`); // 0.716531 * 0.456273 + 0.283469
  assert.ok(Math.abs(p[2] - 0.7208414) < 1e-6, `theta2 ${p[2]}`);
  assert.ok(p[49] > p[48] && p[49] < 1 && 1 - p[49] < 1e-6, 'approaches the rated rise from below, monotonically');
  assert.throws(() => thermalPrior({ source: 's', dates: [], rows }, { start: 0, end: 0 }), /empty training range/);
});

test('thermal column on ETTh1: 8 values per row, the 7 channels untouched, correlated with OT on train', () => {
  const d = loadEtt();
  const t = withThermal(d, STANDARD_SPLITS.train);
  assert.equal(t.rows[100].length, 8);
  assert.deepEqual(Array.from(t.rows[100].slice(0, 7)), Array.from(d.rows[100]));
  const n = 8640;
  const mean = (c: number) => t.rows.slice(0, n).reduce((s, r) => s + r[c], 0) / n;
  const [m7, m6] = [mean(7), mean(6)];
  let sxy = 0; let sxx = 0; let syy = 0;
  for (const r of t.rows.slice(0, n)) { sxy += (r[7] - m7) * (r[6] - m6); sxx += (r[7] - m7) ** 2; syy += (r[6] - m6) ** 2; }
  assert.ok(Math.abs(sxy / Math.sqrt(sxx * syy)) > 0.05, 'the prior carries information about OT');
});
