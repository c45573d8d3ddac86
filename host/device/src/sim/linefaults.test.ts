import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFaults } from './linefaults.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff);

test('mulberry32 is deterministic per seed and stays in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, mulberry32(43)));
});

test('line faults: same seed, same damage; counts match the output length', () => {
  const opts = { seed: 7, dropRate: 0.01, flipRate: 0.01, dupRate: 0.01 };
  const x = new LineFaults(opts);
  const y = new LineFaults(opts);
  const input = bytes(20000);
  const out = x.apply(input);
  assert.deepEqual(out, y.apply(input));
  const s = x.stats;
  assert.equal(s.bytes, 20000);
  assert.equal(out.length, 20000 - s.dropped + s.duplicated);
  for (const k of ['dropped', 'flipped', 'duplicated'] as const) assert.ok(s[k] > 50 && s[k] < 400, `${k} = ${s[k]}`);
});

test('no rates: bytes pass unchanged; disabled: pass unchanged and uncounted', () => {
  const f = new LineFaults({ seed: 1 });
  assert.deepEqual(f.apply(bytes(100)), bytes(100));
  const g = new LineFaults({ seed: 1, dropRate: 1 });
  g.enabled = false;
  assert.deepEqual(g.apply(bytes(10)), bytes(10));
  assert.equal(g.stats.bytes, 0);
  g.enabled = true;
  assert.equal(g.apply(bytes(10)).length, 0);
});

test('silence after N bytes (a pulled cable), reconnect, disconnectAfter', () => {
  const f = new LineFaults({ seed: 3, silenceAfterBytes: 5 });
  assert.deepEqual(f.apply(bytes(8)), bytes(5));
  assert.ok(f.silent);
  assert.equal(f.apply(bytes(4)).length, 0);
  assert.equal(f.stats.silenced, 7);
  f.reconnect();
  assert.equal(f.apply(bytes(4)).length, 4);
  f.disconnectAfter(2);
  assert.equal(f.apply(bytes(4)).length, 2);
  assert.throws(() => f.disconnectAfter(-1), RangeError);
  assert.throws(() => new LineFaults({ seed: 1, dropRate: 2 }), RangeError);
});
