// The "dendra" metadata buffer: layout of CONTRACTS.md, round trip, validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDendraMeta, encodeDendraMeta, type DendraMeta } from './metadata.ts';
import { InputError } from '../errors.ts';

const meta: DendraMeta = {
  nChannels: 7, window: 96, horizon: 24, target: 6,
  mean: [1.5, 2.25, 3, 4, 5, 6, 30.5], std: [0.5, 1, 2, 3, 4, 5, 8.25],
  otLimitC: 42.5, hysteresisC: 1, modelVersion: 3, name: 'grid',
};

test('layout: offsets of CONTRACTS.md for n = 7', () => {
  const b = encodeDendraMeta(meta);
  const v = new DataView(b.buffer);
  assert.equal(b.length, 29 + 56 + 4);
  assert.equal(v.getUint32(0, true), 0x31444d44);
  assert.equal(String.fromCharCode(...b.subarray(0, 4)), 'DMD1');
  assert.deepEqual([2, 4, 6, 8, 10, 12].map((o) => v.getUint16(o + 2, true)), [2, 7, 96, 24, 6, 0]);
  assert.equal(v.getFloat32(16, true), 1.5);
  assert.equal(v.getFloat32(16 + 28 + 24, true), 8.25);
  assert.equal(v.getFloat32(16 + 56, true), 42.5);
  assert.equal(v.getFloat32(20 + 56, true), 1);
  assert.equal(v.getUint32(24 + 56, true), 3);
  assert.equal(b[28 + 56], 4);
  assert.equal(new TextDecoder().decode(b.subarray(29 + 56)), 'grid');
});

test('round trip keeps every field (f32 values)', () => {
  const m = { ...meta, otLimitC: 0.1, mean: Array.from(meta.mean, (x) => x + 0.1) };
  const d = decodeDendraMeta(encodeDendraMeta(m));
  assert.deepEqual(d.mean, Array.from(m.mean, Math.fround));
  assert.equal(d.otLimitC, Math.fround(0.1));
  assert.deepEqual({ ...d, mean: 0, otLimitC: 0 }, { ...m, mean: 0, otLimitC: 0 });
});

test('decode rejects short buffers, bad magic, bad version, bad target, bad std, truncated name', () => {
  const good = encodeDendraMeta(meta);
  const bad = (mutate: (b: Uint8Array, v: DataView) => Uint8Array | void, re: RegExp) => {
    const b = good.slice();
    const r = mutate(b, new DataView(b.buffer)) ?? b;
    assert.throws(() => decodeDendraMeta(r), (e: unknown) => e instanceof InputError && e.code === 'E_MODEL' && re.test(e.message));
  };
  bad((b) => b.subarray(0, 10), /header/);
  bad((_, v) => v.setUint32(0, 0x12345678, true), /magic/);
  bad((_, v) => v.setUint16(4, 1, true), /layout version 1/);
  bad((_, v) => v.setUint16(4, 3, true), /layout version 3/);
  bad((_, v) => v.setUint16(12, 7, true), /target/);
  bad((_, v) => v.setFloat32(16 + 28, 0, true), /std\[0\]/);
  bad((b) => b.subarray(0, b.length - 1), /name/);
  bad((_, v) => v.setUint16(6, 500, true), /500 channels/);
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeDendraMeta(good.subarray(0, n)), InputError);
});

test('encode rejects inconsistent input', () => {
  assert.throws(() => encodeDendraMeta({ ...meta, mean: [1] }), /lengths/);
  assert.throws(() => encodeDendraMeta({ ...meta, target: 7 }), /target/);
  assert.throws(() => encodeDendraMeta({ ...meta, name: 'x'.repeat(256) }), /255/);
  assert.throws(() => encodeDendraMeta({ ...meta, modelVersion: -1 }), /u32/);
});
