import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantHead, fitRecal, groupedCvMae, headLogit, medianLead, pairedPackBootstrap, recalLead, trainLeadHead, type RecalObs } from './lead_head.ts';
import { HIDDEN, LEAD_MAX } from './model.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** n cells whose true lead is 20 + 100 x the first hidden unit. */
function synthetic(n: number, seed: number) {
  const r = mulberry32(seed);
  const h = new Float32Array(n * HIDDEN);
  for (let i = 0; i < h.length; i++) h[i] = r();
  const rows = Array.from({ length: n }, (_, j) => ({ j, t: 20 + 100 * h[j * HIDDEN], obs: 1, w: 1 }));
  return { h, rows };
}

test('trainLeadHead: learns a lead that depends on the hidden state, in cycles and in log-cycles; no rows throws', () => {
  const { h, rows } = synthetic(400, 1);
  for (const log of [false, true]) {
    const hd = trainLeadHead(h, rows, { log, clip: 255 }, 600, 0.05);
    const mae = rows.reduce((a, r) => a + Math.abs(LEAD_MAX / (1 + Math.exp(-headLogit(hd, h, r.j))) - r.t), 0) / rows.length;
    assert.ok(mae < 8, `log ${log}: MAE ${mae.toFixed(2)} cycles (a constant scores about 25)`);
  }
  assert.throws(() => trainLeadHead(h, rows.map((r) => ({ ...r, w: 0 })), { log: false, clip: 255 }), RangeError);
});

test('trainLeadHead: a censored row only pushes the prediction up; the clip caps the target', () => {
  const { h, rows } = synthetic(200, 2);
  const censored = trainLeadHead(h, rows.map((r) => ({ ...r, t: 200, obs: 0 })), { log: false, clip: 255 }, 300, 0.05);
  assert.ok(rows.every((r) => LEAD_MAX / (1 + Math.exp(-headLogit(censored, h, r.j))) >= 150), 'lower bounds 200: predictions rise toward them');
  const clipped = trainLeadHead(h, rows.map((r) => ({ ...r, t: 200 })), { log: false, clip: 50 }, 600, 0.05);
  const m = rows.reduce((a, r) => a + LEAD_MAX / (1 + Math.exp(-headLogit(clipped, h, r.j))), 0) / rows.length;
  assert.ok(Math.abs(m - 50) < 8, `clipped at 50 (target 200): mean ${m.toFixed(1)}`);
});

test('fitRecal: alpha 0 (a constant) when the logit carries nothing; recovers a rescaling otherwise', () => {
  const r = mulberry32(3);
  const noise: RecalObs[] = Array.from({ length: 300 }, (_, i) => ({ z: r() * 4 - 2, t: 40, pack: i % 6 }));
  const c = fitRecal(noise);
  assert.ok(c.alpha <= 0.05, JSON.stringify(c));
  assert.ok(Math.abs(recalLead(c, 1) - 40) < 1.5);
  const scaled: RecalObs[] = Array.from({ length: 300 }, (_, i) => { const z = r() * 4 - 2; return { z, t: LEAD_MAX / (1 + Math.exp(-(0.5 * z - 1))), pack: i % 6 }; });
  const s = fitRecal(scaled);
  assert.ok(Math.abs(s.alpha - 0.5) < 0.03 && Math.abs(s.beta + 1) < 0.05, JSON.stringify(s));
  assert.deepEqual(fitRecal([]), { alpha: 1, beta: 0 });
});

test('constantHead and medianLead: the int8 lead row reads the constant; grouped CV holds packs out', () => {
  const hd = constantHead(38);
  assert.ok(hd.w.every((v) => v === 0));
  assert.ok(Math.abs(LEAD_MAX / (1 + Math.exp(-hd.b)) - 38.5) < 1e-9, 'the middle of the int8 step q + 128 = 38');
  assert.equal(medianLead([{ t: 1 }, { t: 9 }, { t: 5 }], 20), 5);
  assert.equal(medianLead([], 20), 20);
  // two packs with different leads: a constant fitted on the other pack is off by the difference
  const obs: RecalObs[] = [{ z: 0, t: 10, pack: 0 }, { z: 0, t: 30, pack: 1 }];
  assert.equal(groupedCvMae(obs, obs, (o) => { const c = medianLead(o, 0); return () => c; }, 2), 20);
});

test('pairedPackBootstrap: the mean paired difference, an interval over packs, mismatched lengths throw', () => {
  const packs = Array.from({ length: 60 }, (_, i) => i % 12);
  const a = packs.map((p) => 10 + (p % 3));
  const b = packs.map(() => 8);
  const d = pairedPackBootstrap(a, b, packs, 1);
  assert.equal(d.value, 3);
  assert.ok(d.ci95[0] > 2 && d.ci95[1] < 4 && d.ci95[0] <= d.value && d.value <= d.ci95[1], JSON.stringify(d));
  assert.deepEqual(pairedPackBootstrap(b, b, packs, 1), { value: 0, ci95: [0, 0] });
  assert.throws(() => pairedPackBootstrap(a, b.slice(1), packs), RangeError);
});
