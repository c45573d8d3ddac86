// "Nothing lost, nothing doubled" on the real path: the real app firmware (main.ts, publish,
// outbox, journal; stub interpreter) in the simulator, its HAL publishing through connectDevice
// to a real aedes broker, and the operator's watchAlerts de-duplicating by (device, boot, seq).
// The device reaches the broker through a gate (a TCP relay the test opens and closes), so the
// moment the device reconnects is under the test's control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { connectAsync, type MqttClient } from 'mqtt';
import { startSim, type SimHandle } from './sim.ts';
import { buildAppFirmwareWithStubInterpreter, stubModel } from '../../test/testfw.ts';
import { flashModelFile } from '../flash/flash.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { watchAlerts, type AlertWatcher } from '@dendra/ops/mqtt/alerts.ts';
import { waitFor, alertBytes } from '@dendra/ops/test/testutil.ts';

let dir = '';
let fw = '';
let model = '';

/** ETT CSV whose OT alternates 50 / 0 per hour: with stubModel(30, 5, 39.6) window k >= 1 raises (k odd) or clears (k even) an alert. */
function csv(name: string, windows: number): string {
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < windows + 95; i++) rows.push(`2016-07-01 00:00:00,1,1,2,3,4,5,${i % 2 === 0 ? 50 : 0}`);
  const f = join(dir, name);
  writeFileSync(f, rows.join('\n') + '\n');
  return f;
}

