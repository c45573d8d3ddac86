// Alarm state from alerts (alarms.ts): raised once, updated while active, cleared; duplicates ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmTable, foldAlert, MAX_ALARMS_PER_DEVICE } from './alarms.ts';
import { parsePayload, encodePayload, type AlertPayload } from '../mqtt/schema.ts';

const risk = (seq: number, state: 'raised' | 'cleared', value: number, extra: Partial<AlertPayload> = {}): AlertPayload => ({
  v: 1, boot: 1, seq, ts: seq * 1000, kind: 'dendrite.risk', state, severity: 'critical', value, threshold: 0.8, lead_cycles: state === 'raised' ? 40 : 0, ...extra,
});

test('five raises of dendrite.risk in 18 s without a clear are one alarm: raised, then active with raises 5; then cleared', () => {
  const t = new AlarmTable();
  const t0 = 1_764_054_000_000;
  for (let i = 0; i < 5; i++) assert.equal(t.apply(risk(i + 1, 'raised', 0.95 + i / 100), t0 + i * 4500), true);
  assert.equal(t.entries.size, 1);
  const e = t.entries.get('dendrite.risk')!;
  assert.deepEqual([e.state, e.raises, e.raised_at, e.updated_at, e.value, e.peak, e.seq, e.lead_cycles], ['active', 5, t0, t0 + 18_000, 0.99, 0.99, 5, 40]);
  assert.equal(t.apply(risk(6, 'cleared', 0.5), t0 + 20_000), true);
  const c = t.entries.get('dendrite.risk')!;
  assert.deepEqual([c.state, c.cleared_at, c.raised_at, c.raises, c.value], ['cleared', t0 + 20_000, t0, 5, 0.5]);
  // A new raise after the clear is a new alarm (new raised_at: an old acknowledgement does not cover it).
  t.apply(risk(7, 'raised', 0.9), t0 + 30_000);
  assert.deepEqual([t.entries.get('dendrite.risk')!.state, t.entries.get('dendrite.risk')!.raised_at, t.entries.get('dendrite.risk')!.raises], ['raised', t0 + 30_000, 1]);
  // The published record validates against alarm.schema.json.
  const r = parsePayload('alarm', encodePayload(t.record(t0 + 30_000)));
  assert.ok(r.ok, r.ok ? '' : r.reason);
});

test('duplicates, older alerts and a clear without an active alarm change nothing; a new boot is newer', () => {
  const e1 = foldAlert(undefined, risk(3, 'raised', 0.9), 10)!;
  assert.equal(foldAlert(e1, risk(3, 'raised', 0.9), 11), null, 'QoS 1 redelivery');
  assert.equal(foldAlert(e1, risk(2, 'raised', 0.9), 11), null, 'older seq');
  assert.equal(foldAlert(undefined, risk(1, 'cleared', 0.1), 11), null);
  assert.equal(foldAlert(e1, risk(1, 'raised', 0.95, { boot: 2 }), 12)?.raises, 2);
});

test('kinds are kept apart; at most MAX_ALARMS_PER_DEVICE kinds, a new one replaces the oldest cleared', () => {
  const t = new AlarmTable();
  t.apply({ v: 1, seq: 1, ts: 1, kind: 'overload.warning', state: 'raised', severity: 'warning', value: 81, threshold: 80, lead_h: 5 }, 1);
  t.apply(risk(2, 'raised', 0.9), 2);
  assert.deepEqual([...t.entries.keys()], ['overload.warning', 'dendrite.risk']);
  assert.equal(t.entries.get('overload.warning')!.lead_h, 5);
  for (let i = 0; i < MAX_ALARMS_PER_DEVICE; i++) t.apply({ v: 1, seq: 10 + i, ts: 1, kind: `x.k${i}`, state: 'raised', severity: 'info', value: 1, threshold: 0 }, 3 + i);
  assert.equal(t.entries.size, MAX_ALARMS_PER_DEVICE);
  t.apply(risk(3, 'cleared', 0.1), 100);
  assert.equal(t.apply({ v: 1, seq: 99, ts: 1, kind: 'x.new', state: 'raised', severity: 'info', value: 1, threshold: 0 }, 101), true);
  assert.ok(t.entries.has('x.new') && !t.entries.has('dendrite.risk'));
});
