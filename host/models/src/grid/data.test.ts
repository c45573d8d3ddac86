import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import {
  checkSplits, loadEtt, normalization, normalizeRows, parseEtt, percentile, STANDARD_SPLITS, standardSplits, windowStarts,
} from './data.ts';

const HEADER = 'date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT';
const row = (h: number, ot = '30.5') => `2016-07-01 ${String(h).padStart(2, '0')}:00:00,5.8,2.0,1.6,0.46,4.2,1.34,${ot}`;

function expectDataError(text: string, pattern: RegExp): void {
  assert.throws(() => parseEtt(text, 'x.csv'), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.code, 'E_DATA');
    assert.ok(!e.message.includes('\n'), 'one-line message');
    assert.match(e.message, pattern);
    return true;
  });
}

test('parses a well-formed CSV into f32 time-major rows', () => {
  const d = parseEtt([HEADER, row(0), row(1, '27.787')].join('\n') + '\n', 'x.csv');
  assert.equal(d.rows.length, 2);
  assert.equal(d.dates[1], '2016-07-01 01:00:00');
  assert.equal(d.rows[1][6], Math.fround(27.787));
  assert.equal(d.rows[0][3], Math.fround(0.46));
});

test('a missing column is named', () => {
  expectDataError(['date,HUFL,HULL,MUFL,MULL,LUFL,LULL', '2016-07-01 00:00:00,1,2,3,4,5,6'].join('\n'), /line 1.*missing column "OT"/);
});

test('a non-numeric cell names its line and column', () => {
  expectDataError([HEADER, row(0), row(1, 'hot')].join('\n'), /line 3, column OT: "hot" is not a number/);
  expectDataError([HEADER, row(0, '')].join('\n'), /line 2, column OT/);
});

test('a time gap other than one hour names the line', () => {
  expectDataError([HEADER, row(0), row(1), row(3)].join('\n'), /line 4, column date: time step 2 h/);
  expectDataError([HEADER, row(1), row(1)].join('\n'), /line 3, column date: time step 0 h/);
  expectDataError([HEADER, 'yesterday,1,2,3,4,5,6,7'].join('\n'), /line 2, column date: "yesterday" is not a date/);
});

test('a missing file is an InputError naming the path', () => {
  assert.throws(() => loadEtt('/nonexistent/ett.csv'), (e: unknown) => e instanceof InputError && /nonexistent\/ett\.csv: cannot read/.test(e.message));
});

test('ETTh1: standard split sizes and window counts', () => {
  const d = loadEtt();
  assert.equal(d.rows.length, 17420);
  const s = checkSplits(d);
  // The board's input length is 336 (BOARD_CONFIG): val and test start 336 rows early.
  assert.deepEqual([s.train.end - s.train.start, s.val.end - s.val.start, s.test.end - s.test.start], [8640, 2880 + 336, 2880 + 336]);
  // every window needs 336 input rows and 24 target rows
  assert.equal(windowStarts(s.train).length, 8640 - 360 + 1);
  assert.equal(windowStarts(s.val).length, 2880 - 24 + 1);
  const test0 = windowStarts(s.test)[0];
  assert.equal(test0 + 336, 11520, 'first test target is the first test-split row');
  // The protocol's L 96 splits keep their sizes.
  const s96 = checkSplits(d, standardSplits(96), 96);
  assert.deepEqual([s96.val.end - s96.val.start, s96.test.end - s96.test.start], [2976, 2976]);
  assert.equal(windowStarts(s96.train, 96).length, 8640 - 120 + 1);
  assert.throws(() => checkSplits({ ...d, rows: d.rows.slice(0, 12000) }), /too few for the test split/);
});

test('ETTh1: training rows normalize to mean 0 and population std 1', () => {
  const d = loadEtt();
  const norm = normalization(d, STANDARD_SPLITS.train);
  const z = normalizeRows(d, norm);
  for (let c = 0; c < 7; c++) {
    let s = 0;
    let s2 = 0;
    for (let t = 0; t < 8640; t++) {
      s += z[t * 7 + c];
      s2 += z[t * 7 + c] ** 2;
    }
    assert.ok(Math.abs(s / 8640) < 1e-4, `channel ${c} mean`);
    assert.ok(Math.abs(s2 / 8640 - 1) < 1e-4, `channel ${c} variance`);
  }
  const p95 = percentile(d, STANDARD_SPLITS.train, 6, 95);
  const above = d.rows.slice(0, 8640).filter((r) => r[6] > p95).length;
  assert.ok(Math.abs(above / 8640 - 0.05) < 0.002, '5% of training OT above its 95th percentile');
});