/** A TCP relay to `port` that the test can close (cuts live links, refuses new ones) and reopen. */
async function gate(port: number) {
  let open = true;
  const live = new Set<net.Socket>();
  const server = net.createServer((down) => {
    live.add(down);
    down.on('error', () => {});
    down.on('close', () => live.delete(down));
    if (!open) return void down.destroy();
    const up = net.connect(port, '127.0.0.1');
    live.add(up);
    up.on('error', () => down.destroy());
    up.on('close', () => { live.delete(up); down.destroy(); });
    down.on('close', () => up.destroy());
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close() { open = false; for (const s of live) s.destroy(); },
    open() { open = true; },
    stop: () => new Promise<void>((r) => { open = false; for (const s of live) s.destroy(); server.close(() => r()); }),
  };
}

interface Rig {
  broker: BrokerHandle;
  gate: Awaited<ReturnType<typeof gate>>;
  watcher: AlertWatcher;
  /** Alerts of device tx1 in the order the operator got them (after de-duplication). */
  got: { boot: number; seq: number; state: string; ts: number; pts?: number }[];
  probes: number;
  dev: DeviceClient;
  sim: SimHandle;
  logs: string[];
  tel: { seq: number; dropped: number; window: number }[];
  telClient: MqttClient;
}

async function rig(name: string, windows: number, msPerHour: number, gateOpen: boolean): Promise<Rig> {
  const broker = await startBroker({ port: 0 });
  const g = await gate(broker.port);
  if (!gateOpen) g.close();
  const r = { broker, gate: g, got: [], probes: 0, logs: [], tel: [] } as unknown as Rig;
  r.watcher = await watchAlerts({
    url: broker.url,
    onAlert: (a, info) => {
      if (info.device === 'probe') r.probes++;
      else r.got.push({ boot: a.boot ?? 0, seq: a.seq, state: a.state, ts: a.ts, pts: a.pts });
    },
  });
  r.telClient = await connectAsync(broker.url, { reconnectPeriod: 200 });
  await r.telClient.subscribeAsync('dendra/v1/yard/tx1/telemetry', { qos: 1 });
  r.telClient.on('message', (_t, p) => {
    const t = JSON.parse(p.toString());
    r.tel.push({ seq: t.seq, dropped: t.dropped, window: t.window });
  });
  r.dev = await connectDevice({ url: g.url, site: 'yard', device: 'tx1', keepRetrying: true });
  r.sim = await startSim({
    board: 'sim', flashFile: join(dir, `${name}.bin`), dataCsv: csv(`${name}.csv`, windows), start: 0, msPerHour,
    wasmPath: fw, publisher: r.dev, log: (_l, t) => r.logs.push(t),
  });
  await flashModelFile({ port: r.sim.ptyPath, file: model });
  return r;
}

async function teardown(r: Rig): Promise<void> {
  await r.sim.stop();
  await r.dev.close();
  await r.watcher.close();
  await r.telClient.endAsync(true);
  await r.gate.stop();
  await r.broker.close();
}

const ended = (r: Rig) => r.logs.includes('sensor stream ended');
const pending = (r: Rig) => r.sim.call('fw_outbox_pending');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-outbox-'));
  fw = buildAppFirmwareWithStubInterpreter(dir);
  model = join(dir, 'stub.tflite');
  writeFileSync(model, stubModel(30, 5, 39.6));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts `got` is exactly seq 1..n of one boot, in order, each once. */
function assertStream(got: { seq: number }[], n: number, what: string): void {
  assert.deepEqual(got.map((a) => a.seq), Array.from({ length: n }, (_, i) => i + 1), what);
}

test('broker down during a burst of alerts, then up: every alert arrives exactly once, in order, late by the outage (pts)', { timeout: 60000 }, async () => {
  const windows = 60;
  const r = await rig('outage', windows, 20, true);
  let downAt = 0;
  let upAt = 0;
  try {
    await waitFor(() => r.got.length >= 3, 'first alerts through the live link', 20000);
    r.gate.close();
    downAt = r.sim.hal.nowMs();
    await r.broker.close();
    await waitFor(() => r.sim.call('fw_outbox_alerts') >= 8, 'alerts journaled while the broker is down', 20000);
    // The broker comes back on the same port; the device may reconnect once the operator is subscribed again.
    r.broker = await startBroker({ port: r.broker.port });
    const probe = await connectAsync(r.broker.url);
    try {
      for (let i = 0; r.probes === 0; i++) {
        await probe.publishAsync('dendra/v1/yard/probe/alert', Buffer.from(alertBytes(i)), { qos: 1 });
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      await probe.endAsync(true);
    }
    upAt = r.sim.hal.nowMs();
    r.gate.open();
    await waitFor(() => ended(r) && pending(r) === 0 && r.got.length >= windows - 1, 'the journal drained', 30000);
  } finally {
    await teardown(r);
  }
  assert.ok(r.got.every((a) => a.boot === 1));
  // pts = device clock at the send that reached the broker: never before ts; an alert raised while
  // the broker was down went out after the gate reopened, so it is late by (at least) the rest of the outage.
  assert.ok(r.got.every((a) => typeof a.pts === 'number' && a.pts >= a.ts), 'every alert carries pts >= ts');
  const held = r.got.filter((a) => a.ts > downAt && a.ts < upAt);
  assert.ok(held.length >= 8, `${held.length} alerts raised during the outage`);
  for (const a of held) assert.ok(a.pts! >= upAt, `seq ${a.seq}: raised at ${a.ts}, sent at ${a.pts}, broker back at ${upAt}`);
  assert.ok(held[0].pts! - held[0].ts >= (upAt - downAt) / 2, 'the first held alert waited most of the outage');
  assertStream(r.got, windows - 1, 'alerts 1..59 of boot 1, once each, in order');
  assert.deepEqual(r.got.map((a) => a.state), r.got.map((_, i) => (i % 2 === 0 ? 'raised' : 'cleared')));
  assert.equal(r.watcher.stats.gaps, 0);
  assert.equal(r.watcher.stats.invalid, 0);
});

test('power cut with alerts in the journal: after the reboot they arrive exactly once, before the new boot\'s', { timeout: 60000 }, async () => {
  const windows = 40;
  const r = await rig('cut', windows, 20, false);
  let before = 0;
  try {
    await waitFor(() => r.sim.call('fw_outbox_alerts') >= 6, 'alerts journaled while offline', 20000);
    before = r.sim.call('fw_outbox_alerts');
    r.sim.powerCutAfter({ halCalls: 1 }); // the next HAL call: the first of the next tick
    await waitFor(() => r.sim.stats().powerCuts === 1, 'the power cut');
    assert.ok(r.sim.call('fw_outbox_alerts') >= before, 'the rebooted board found them in flash');
    r.gate.open();
    await waitFor(() => ended(r) && pending(r) === 0, 'the journal drained', 30000);
    await waitFor(() => r.got.filter((a) => a.boot === 2).length > 0, 'boot 2 alerts');
  } finally {
    await teardown(r);
  }
  const boot1 = r.got.filter((a) => a.boot === 1);
  const boot2 = r.got.filter((a) => a.boot === 2);
  assertStream(boot1, before, 'boot 1: every journaled alert once, in order');
  assertStream(boot2, boot2.length, 'boot 2: its own stream from 1');
  assert.equal(r.got.length, boot1.length + boot2.length);
  assert.ok(r.got.findIndex((a) => a.boot === 2) === boot1.length, 'the old boot\'s alerts first (journal order)');
  assert.equal(r.watcher.stats.invalid, 0);
});

test('power cut in the middle of a journal write: no half record is ever sent, nothing before it is lost', { timeout: 60000 }, async () => {
  const windows = 30;
  const r = await rig('halfway', windows, 20, false);
  let before = 0;
  try {
    await waitFor(() => r.sim.call('fw_outbox_alerts') >= 4, 'alerts journaled while offline', 20000);
    before = r.sim.call('fw_outbox_alerts');
    // Next window: telemetry append (write header, write payload, 2 read-backs, commit), then the
    // alert's header and payload; the cut lands on its read-back, before its commit word.
    r.sim.powerCutAfter({ flashOps: 8 });
    await waitFor(() => r.sim.stats().powerCuts === 1, 'the power cut');
    r.gate.open();
    await waitFor(() => ended(r) && pending(r) === 0, 'the journal drained', 30000);
    await waitFor(() => r.got.filter((a) => a.boot === 2).length > 0, 'boot 2 alerts');
  } finally {
    await teardown(r);
  }
  const boot1 = r.got.filter((a) => a.boot === 1);
  assert.ok(boot1.length >= before, `${boot1.length} of boot 1 delivered, ${before} were journaled`);
  assertStream(boot1, boot1.length, 'boot 1: contiguous from 1, once each');
  assertStream(r.got.filter((a) => a.boot === 2), r.got.length - boot1.length, 'then boot 2');
  assert.equal(r.watcher.stats.invalid, 0, 'no torn payload reached the operator');
});

test('journal full: the oldest telemetry is dropped first, every alert is kept, and the loss is counted', { timeout: 90000 }, async () => {
  const windows = 140;
  const r = await rig('full', windows, 0, false);
  let lost = 0;
  try {
    await waitFor(() => ended(r), 'the sensor stream to end (offline all along)', 60000);
    lost = r.sim.call('fw_outbox_lost');
    assert.ok(lost > 0, 'the journal overflowed');
    assert.equal(r.sim.call('fw_outbox_alerts'), windows - 1, 'every alert still journaled');
    r.gate.open();
    await waitFor(() => pending(r) === 0 && r.got.length >= windows - 1, 'the journal drained', 60000);
    await waitFor(() => r.tel.some((t) => t.window === windows - 1), 'the newest telemetry');
  } finally {
    await teardown(r);
  }
  assertStream(r.got, windows - 1, 'all 139 alerts once, in order');
  const seqs = r.tel.map((t) => t.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'telemetry in order');
  assert.equal(seqs.length + lost, windows, `${seqs.length} delivered + ${lost} dropped`);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => lost + 1 + i), 'the dropped ones are the oldest');
  const last = r.tel[r.tel.length - 1];
  assert.ok(last.dropped > 0 && last.dropped <= lost, `telemetry reports the loss (dropped ${last.dropped})`);
});
