import { test } from 'node:test';
import assert from 'node:assert/strict';
import { K_LIMITS, MN_CRITICAL_RATIO, growthRate, isMechanicallyStable, maxGrowthRate, mechanicalInstability, shearModulusRatio } from './monroe_newman.ts';
import { ELECTROLYTES } from './electrolytes.ts';

test('criterion: G_e/G_Li > 1.8 with G_Li = 4.25 GPa (Monroe & Newman 2005)', () => {
  assert.equal(MN_CRITICAL_RATIO, 1.8);
  assert.equal(shearModulusRatio(8.5), 2);
  assert.equal(isMechanicallyStable(1.8 * 4.25 * 1.01), true);
  assert.equal(isMechanicallyStable(1.8 * 4.25 * 0.99), false);
  // LLZO (59.6 GPa, Ni et al. 2012) passes by a wide margin; PEO (~1 MPa) fails
  assert.equal(isMechanicallyStable(ELECTROLYTES.llzo.shearModulusGpa), true);
  assert.equal(isMechanicallyStable(ELECTROLYTES.peo.shearModulusGpa), false);
});

test('mechanical instability score is 0.5 at the critical ratio and monotone', () => {
  assert.equal(mechanicalInstability(1.8 * 4.25), 0.5);
  assert.ok(mechanicalInstability(ELECTROLYTES.peo.shearModulusGpa) > 0.99);
  assert.ok(mechanicalInstability(ELECTROLYTES.llzo.shearModulusGpa) < 0.01);
  assert.ok(mechanicalInstability(5) > mechanicalInstability(10));
});

// 0.5 mA/cm^2 = 5 A/m^2; sigma 3e-4 S/cm = 0.03 S/m; R_ct 10 ohm cm^2 = 1e-3 ohm m^2
const base = { i: 5, sigma: 0.03, rct: 1e-3 };

test('growth rate: positive (unstable) for a soft polymer, negative for a stiff ceramic', () => {
  const k = (2 * Math.PI) / 1e-6;
  assert.ok(growthRate(k, { ...base, gElectrolyte: 1e6 }) > 0, 'PEO-like');
  assert.ok(growthRate(k, { ...base, gElectrolyte: 59.6e9 }) < 0, 'LLZO-like');
});

test('at short wavelengths the sign of omega switches at the critical modulus ratio', () => {
  const k = 1e8;
  const at = (r: number) => growthRate(k, { ...base, gamma: 0, gElectrolyte: r * 4.25e9 });
  assert.ok(at(1.7) > 0);
  assert.ok(at(1.9) < 0);
});

test('more current destabilises; zero current with a stiff electrolyte is stable at all k', () => {
  const p = { ...base, gElectrolyte: 2e9 };
  assert.ok(growthRate(1e6, { ...p, i: 50 }) > growthRate(1e6, p));
  assert.ok(maxGrowthRate({ ...base, i: 0, gElectrolyte: 8e9 }).omega < 0);
  const m = maxGrowthRate({ ...base, gElectrolyte: 1e6 });
  assert.ok(m.omega > 0 && m.interior);
});

test('bad parameters throw RangeError', () => {
  assert.throws(() => growthRate(0, { ...base, gElectrolyte: 1e9 }), RangeError);
  assert.throws(() => growthRate(1e6, { ...base, i: -1, gElectrolyte: 1e9 }), RangeError);
  assert.throws(() => growthRate(1e6, { ...base, sigma: 0, gElectrolyte: 1e9 }), RangeError);
  assert.throws(() => shearModulusRatio(-1), RangeError);
  assert.throws(() => maxGrowthRate({ ...base, gElectrolyte: 1e9 }, 10, 1), RangeError);
  assert.throws(() => maxGrowthRate({ ...base, gElectrolyte: 1e9 }, 1, 10, 2), RangeError);
});

test('pass/fail and the smooth score agree at and around the threshold: stable exactly when the score is below 0.5', () => {
  for (const gLi of [4.25, 3.4, 1, 7.3]) {
    const g0 = MN_CRITICAL_RATIO * gLi;
    for (let j = -50; j <= 50; j++) {
      const g = g0 * (1 + j * 1e-16);
      assert.equal(isMechanicallyStable(g, gLi), mechanicalInstability(g, gLi) < 0.5, `G ${g} / ${gLi}`);
    }
    assert.equal(isMechanicallyStable(g0 * 1.001, gLi), true);
    assert.equal(isMechanicallyStable(g0 * 0.999, gLi), false);
  }
  assert.equal(isMechanicallyStable(1.8 * 4.25), false, 'at the threshold: not stable');
  assert.equal(mechanicalInstability(1.8 * 4.25), 0.5);
});

test('maxGrowthRate brackets and refines an interior maximum beyond the initial grid, never returning its edge', () => {
  // a soft electrolyte with no current: the stress term destabilises up to k ~ 1.8 G_Li / gamma ~ 1.5e10
  // 1/m, beyond the default grid's 1e9 edge (the old search returned k = 1e9 exactly)
  const p = { ...base, i: 0, gElectrolyte: 1e6 };
  const m = maxGrowthRate(p);
  assert.equal(m.interior, true);
  assert.ok(m.k > 1e9 && m.k < K_LIMITS.max, `k ${m.k}`);
  for (const f of [0.9, 1.1, 0.5, 2]) assert.ok(growthRate(m.k * f, p) <= m.omega, `omega at ${f} k`);
  // the same maximum whatever the starting grid
  const n = maxGrowthRate(p, 1e4, 1e6, 31);
  assert.ok(Math.abs(n.k / m.k - 1) < 1e-4 && Math.abs(n.omega / m.omega - 1) < 1e-9);
  // stable at every k: omega rises towards 0 as k -> 0, reported as a bound at the range's end
  const s = maxGrowthRate({ ...base, i: 0, gElectrolyte: 59.6e9 });
  assert.equal(s.interior, false);
  assert.equal(s.k, K_LIMITS.min);
  assert.ok(s.omega < 0);
});
