import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedByText } from './cache.ts';

test('cachedByText computes once per (version, text), keeps NaN and Infinity, and recomputes a corrupt entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-cache-'));
  let calls = 0;
  const compute = (): { a: number; b: number; c: number; d: null } => { calls++; return { a: NaN, b: Infinity, c: 1.5, d: null }; };
  const first = cachedByText(dir, 1, 'cif text', compute);
  const again = cachedByText(dir, 1, 'cif text', compute);
  assert.equal(calls, 1, 'second call read the cache');
  assert.ok(Number.isNaN(again.a) && again.b === Infinity && again.c === 1.5 && again.d === null);
  assert.deepEqual(again, first);
  cachedByText(dir, 2, 'cif text', compute);
  cachedByText(dir, 1, 'other text', compute);
  assert.equal(calls, 3, 'a new version or text is a new entry');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 3);
  assert.equal(readdirSync(dir).some((f) => f.endsWith('.tmp')), false, 'no temporary file left');
  for (const f of files) writeFileSync(join(dir, f), '{broken');
  assert.equal(cachedByText(dir, 1, 'cif text', compute).c, 1.5);
  assert.equal(calls, 4, 'a corrupt entry is recomputed');
});

test('cachedByText with an unwritable cache still returns the value, and null disables the cache', () => {
  let calls = 0;
  const file = join(mkdtempSync(join(tmpdir(), 'dendra-cache-')), 'a-file');
  writeFileSync(file, 'x');
  const v = cachedByText(join(file, 'sub'), 1, 't', () => { calls++; return 7; }); // a directory under a file cannot exist
  assert.equal(v, 7);
  cachedByText(null, 1, 't', () => { calls++; return 7; });
  cachedByText(null, 1, 't', () => { calls++; return 7; });
  assert.equal(calls, 3);
});

test('cachedByText stores nothing when compute throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-cache-'));
  assert.throws(() => cachedByText(dir, 1, 'bad', () => { throw new RangeError('no Li'); }), /no Li/);
  assert.deepEqual(readdirSync(dir), []);
});
