import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker } from './broker.ts';
import { connectDevice, publishModelInfo } from './device.ts';
import { startAlertsView, formatStatus, formatModel, RecordMemory } from './view.ts';
import { MAX_PAYLOAD_BYTES } from './schema.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { waitFor, sleep, alertBytes } from '../../test/testutil.ts';

const T = { timeout: 20000 };
type Rec = { type: string; [k: string]: unknown };

test('formatStatus tells a lost link (last will) from a clean shutdown; formatModel shows versions and hashes', () => {
  assert.equal(formatStatus({ v: 1, state: 'offline' }, { site: 'n', device: 'd', retained: true }), 'n/d OFFLINE: connection lost (last will) (retained)');
  assert.equal(formatStatus({ v: 1, state: 'offline', ts: 5 }, { site: 'n', device: 'd', retained: false }), 'n/d offline (clean shutdown)');
  assert.equal(formatStatus({ v: 1, state: 'online', boot: 3 }, { site: 'n', device: 'd', retained: false }), 'n/d online boot 3');
  assert.equal(formatModel({ v: 1, model: 'grid@2', model_sha256: 'ab'.repeat(32), firmware: '0.1.0' }, { site: 'n', device: 'd' }),
    'n/d runs grid slot grid@2 (sha256 abababababab), pack slot empty, firmware 0.1.0');
});

test('alerts view (--json): site/kind/severity filters, model record, last will, gaps, duplicates and counted drops', T, async () => {
  const broker = await startBroker({ port: 0 });
  const lines: string[] = [];
  const errLines: string[] = [];
  const raw = await mqtt.connectAsync(broker.url);
  const good = await connectDevice({ url: broker.url, site: 'north', device: 'tx1' });
  const lost = await connectDevice({ url: broker.url, site: 'north', device: 'tx2' });
  try {
    publishModelInfo(good, { model: 'grid@3', model_sha256: 'cd'.repeat(32), firmware: '0.1.0' });
    assert.throws(() => publishModelInfo(good, { model: 'no-version' }), (e: unknown) => e instanceof DendraError && e.code === 'E_MQTT_MODEL');
    lost.client.stream.destroy(); // the broker publishes tx2's last will
    await sleep(200);
    const view = await startAlertsView({
      url: broker.url, site: 'north', kinds: ['overload', 'dendrite'], minSeverity: 'warning', json: true,
      out: (l) => lines.push(l), err: (l) => errLines.push(l),
    });
    const pub = (site: string, bytes: Uint8Array | string) => raw.publishAsync(`dendra/v1/${site}/tx1/alert`, typeof bytes === 'string' ? bytes : Buffer.from(bytes), { qos: 1 });
    await pub('north', alertBytes(0));
    await pub('north', alertBytes(1, { severity: 'info' })); // below --severity
    await pub('north', alertBytes(2, { kind: 'device.fault', severity: 'critical', code: 'sensor.stuck' })); // other kind
    await pub('north', alertBytes(3, { kind: 'dendrite.risk', severity: 'critical', value: 0.93, threshold: 0.8, top: [{ input: 'cell7.dv', weight: 0.61 }] }));
    await pub('north', alertBytes(3)); // duplicate
    await pub('north', alertBytes(6)); // gap 4..5
    await pub('south', alertBytes(7)); // other site: not subscribed
    await pub('north', 'x'.repeat(MAX_PAYLOAD_BYTES + 1)); // oversized
    await pub('north', '{"v":1,'); // malformed
    await pub('north', alertBytes(8, { kind: 'device.fault' })); // schema: device.fault needs code
    await waitFor(() => lines.filter((l) => l.includes('"type":"dropped"')).length >= 3 && lines.some((l) => l.includes('"seq":6')), 'all events');
    await view.close();
    const recs = lines.map((l) => JSON.parse(l) as Rec);
    const alerts = recs.filter((r) => r.type === 'alert').map((r) => (r.alert as { seq: number }).seq);
    assert.deepEqual(alerts, [0, 3, 6]);
    assert.deepEqual(recs.filter((r) => r.type === 'gap').map((r) => [r.from, r.to]), [[4, 5]]);
    assert.ok(recs.some((r) => r.type === 'model' && (r.model as { model: string }).model === 'grid@3' && r.retained === true));
    assert.ok(recs.some((r) => r.type === 'status' && r.device === 'tx2' && r.state === 'offline' && r.lostLink === true));
    assert.deepEqual(recs.filter((r) => r.type === 'dropped').map((r) => r.code).sort(), ['malformed', 'oversized', 'schema']);
    const summary = recs.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.deepEqual(summary.offline, ['north/tx2 (last will)']);
    assert.deepEqual(summary.stats, { alerts: 3, statuses: 2, models: 1, duplicates: 1, invalid: 3, badTopic: 0, oversized: 1, malformed: 1, schema: 1, gaps: 1, filtered: 2 });
    assert.deepEqual(errLines, []);
  } finally {
    await raw.endAsync();
    await good.close();
    await lost.close();
    await broker.close();
  }
});

