// The page's state logic (page/model.js, page/store.js) in Node: the same plain JS the browser runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PAGE_DIR } from './server.ts';

const storeUrl = pathToFileURL(path.join(PAGE_DIR, 'store.js')).href;
const modelUrl = pathToFileURL(path.join(PAGE_DIR, 'model.js')).href;
const { createStore } = (await import(storeUrl)) as any;
const { normalizeCells, parseTopic, LIMITS } = (await import(modelUrl)) as any;

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const alert = (seq: number, extra: Record<string, unknown> = {}) =>
  enc({ v: 1, seq, ts: 1000, kind: 'overload.warning', state: 'raised', severity: 'warning', value: 81.23, threshold: 80, lead_h: 5, model: 'grid@1', ...extra });

test('topics: only dendra/v1/<site>/<device>/<known kind> with valid ids', () => {
  assert.deepEqual(parseTopic('dendra/v1/north/tx1/alert'), { site: 'north', device: 'tx1', kind: 'alert' });
  assert.deepEqual(parseTopic('dendra/v1/north/tx1/alarm'), { site: 'north', device: 'tx1', kind: 'alarm' });
  assert.deepEqual(parseTopic('dendra/v1/north/tx1/ack/dendrite.risk'), { site: 'north', device: 'tx1', kind: 'ack', alertKind: 'dendrite.risk' });
  assert.ok(parseTopic('dendra/v1/north/tx1/ack/Bad+Kind').reason);
  for (const t of ['dendra/v2/a/b/alert', 'dendra/v1/a/b/c/alert', 'dendra/v1/$a/b/alert', 'dendra/v1/a/b/other', 'x'.repeat(300), 42]) {
    assert.ok(parseTopic(t).reason, String(t).slice(0, 40));
  }
});

test('store: devices from status, telemetry ring buffer, alerts newest first, duplicates, acknowledgement', () => {
  const s = createStore();
  assert.equal(s.handle('dendra/v1/n/tx1/status', enc({ v: 1, state: 'online', ts: 5, boot: 2, model: 'grid@1' })).type, 'device');
  for (let w = 0; w < LIMITS.maxPoints + 10; w++) s.handle('dendra/v1/n/tx1/telemetry', enc({ v: 1, seq: w, ts: w, window: w, ot: 60 + w / 100, pred_peak: 70 }));
  const d = s.devices.get('n/tx1');
  assert.equal(d.state, 'online');
  assert.equal(d.model, 'grid@1');
  assert.equal(d.points.length, LIMITS.maxPoints);
  assert.equal(d.points.at(-1).window, LIMITS.maxPoints + 9);
  s.handle('dendra/v1/n/tx1/alert', alert(1));
  s.handle('dendra/v1/n/tx1/alert', alert(2, { state: 'cleared', lead_h: null }));
  assert.equal(s.handle('dendra/v1/n/tx1/alert', alert(1)).type, 'duplicate');
  assert.deepEqual(s.alerts.map((a: any) => [a.seq, a.state, a.lead]), [[2, 'cleared', null], [1, 'raised', { n: 5, unit: 'h' }]]);
  assert.equal(d.threshold, 80);
  assert.equal(s.stats.duplicates, 1);
  s.handle('dendra/v1/n/tx1/status', enc({ state: 'offline' })); // the contract's will has no v
  assert.equal(d.state, 'offline');
  s.handle('dendra/v1/n/tx1/model', enc({ model: 'grid@7' }));
  assert.equal(d.model, 'grid@7');
  assert.equal(s.stats.dropped, 0);
});

