import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBms } from './bms.ts';

const H = 'cycle,cell,v,i,t,impedance,label';

test('BMS rows aggregate per cell and cycle: peak |i|, RMS i, max/min V, mean/max T, last impedance', () => {
  const d = parseBms([H, '1,0,4.1,0.6,30,10,0', '1,0,3.0,-0.8,20,11,0', '2,0,4.0,0.5,25,12,1'].join('\n'), 'x.csv');
  const s = d.cells[0]!;
  assert.deepEqual([s.iPeak[0], s.vMax[0], s.vMin[0], s.tMean[0], s.tMax[0], s.rInt[0]], [0.8, 4.1, 3.0, 25, 30, 11]);
  assert.ok(Math.abs(s.iRms[0] - Math.sqrt((0.36 + 0.64) / 2)) < 1e-12);
  assert.deepEqual(s.label, [0, 1]);
  assert.deepEqual([d.cycles, d.rows, d.errors.length, d.hasLabel], [2, 3, 0, true]);
  assert.equal(d.cells[1], null);
});

test('bad rows are per-row errors naming line and column; the rest of the file is read', () => {
  const d = parseBms([H, '1,0,4.1,0.6,30,10,', '1,0,abc,0.6,30,10,', '1,16,4.1,0.6,30,10,', '1,1,4.1,0.6,30,10,2', '1,1,4.1,0.6,30,10,', '2,0,4.1,0.6,30,10,', '2,1,4.1,0.6,30,10,'].join('\n'), 'x.csv');
  assert.deepEqual(d.errors.map((e) => e.line), [3, 4, 5]);
  assert.match(d.errors[0].message, /column 'v' value 'abc' is not a number/);
  assert.match(d.errors[1].message, /column 'cell' must be an integer in 0..15, got 16/);
  assert.match(d.errors[2].message, /column 'label' must be in \[0, 1\]/);
  assert.equal(d.rows, 4);
  assert.deepEqual(d.cells[0]!.label, [null, null]);
});

test('a dropout repeats the previous cycle; after its last sample a cell is gone; bad files are one-line errors', () => {
  const d = parseBms([H, '1,0,4.1,0.6,30,10,', '1,1,4.0,0.5,30,10,', '3,0,4.2,0.7,30,10,', '3,1,4.0,0.5,30,10,', '4,1,4.0,0.5,30,10,'].join('\n'));
  assert.equal(d.filled, 2);
  assert.deepEqual(d.cells[0]!.vMax, [4.1, 4.1, 4.2]);
  assert.equal(d.cells[1]!.vMax.length, 4);
  assert.throws(() => parseBms('cycle,cell,v,i,t\n1,0,4,0,20', 'y.csv'), /^InputError|y\.csv: line 1 \(header\): missing column 'impedance'/);
  assert.throws(() => parseBms([H, '1,0,x,0,20,1,'].join('\n'), 'z.csv'), (e: Error & { code?: string }) => e.code === 'E_BMS' && /no valid row \(1 bad; first: line 2/.test(e.message));
  assert.throws(() => parseBms([H, '1,0,4,0,20,1,', '2,1,4,0,20,1,'].join('\n'), 'w.csv'), /cell 1 has no valid sample in cycle 1/);
});
