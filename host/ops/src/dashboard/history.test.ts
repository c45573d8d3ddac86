// The dashboard's chart history (history.ts): bounded, saved to a file and loaded again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { History, HISTORY_LIMITS } from './history.ts';

test('history is bounded per device, survives a save and load, and ignores a corrupt file with one line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-hist-'));
  try {
    const file = path.join(dir, '.dendra', 'dashboard-history.json');
    const h = new History(file);
    assert.equal(h.load(), null, 'no file yet: empty, no warning');
    for (let i = 0; i < HISTORY_LIMITS.points + 5; i++) h.add('n/tx1', 1000 + i, 60 + i / 100, i % 2 ? null : 70);
    h.setLimit('n/tx1', 35.3);
    assert.equal(h.save(), null);
    const back = new History(file);
    assert.equal(back.load(), null);
    const d = back.doc().devices['n/tx1'];
    assert.equal(d.points.length, HISTORY_LIMITS.points);
    assert.deepEqual(d.points[0], [1005, 60.05, null]);
    assert.equal(d.limit, 35.3);
    writeFileSync(file, '{"v":1,"devices":');
    const bad = new History(file);
    assert.match(bad.load() ?? '', /^history file .* ignored: not JSON$/);
    assert.deepEqual(bad.doc().devices, {});
    writeFileSync(file, JSON.stringify({ v: 1, devices: { '../x': { points: [[1, 2, 3]] }, 'n/ok': { points: [[1, 'hot', 3], 'x', [2]], limit: 'high' } } }));
    const odd = new History(file);
    odd.load();
    assert.deepEqual(odd.doc().devices, { 'n/ok': { points: [[1, null, 3]], limit: null } });
    assert.ok(readFileSync(file, 'utf8').length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