test('store: malformed, oversized, non-UTF-8 and wrongly typed payloads are dropped and counted', () => {
  const s = createStore();
  const bad: [string, Uint8Array | null][] = [
    ['dendra/v1/n/d/alert', enc('{not json')],
    ['dendra/v1/n/d/alert', enc('[1,2]')],
    ['dendra/v1/n/d/alert', alert(1, { seq: 'x' })],
    ['dendra/v1/n/d/alert', alert(1, { kind: '<img src=x onerror=alert(1)>' })],
    ['dendra/v1/n/d/alert', alert(1, { value: '81' })],
    ['dendra/v1/n/d/alert', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['dendra/v1/n/d/alert', new Uint8Array(LIMITS.maxPayloadBytes + 1).fill(0x20)],
    ['dendra/v1/n/d/telemetry', enc({ v: 1, seq: 1, ts: 1, window: 1, ot: 'hot' })],
    ['dendra/v1/n/d/status', enc({ state: 'sideways' })],
    ['dendra/v1/n/d/model', enc({ model: 'x'.repeat(100) })],
    ['dendra/v1/n/d/alert', null],
    ['nope', enc({})],
  ];
  for (const [t, b] of bad) assert.equal(s.handle(t, b).type, 'dropped', t);
  assert.equal(s.stats.dropped, bad.length);
  assert.equal(s.alerts.length, 0);
  assert.ok(s.stats.lastDrop.length <= LIMITS.maxReason + 3);
});

test('store: alert and device counts are capped', () => {
  const s = createStore();
  for (let i = 0; i <= LIMITS.maxAlerts; i++) s.handle('dendra/v1/n/d/alert', alert(i));
  assert.equal(s.alerts.length, LIMITS.maxAlerts);
  assert.equal(s.alerts.at(-1).seq, 1);
  for (let i = 0; i < LIMITS.maxDevices + 5; i++) s.handle(`dendra/v1/n/dev${i}/status`, enc({ state: 'online' }));
  assert.equal(s.devices.size, LIMITS.maxDevices);
  assert.equal(s.stats.dropped, 6); // n/d plus 255 new ones fill the 256; the last 6 are dropped
});

test('cells: flat numbers, rows of numbers, {risk,row,col,id}; bad or huge arrays are rejected', () => {
  assert.deepEqual(normalizeCells([0.1, 0.2, 0.3, 0.4]), {
    rows: 2, cols: 2, cells: [
      { row: 0, col: 0, risk: 0.1, label: '' }, { row: 0, col: 1, risk: 0.2, label: '' },
      { row: 1, col: 0, risk: 0.3, label: '' }, { row: 1, col: 1, risk: 0.4, label: '' }],
  });
  const rows = normalizeCells([[0.1, 0.2, 0.3], [0.4]]);
  assert.equal(rows.rows, 2);
  assert.equal(rows.cols, 3);
  assert.equal(rows.cells.length, 4);
  const objs = normalizeCells([{ id: 'c<b>1', row: 3, col: 1, risk: 0.9 }, { r: 0, c: 0, value: 0.1 }]);
  assert.deepEqual([objs.rows, objs.cols, objs.cells[0].label], [4, 2, 'c<b>1']);
  for (const bad of ['x', [], [0.1, 'a'], [{ row: -1, col: 0, risk: 1 }], [{ row: 0, col: 999, risk: 1 }], new Array(LIMITS.maxCells + 1).fill(0), [[NaN]]]) {
    assert.ok(normalizeCells(bad).reason, JSON.stringify(bad).slice(0, 40));
  }
  const s = createStore();
  assert.equal(s.handle('dendra/v1/p/pack1/alert', alert(1, { kind: 'dendrite.risk', lead_h: undefined, cells: [0.2, 0.95] })).type, 'alert');
  assert.equal(s.devices.get('p/pack1').risk.cells.cells.length, 2);
  assert.equal(s.handle('dendra/v1/p/pack1/alert', alert(2, { kind: 'dendrite.risk', lead_h: undefined, cells: 'lots' })).type, 'dropped');
});

test('store: alerts keep the device publish time pts (a bad one is dropped); cmd and reply traffic is ignored, not counted as dropped', () => {
  const s = createStore();
  assert.equal(s.handle('dendra/v1/n/tx1/alert', alert(1, { ts: 1000, pts: 7_201_000 })).type, 'alert');
  assert.equal(s.alerts[0].pts - s.alerts[0].ts, 7_200_000);
  assert.equal(s.handle('dendra/v1/n/tx1/alert', alert(2)).type, 'alert');
  assert.equal(s.alerts[0].pts, null, 'an alert without pts is still shown');
  assert.equal(s.handle('dendra/v1/n/tx1/alert', alert(3, { pts: 'late' })).type, 'dropped');
  assert.equal(s.handle('dendra/v1/n/tx1/cmd', enc({ v: 1, id: 'a', op: 'ping' })).type, 'command');
  assert.equal(s.handle('dendra/v1/n/tx1/reply', enc({ v: 1, id: 'a', ok: true })).type, 'command');
  assert.equal(s.stats.dropped, 1);
});

const alarmTable = (alarms: object[]) => enc({ v: 1, ts: 5000, source: 'bridge', alarms });
const riskAlarm = { kind: 'dendrite.risk', state: 'active', severity: 'critical', raised_at: 1000, updated_at: 4000, raises: 5, value: 0.99, threshold: 0.8, lead_cycles: 40, boot: 1, seq: 9, cells: [0.2, 0.99] };

test('store: the retained alarm table is the alarm state (one row per kind); an ack counts only for the alarm raised at its raised_at', () => {
  const s = createStore();
  assert.equal(s.handle('dendra/v1/p/pack1/alarm', alarmTable([riskAlarm])).type, 'alarm');
  const a = s.alarms.get('p/pack1/dendrite.risk');
  assert.deepEqual([a.state, a.raises, a.lead, a.raisedAt], ['active', 5, { n: 40, unit: 'cycles' }, 1000]);
  assert.equal(s.devices.get('p/pack1').risk.cells.cells.length, 2, 'the heat map survives a reload: the retained table carries the cells');
  assert.equal(s.ackOf('p/pack1/dendrite.risk'), null);
  assert.equal(s.handle('dendra/v1/p/pack1/ack/dendrite.risk', enc({ v: 1, kind: 'dendrite.risk', raised_at: 1000, by: 'ops-a', at: 4500 })).type, 'ack');
  assert.deepEqual(s.ackOf('p/pack1/dendrite.risk'), { kind: 'dendrite.risk', raisedAt: 1000, by: 'ops-a', at: 4500 });
  s.handle('dendra/v1/p/pack1/alarm', alarmTable([{ ...riskAlarm, state: 'raised', raised_at: 9000, updated_at: 9000, raises: 1 }]));
  assert.equal(s.ackOf('p/pack1/dendrite.risk'), null, 'a new raise is not covered by the old ack');
  s.handle('dendra/v1/p/pack1/alarm', alarmTable([]));
  assert.equal(s.alarms.size, 0);
  for (const [t, b] of [
    ['dendra/v1/p/pack1/ack/dendrite.risk', enc({ v: 1, kind: 'overload.warning', raised_at: 1, by: 'x', at: 2 })],
    ['dendra/v1/p/pack1/ack/dendrite.risk', enc({ v: 1, kind: 'dendrite.risk', raised_at: 1, by: '<b>', at: 2 })],
    ['dendra/v1/p/pack1/alarm', alarmTable([{ ...riskAlarm, state: 'again' }])],
    ['dendra/v1/p/pack1/alarm', alarmTable([{ ...riskAlarm, lead_h: 3 }])],
  ] as [string, Uint8Array][]) assert.equal(s.handle(t, b).type, 'dropped', new TextDecoder().decode(b));
});

test('lead: the page reads each kind\'s own lead field and unit; lead_h on a dendrite.risk alert is dropped', () => {
  const s = createStore();
  s.handle('dendra/v1/p/pack1/alert', alert(1, { kind: 'dendrite.risk', value: 0.9, threshold: 0.8, lead_h: undefined, lead_cycles: 40 }));
  assert.deepEqual(s.alerts[0].lead, { n: 40, unit: 'cycles' });
  assert.equal(s.handle('dendra/v1/p/pack1/alert', alert(2, { kind: 'dendrite.risk', value: 0.9, threshold: 0.8 })).type, 'dropped');
});

test('store: server history goes in front of live points; the limit comes with it', () => {
  const s = createStore();
  s.handle('dendra/v1/n/tx1/telemetry', enc({ v: 1, seq: 1, ts: 1, window: 9, ot: 30, pred_peak: 31 }), 5000);
  assert.deepEqual(s.loadHistory({ v: 1, devices: { 'n/tx1': { points: [[1000, 20, 21], [2000, 22, null], [6000, 1, 1]], limit: 35.3 }, bad: { points: [] } } }), ['n/tx1']);
  const d = s.devices.get('n/tx1');
  assert.deepEqual(d.points.map((p: any) => [p.t, p.ot, p.pred]), [[1000, 20, 21], [2000, 22, null], [5000, 30, 31]]);
  assert.equal(d.threshold, 35.3);
});
