import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeCardSection, physicsOpt, readReport } from './materials-common.ts';

test('mergeCardSection sets one field, keeps the rest, and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-card-'));
  const path = join(dir, 'materials.card.json');
  writeFileSync(path, JSON.stringify({ model: 'gbt-cens', cv: [1, 2], gnn: { old: true } }));
  mergeCardSection(dir, 'gnn', { rows: [3] });
  const card = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(card, { model: 'gbt-cens', cv: [1, 2], gnn: { rows: [3] } });
  assert.equal(existsSync(`${path}.tmp`), false);
});

test('mergeCardSection refuses a missing card and a card that is not an object, leaving the file as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-card-'));
  assert.throws(() => mergeCardSection(dir, 'gnn', {}), (e: Error & { code?: string }) => e.code === 'E_MODEL' && /no card/.test(e.message));
  writeFileSync(join(dir, 'materials.card.json'), '[1,2]');
  assert.throws(() => mergeCardSection(dir, 'gnn', {}), /not a model card/);
  assert.equal(readFileSync(join(dir, 'materials.card.json'), 'utf8'), '[1,2]');
});

test('readReport names the file and the expected command for unreadable or foreign JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-rep-'));
  const isRep = (x: unknown): x is { rows: unknown[] } => typeof x === 'object' && x !== null && Array.isArray((x as { rows?: unknown }).rows);
  writeFileSync(join(dir, 'a.json'), '{"rows": []}');
  assert.deepEqual(readReport(join(dir, 'a.json'), isRep, 'x --json'), { rows: [] });
  writeFileSync(join(dir, 'b.json'), '{"other": 1}');
  assert.throws(() => readReport(join(dir, 'b.json'), isRep, 'materials gnn --json'), /b\.json: not the output of materials gnn --json/);
  writeFileSync(join(dir, 'c.json'), '{not json');
  assert.throws(() => readReport(join(dir, 'c.json'), isRep, 'x'), (e: Error & { code?: string }) => e.code === 'E_READ' && !e.message.includes('\n'));
  assert.throws(() => readReport(join(dir, 'missing.json'), isRep, 'x'), /missing\.json/);
  writeFileSync(join(dir, 'd.json'), 'vm\n');
  assert.throws(() => readReport(join(dir, 'd.json'), isRep, 'x'), (e: Error) => !e.message.includes('\n'), 'a JSON error quoting a newline stays one line');
});

test('physicsOpt: none, all, a list, and an unknown group named', () => {
  assert.deepEqual(physicsOpt('none'), []);
  assert.equal(physicsOpt('all').length, 4);
  assert.deepEqual(physicsOpt('bvse, ewald'), ['bvse', 'ewald']);
  assert.throws(() => physicsOpt('bvse,magic'), /unknown group 'magic'/);
});
