import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bvCurrent, bvOverpotential, chargeTransferResistance, symmetricOverpotential, tafelOverpotential } from './butler_volmer.ts';
import { FARADAY, GAS_CONSTANT } from './constants.ts';

const close = (a: number, b: number, rel: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${msg ?? ''} ${a} vs ${b}`);

test('RT/F at 25 C is 25.69 mV, so R_ct = 25.69 ohm cm^2 at i0 = 1 mA/cm^2 (Bard & Faulkner 3.4.12)', () => {
  close((GAS_CONSTANT * 298.15) / FARADAY, 0.025693, 1e-4);
  close(chargeTransferResistance(1e-3), 25.693, 1e-4);
  close(chargeTransferResistance(1e-3, 298.15, 2), 25.693 / 2, 1e-4);
});

test('the solver inverts the full equation for asymmetric coefficients over 12 decades', () => {
  const p = { i0: 1e-3, alphaA: 0.3, alphaC: 0.7, tK: 310 };
  for (const i of [1e-12, -1e-9, 3e-6, -2e-4, 5e-3, -0.7, 40, -1e3, 1e6]) {
    const eta = bvOverpotential(i, p);
    close(bvCurrent(eta, p), i, 1e-9, `i=${i}`);
    assert.equal(Math.sign(eta), Math.sign(i));
  }
  assert.equal(bvOverpotential(0, p), 0);
});

test('small-current limit: eta = i R_ct (linear) with n = alpha_a + alpha_c', () => {
  const i0 = 2e-3;
  const eta = bvOverpotential(1e-6, { i0, alphaA: 0.4, alphaC: 0.6 });
  close(eta, 1e-6 * chargeTransferResistance(i0, 298.15, 1), 1e-3);
});

test('large-current limit matches Tafel on both branches', () => {
  const p = { i0: 1e-3, alphaA: 0.35, alphaC: 0.65 };
  close(bvOverpotential(1e4 * p.i0, p), tafelOverpotential(1e4 * p.i0, p), 1e-6);
  close(bvOverpotential(-1e4 * p.i0, p), tafelOverpotential(-1e4 * p.i0, p), 1e-6);
  // and Tafel is visibly wrong near equilibrium, so the solver is not just Tafel
  assert.ok(Math.abs(bvOverpotential(0.5 * p.i0, p) - tafelOverpotential(0.5 * p.i0, p)) > 0.01);
});

test('symmetric case equals the asinh closed form', () => {
  for (const i of [-50, -1, -1e-3, 1e-4, 0.3, 2, 700]) {
    close(bvOverpotential(i, { i0: 0.8, tK: 333 }), symmetricOverpotential(i, 0.8, 333), 1e-10, `i=${i}`);
  }
});

test('bad parameters throw RangeError', () => {
  assert.throws(() => bvOverpotential(1, { i0: 0 }), RangeError);
  assert.throws(() => bvOverpotential(1, { i0: 1, alphaA: -0.5 }), RangeError);
  assert.throws(() => bvOverpotential(Infinity, { i0: 1 }), RangeError);
  assert.throws(() => chargeTransferResistance(1, -1), RangeError);
  assert.throws(() => tafelOverpotential(0, { i0: 1 }), RangeError);
});