test('formatModel names both slots, grid and pack', () => {
  assert.equal(formatModel({ v: 1, model: 'grid@1', model_sha256: 'ab'.repeat(32), pack_model: 'pack@2', pack_model_sha256: 'cd'.repeat(32), board: 'sim' }, { site: 'n', device: 'd' }),
    'n/d runs grid slot grid@1 (sha256 abababababab), pack slot pack@2 (sha256 cdcdcdcdcdcd), board sim');
});

test('alerts view: a republished retained status/model (dendra cmd status, net_announce) is not printed again', T, async () => {
  const broker = await startBroker({ port: 0 });
  const lines: string[] = [];
  const dev = await connectDevice({ url: broker.url, site: 'east', device: 'tx5', statusExtra: { instance: 'aa01' } });
  try {
    publishModelInfo(dev, { model: 'grid@1', model_sha256: 'ab'.repeat(32), pack_model: 'pack@1' });
    await sleep(200);
    const view = await startAlertsView({ url: broker.url, json: true, out: (l) => lines.push(l), err: () => {} });
    await waitFor(() => lines.length >= 2, 'the retained status and model');
    assert.equal(dev.announce!(), 2, 'status and model republished');
    await sleep(500);
    await view.close();
    const recs = lines.map((l) => JSON.parse(l) as Rec).filter((r) => r.type === 'status' || r.type === 'model');
    assert.deepEqual(recs.map((r) => r.type).sort(), ['model', 'status'], lines.join('\n'));
  } finally {
    await dev.close();
    await broker.close();
  }
});

test('alerts view: two publishers going online in turn under one device id are reported as a duplicate device id', T, async () => {
  const broker = await startBroker({ port: 0 });
  const lines: string[] = [];
  const view = await startAlertsView({ url: broker.url, json: false, out: (l) => lines.push(l), err: () => {} });
  const a = await connectDevice({ url: broker.url, site: 'east', device: 'tx6', statusExtra: { instance: 'aa' } });
  const b = await connectDevice({ url: broker.url, site: 'east', device: 'tx6', statusExtra: { instance: 'bb' } });
  try {
    await waitFor(() => lines.some((l) => l.includes('duplicate device id')), 'a duplicate line');
    assert.match(lines.find((l) => l.includes('duplicate device id'))!, /^east\/tx6: duplicate device id: two publishers \(instances aa and bb\)/);
  } finally {
    await view.close();
    await a.close();
    await b.close();
    await broker.close();
  }
});

test('RecordMemory: a restart after a clean shutdown is not a duplicate; a takeover (last will) is', () => {
  const m = new RecordMemory();
  assert.equal(m.duplicate('s/d', { state: 'online', instance: 'a' }, 0), undefined);
  assert.equal(m.duplicate('s/d', { state: 'offline', ts: 5 }, 1000), undefined);
  assert.equal(m.duplicate('s/d', { state: 'online', instance: 'b' }, 2000), undefined, 'clean restart');
  assert.equal(m.duplicate('s/d', { state: 'offline' }, 3000), undefined);
  assert.equal(m.duplicate('s/d', { state: 'online', instance: 'c' }, 4000), 'b', 'will then another instance: duplicate');
  assert.equal(m.duplicate('s/d', { state: 'online', instance: 'd' }, 4000 + 31_000), undefined, 'outside the window');
  assert.equal(m.seen('s/d', 'status', { state: 'online', ts: 1 }), false);
  assert.equal(m.seen('s/d', 'status', { state: 'online', ts: 2 }), true, 'same record, only ts differs');
  assert.equal(m.seen('s/d', 'status', { state: 'online', boot: 2, ts: 3 }), false);
});
