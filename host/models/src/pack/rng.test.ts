import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.ts';

test('same seed, same stream; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 20 }, () => a.nextU32());
  assert.deepEqual(xa, Array.from({ length: 20 }, () => b.nextU32()));
  assert.notDeepEqual(xa, Array.from({ length: 20 }, () => c.nextU32()));
});

test('uniforms in [0,1) with mean ~1/2; normals with mean ~0 and sd ~1', () => {
  const r = new Rng(7);
  const u = Array.from({ length: 20000 }, () => r.next());
  assert.ok(u.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(u.reduce((s, x) => s + x, 0) / u.length - 0.5) < 0.01);
  const z = Array.from({ length: 20000 }, () => r.normal());
  const m = z.reduce((s, x) => s + x, 0) / z.length;
  const sd = Math.sqrt(z.reduce((s, x) => s + (x - m) ** 2, 0) / z.length);
  assert.ok(Math.abs(m) < 0.03 && Math.abs(sd - 1) < 0.03, `${m} ${sd}`);
});

test('forks are reproducible and independent of each other', () => {
  const f1 = new Rng(1).fork('cells'), f2 = new Rng(1).fork('cells'), g = new Rng(1).fork('duty');
  const a = f1.next();
  assert.equal(a, f2.next());
  assert.notEqual(a, g.next());
  assert.throws(() => new Rng(1.5), RangeError);
});
