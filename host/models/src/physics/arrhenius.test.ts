import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationEnergyFromTwoPoints, arrhenius, arrheniusRatio, evaluate, fitArrhenius, ionicConductivity, prefactorFrom } from './arrhenius.ts';
import { BOLTZMANN_EV } from './constants.ts';
import { ELECTROLYTES, conductivityAt } from './electrolytes.ts';

const close = (a: number, b: number, rel: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${msg ?? ''} ${a} vs ${b}`);

test('plain and hopping forms follow their definitions', () => {
  close(arrhenius(2, 0.3, 300), 2 * Math.exp(-0.3 / (BOLTZMANN_EV * 300)), 1e-15);
  close(ionicConductivity(600, 0.3, 300), 2 * Math.exp(-0.3 / (BOLTZMANN_EV * 300)), 1e-15);
  // k_B T at 300 K is 25.85 meV (CODATA 2018 k_B), so Ea = k_B T gives 1/e
  close(arrhenius(1, BOLTZMANN_EV * 300, 300), Math.exp(-1), 1e-15);
});

test('Ea is recovered from two points, in both forms', () => {
  for (const form of ['plain', 'hopping'] as const) {
    const p = { prefactor: form === 'plain' ? 10 : 3e3, eaEv: 0.37, form };
    const a = { tK: 280, value: evaluate(p, 280) };
    const b = { tK: 360, value: evaluate(p, 360) };
    close(activationEnergyFromTwoPoints(a, b, form), 0.37, 1e-12, form);
  }
});

test('least-squares fit recovers prefactor and Ea; r2 drops for noisy data', () => {
  const p = { prefactor: 5e2, eaEv: 0.42, form: 'hopping' as const };
  const pts = [270, 300, 330, 360, 390].map((tK) => ({ tK, value: evaluate(p, tK) }));
  const fit = fitArrhenius(pts, 'hopping');
  close(fit.eaEv, 0.42, 1e-10);
  close(fit.prefactor, 5e2, 1e-9);
  close(fit.r2, 1, 1e-12);
  const noisy = pts.map((q, j) => ({ tK: q.tK, value: q.value * (j % 2 ? 1.5 : 0.7) }));
  assert.ok(fitArrhenius(noisy).r2 < 0.999);
});

test('prefactorFrom makes the law pass through the reference point', () => {
  for (const form of ['plain', 'hopping'] as const) {
    const A = prefactorFrom(1e-3, 0.3, 298.15, form);
    close(evaluate({ prefactor: A, eaEv: 0.3, form }, 298.15), 1e-3, 1e-14, form);
  }
  close(arrheniusRatio(0.3, 318.15, 298.15), Math.exp((0.3 / BOLTZMANN_EV) * (1 / 298.15 - 1 / 318.15)), 1e-14);
});

test('LLZO preset matches the literature window (Murugan et al. 2007: ~3e-4 S/cm at 25 C, Ea ~0.3 eV)', () => {
  const s = conductivityAt(ELECTROLYTES.llzo, 298.15);
  assert.ok(s >= 1e-4 && s <= 1e-3, `sigma(298) = ${s}`);
  assert.ok(ELECTROLYTES.llzo.eaEv >= 0.3 && ELECTROLYTES.llzo.eaEv <= 0.4);
  // a fit through the preset's own curve returns its activation energy
  const pts = [253, 298.15, 353].map((tK) => ({ tK, value: conductivityAt(ELECTROLYTES.llzo, tK) }));
  close(fitArrhenius(pts).eaEv, ELECTROLYTES.llzo.eaEv, 1e-9);
});

test('LGPS preset: 12 mS/cm at 27 C with Ea 0.25 eV (Kamaya et al., Nat. Mater. 10, 682 (2011))', () => {
  close(conductivityAt(ELECTROLYTES.lgps, 300.15), 1.2e-2, 1e-12);
  assert.ok(conductivityAt(ELECTROLYTES.lgps, 298.15) > 10 * conductivityAt(ELECTROLYTES.llzo, 298.15));
});

test('bad input throws RangeError', () => {
  assert.throws(() => arrhenius(1, 0.3, 0), RangeError);
  assert.throws(() => arrhenius(1, NaN, 300), RangeError);
  assert.throws(() => fitArrhenius([{ tK: 300, value: 1 }]), RangeError);
  assert.throws(() => fitArrhenius([{ tK: 300, value: 1 }, { tK: 300, value: 2 }]), RangeError);
  assert.throws(() => fitArrhenius([{ tK: 300, value: -1 }, { tK: 310, value: 2 }]), RangeError);
});
