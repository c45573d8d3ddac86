import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, scoreAlerts, type AlertWindow } from './alerts_eval.ts';

// Hourly OT with two upward crossings of 10: at row 3 (from 5) and at row 9.
const OT = [5, 5, 5, 12, 12, 5, 5, 5, 5, 11, 5];
const ALERTS = new Set([1, 2, 3, 5, 6]);
const windows: AlertWindow[] = Array.from({ length: 9 }, (_, last) => ({ last, forecast: ALERTS.has(last) ? [11, 0, 0] : [0, 0, 0] }));

test('alert metrics on a hand-computed series (horizon 3, limit 10)', () => {
  const s = scoreAlerts(OT, windows, 10, 3);
  // truth (any of the next 3 h > 10): last 0,1,2,3,6,7,8; alerts 1,2,3,5,6 -> tp 1,2,3,6, fp 5
  assert.deepEqual(s.all, { windows: 9, positives: 7, alerts: 5, tp: 4, fp: 1, fn: 3, precision: 0.8, recall: 4 / 7 });
  // onset windows (last OT <= 10) drop lasts 3 and 4: tp 1,2,6; fp 5; fn 0,7,8
  assert.deepEqual(s.onset, { windows: 7, positives: 6, alerts: 4, tp: 3, fp: 1, fn: 3, precision: 0.75, recall: 0.5 });
  // crossing at row 3: windows ending 1 and 2 alerted in a row -> lead 3 - 1 = 2 h; crossing at 9 missed
  assert.deepEqual(s.events, { count: 2, detected: 1, recall: 0.5, medianLeadH: 2 });
});

test('a forecaster that never alerts has null precision and zero recall', () => {
  const quiet = windows.map((w) => ({ ...w, forecast: [0, 0, 0] }));
  const s = scoreAlerts(OT, quiet, 10, 3);
  assert.equal(s.all.precision, null);
  assert.equal(s.all.recall, 0);
  assert.equal(s.events.medianLeadH, null);
});

test('median of odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), null);
});
