import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEED_TARGETS, growImpedance, impedanceGrowth, interfaceInstability, interfacialResistance } from './impedance.ts';
import { ELECTROLYTES } from './electrolytes.ts';

test('model reproduces the seed targets at the reference condition: 10 vs 35 ohm cm^2 after 300 cycles', () => {
  const stable = impedanceGrowth(300, 0);
  const unstable = impedanceGrowth(300, 1);
  console.log(`impedance growth @300 cycles: stable ${stable.toFixed(2)} (seed ${SEED_TARGETS.stable.impedanceGrowth300}), unstable ${unstable.toFixed(2)} (seed ${SEED_TARGETS.unstable.impedanceGrowth300})`);
  assert.ok(Math.abs(stable - 10) < 1e-9);
  assert.ok(Math.abs(unstable - 35) < 1e-9);
  assert.ok(impedanceGrowth(300, 0.5) > stable && impedanceGrowth(300, 0.5) < unstable);
});

test('incremental growth equals the closed form at the reference condition, faster when hot or loaded', () => {
  let d = 0;
  for (let n = 0; n < 300; n++) d = growImpedance(d, 1, 0.5, 298.15);
  assert.ok(Math.abs(d - impedanceGrowth(300, 1)) < 1e-9);
  assert.ok(growImpedance(0, 0, 0.5, 330) > growImpedance(0, 0, 0.5, 298.15));
  assert.ok(growImpedance(0, 0, 1, 298.15) > growImpedance(0, 0, 0.5, 298.15));
  assert.equal(growImpedance(3, 0, 0, 298.15), 3, 'no charge, no growth');
});

test('instability score: LGPS (reacts with Li) > PEO (soft) > argyrodite > LLZO', () => {
  const s = (id: keyof typeof ELECTROLYTES) => interfaceInstability(ELECTROLYTES[id]);
  assert.equal(s('lgps'), 1);
  assert.ok(s('peo') > s('argyrodite') && s('argyrodite') > s('llzo'));
});

test('interfacial resistance falls with temperature', () => {
  assert.ok(Math.abs(interfacialResistance(10, 5, 0.3, 298.15) - 15) < 1e-12);
  assert.ok(interfacialResistance(10, 5, 0.3, 330) < 15);
});

test('bad parameters throw RangeError', () => {
  assert.throws(() => impedanceGrowth(-1, 0), RangeError);
  assert.throws(() => impedanceGrowth(10, 1.5), RangeError);
  assert.throws(() => growImpedance(-1, 0, 1, 300), RangeError);
  assert.throws(() => interfacialResistance(10, 0, 0.3, 0), RangeError);
});
