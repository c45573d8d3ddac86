import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ablationVariants, pairedDelta } from './ablation.ts';
import { ALL_PHYSICS } from './physics.ts';

test('ablation variants: none first, each group alone, all, and all minus each group', () => {
  const v = ablationVariants();
  assert.equal(v[0].name, 'none');
  assert.equal(v[0].groups.length, 0);
  assert.equal(v.length, 2 + 2 * ALL_PHYSICS.length);
  for (const g of ALL_PHYSICS) {
    assert.deepEqual(v.find((x) => x.name === `+${g}`)!.groups, [g]);
    assert.ok(!v.find((x) => x.name === `all-${g}`)!.groups.includes(g));
  }
});

test('paired delta: mean difference with an interval that excludes 0 for a consistent shift only', () => {
  const b = Array.from({ length: 200 }, (_, i) => 1 + (i % 7) * 0.1);
  const shifted = pairedDelta(b.map((x) => x - 0.2), b, 500);
  assert.ok(Math.abs(shifted.value + 0.2) < 1e-12 && shifted.hi < 0);
  const noise = pairedDelta(b.map((x, i) => x + (i % 2 ? 0.3 : -0.3)), b, 500);
  assert.ok(Math.abs(noise.value) < 1e-12 && noise.lo < 0 && noise.hi > 0);
});
