import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import { loadEtt } from './data.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'dendra-ett-bad-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT';
const row = (d: string, ot = '30.5') => `${d},5.8,2.0,1.6,0.46,4.2,1.34,${ot}`;

/** Writes a temp CSV, loads it, and checks for a one-line E_DATA InputError matching `pattern`. */
function expectBad(name: string, lines: string[], pattern: RegExp): void {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  assert.throws(() => loadEtt(file), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.code, 'E_DATA');
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.ok(e.message.startsWith(file), 'names the file');
    assert.match(e.message, pattern);
    return true;
  });
}

test('loadEtt: no OT column / no date column are named', () => {
  expectBad('no-ot.csv', ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL', '2016-07-01 00:00:00,1,2,3,4,5,6'], /line 1 \(header\): missing column "OT"/);
  expectBad('no-date.csv', ['time,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', '2016-07-01 00:00:00,1,2,3,4,5,6,7'], /line 1 \(header\): missing column "date"/);
});

test('loadEtt: a non-numeric cell names its line and column', () => {
  expectBad('nan.csv', [HEADER, row('2016-07-01 00:00:00'), '2016-07-01 01:00:00,5.8,n/a,1.6,0.46,4.2,1.34,30'], /line 3, column HULL: "n\/a" is not a number/);
});

test('loadEtt: gaps, repeats and backward steps in time name the line', () => {
  expectBad('gap.csv', [HEADER, row('2016-07-01 00:00:00'), row('2016-07-01 05:00:00')], /line 3, column date: time step 5 h/);
  expectBad('back.csv', [HEADER, row('2016-07-01 02:00:00'), row('2016-07-01 01:00:00')], /line 3, column date: time step -1 h/);
  expectBad('half.csv', [HEADER, row('2016-07-01 00:00:00'), row('2016-07-01 00:30:00')], /line 3, column date: time step 0.5 h/);
});
