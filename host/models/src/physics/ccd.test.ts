import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticalCurrentDensity, filamentVelocity, initiationTime, propagationTime } from './ccd.ts';
import { ELECTROLYTES } from './electrolytes.ts';

const llzo = ELECTROLYTES.llzo;
const tau = { tauH: 100 };

test('CCD equals the preset at the reference state, rises with temperature and stack pressure', () => {
  assert.equal(criticalCurrentDensity(llzo, llzo.ccdRefK, llzo.ccdRefPressureMPa), llzo.ccdRef);
  const c45 = criticalCurrentDensity(llzo, 318.15, 5);
  assert.ok(c45 > 1.8 * llzo.ccdRef && c45 < 2.4 * llzo.ccdRef, `0.3 eV roughly doubles the CCD 25->45 C: ${c45}`);
  assert.ok(criticalCurrentDensity(llzo, 298.15, 10) > criticalCurrentDensity(llzo, 298.15, 5));
  // PEO: pressure dependence not modelled
  assert.equal(criticalCurrentDensity(ELECTROLYTES.peo, 333.15, 1), criticalCurrentDensity(ELECTROLYTES.peo, 333.15, 7));
});

test('initiation time: Sand-like (ccd/i)^2 - 1, falling to t_min at the CCD', () => {
  assert.equal(initiationTime(0.5, 1, tau), 100 * (4 - 1));
  assert.equal(initiationTime(-0.5, 1, tau), 300, 'stripping counts by magnitude');
  assert.equal(initiationTime(0, 1, tau), Infinity);
  assert.equal(initiationTime(1, 1, tau), 0.05);
  assert.equal(initiationTime(3, 1, { tauH: 100, tMinH: 0.2 }), 0.2);
  const ts = [0.1, 0.3, 0.6, 0.9, 0.99].map((i) => initiationTime(i, 1, tau));
  for (let j = 1; j < ts.length; j++) assert.ok(ts[j] < ts[j - 1], 'monotone in i');
});

test('initiation time rises with temperature and pressure through the CCD', () => {
  const t = (tK: number, p: number) => initiationTime(0.5, criticalCurrentDensity(llzo, tK, p), tau);
  assert.ok(t(318.15, 5) > t(298.15, 5));
  assert.ok(t(298.15, 10) > t(298.15, 5));
});

test('Faradaic filament speed: 0.5 mA/cm^2 plates ~2.43 um/h of Li (V_m = 13.0 cm^3/mol)', () => {
  const v = filamentVelocity(0.5);
  assert.ok(Math.abs(v - 2.43) < 0.01, `${v}`);
  assert.ok(Math.abs(propagationTime(50, 0.5) - 50 / v) < 1e-12);
  assert.ok(Math.abs(filamentVelocity(0.5, 0.1) - 10 * v) < 1e-9);
  assert.equal(propagationTime(50, 0), Infinity);
});

test('bad parameters throw RangeError', () => {
  assert.throws(() => criticalCurrentDensity(llzo, 298, 0), RangeError);
  assert.throws(() => criticalCurrentDensity(llzo, -1, 5), RangeError);
  assert.throws(() => initiationTime(0.5, 0, tau), RangeError);
  assert.throws(() => initiationTime(NaN, 1, tau), RangeError);
  assert.throws(() => filamentVelocity(1, 1.5), RangeError);
});
