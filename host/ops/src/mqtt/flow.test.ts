// Flow control and link loss against a real mosquitto: a slow operator (late PUBACKs) under a
// burst of QoS 1 alerts, mosquitto's per-client queue limit, and a network cut through a TCP relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IPublishPacket } from 'mqtt';
import { startMosquitto, findMosquitto } from './broker.ts';
import { connectDevice, type Publisher } from './device.ts';
import { watchAlerts, type AlertWatcher } from './alerts.ts';
import { startRelay } from './relay.ts';
import { waitFor, sleep, alertBytes } from '../../test/testutil.ts';

const skip = findMosquitto() ? false : 'mosquitto not installed (apt-get install mosquitto)';

/** mosquitto's per-client QoS 1 limits, set explicitly (these are also its defaults). */
const QUEUE = ['max_inflight_messages 20', 'max_queued_messages 1000'];

/** Makes the watcher's client handle each alert in `ms`: the PUBACK (and the next packet) waits. */
function slowDown(w: AlertWatcher, ms: number): void {
  const c = w.client;
  const orig = c.handleMessage.bind(c);
  c.handleMessage = (packet: IPublishPacket, done) => {
    if (packet.topic.endsWith('/alert')) setTimeout(() => orig(packet, done), ms);
    else orig(packet, done);
  };
}

/** `device/seq` keys of the alerts a watcher delivered. */
function collector() {
  const keys: string[] = [];
  return { keys, onAlert: (a: { seq: number; boot?: number }, i: { device: string }) => keys.push(`${i.device}/${a.boot ?? 0}/${a.seq}`) };
}

/** Publishes `n` alerts per device and resolves when the broker has PUBACKed them all. */
function burst(devs: Publisher[], n: number, boot = 1): Promise<unknown> {
  return Promise.all(devs.flatMap((d) => Array.from({ length: n }, (_, s) =>
    new Promise<void>((r) => d.publishWithAck!('alert', alertBytes(s, { boot }), 1, false, () => r())))));
}

test('slow operator (20 ms per alert, late PUBACK): a burst of 500 QoS 1 alerts from 5 devices arrives exactly once', { skip, timeout: 30000 }, async (t) => {
  const b = await startMosquitto({ config: QUEUE });
  const c = collector();
  const w = await watchAlerts({ url: b.url, onAlert: c.onAlert });
  slowDown(w, 20);
  const devs = await Promise.all([0, 1, 2, 3, 4].map((i) => connectDevice({ url: b.url, site: 'yard', device: `tx-slow${i}` })));
  try {
    await burst(devs, 100);
    const atAck = c.keys.length;
    t.diagnostic(`all 500 PUBACKed by the broker while the operator had handled ${atAck}`);
    assert.ok(atAck < 500, 'the broker, not the operator, holds the backlog');
    await waitFor(() => c.keys.length >= 500, `500 alerts (got ${c.keys.length})`, 25000);
    await sleep(200);
    assert.equal(c.keys.length, 500);
    assert.equal(new Set(c.keys).size, 500, 'no alert delivered twice');
    assert.equal(w.stats.gaps, 0);
  } finally {
    for (const d of devs) await d.close();
    await w.close();
    await b.close();
  }
});

test('beyond max_queued_messages mosquitto drops QoS 1 alerts for a slow operator, and the watcher reports the gaps', { skip, timeout: 60_000 }, async () => {
  const b = await startMosquitto({ config: ['max_inflight_messages 20', 'max_queued_messages 30'] });
  const c = collector();
  const w = await watchAlerts({ url: b.url, onAlert: c.onAlert });
  slowDown(w, 10);
  const dev = await connectDevice({ url: b.url, site: 'yard', device: 'tx-full' });
  try {
    await burst([dev], 200);
    // mosquitto drops the newest when the queue is full; wait for the backlog to drain (four quiet
    // rounds of 300 ms in a row: one slow round on a loaded machine is not a drained queue), then one more.
    for (let quiet = 0, last = -1; quiet < 4;) {
      quiet = c.keys.length === last ? quiet + 1 : 0;
      last = c.keys.length;
      await sleep(300);
    }
    await new Promise((r) => dev.publishWithAck!('alert', alertBytes(200, { boot: 1 }), 1, false, r));
    await waitFor(() => c.keys.includes('tx-full/1/200'), 'an alert sent after the backlog drained', 15_000);
    assert.ok(c.keys.length < 150, `most of the burst was dropped (got ${c.keys.length} of 201)`);
    assert.ok(w.stats.gaps > 0, 'dropped alerts show up as gaps');
  } finally {
    await dev.close();
    await w.close();
    await b.close();
  }
});

test('network cut (silent link through a relay, scaled from 60 s by keepalive): alerts sent during the cut arrive exactly once after it', { skip, timeout: 30000 }, async (t) => {
  const b = await startMosquitto({ config: QUEUE });
  const relay = await startRelay({ host: b.host, port: b.port });
  const c = collector();
  const w = await watchAlerts({ url: b.url, onAlert: c.onAlert });
  // keepalive 1 s stands for the firmware's 20 s: a cut of >= 3 keepalives (60 s at 20 s) is seen
  // as dead by both sides; reconnect attempts every 100 ms, each stalled by the dead link for <= 1 s.
  const dev = await connectDevice({ url: relay.url, site: 'yard', device: 'tx-cut', keepaliveSec: 1, reconnectPeriodMs: 100, connectTimeoutMs: 1000 });
  const N = 200;
  let seq = 0;
  const send = (n: number) => { for (const end = seq + n; seq < end; seq++) dev.publish('alert', alertBytes(seq, { boot: 2 }), 1, false); };
  try {
    send(50);
    await waitFor(() => c.keys.length === 50, 'alerts before the cut');
    relay.cut();
    for (let i = 0; i < 10; i++) { send(10); await sleep(20); } // written into the dead link, unacked
    await waitFor(() => !dev.isConnected!(), 'the device to notice the cut (keepalive)', 8000);
    send(25); // queued while offline
    await waitFor(() => w.devices.get('yard/tx-cut')?.lostLink === true, 'the broker to publish the last will', 8000);
    send(25);
    const beforeRestore = c.keys.length;
    relay.restore();
    await waitFor(() => c.keys.length >= N, `all ${N} alerts after the cut (got ${c.keys.length})`, 10000);
    await sleep(300);
    t.diagnostic(`during the cut: ${beforeRestore - 50} delivered; relay connections ${relay.accepted}; duplicates dropped ${w.stats.duplicates}`);
    assert.equal(beforeRestore, 50, 'nothing crossed the cut');
    assert.equal(c.keys.length, N, 'no alert delivered twice');
    assert.deepEqual(new Set(c.keys), new Set(Array.from({ length: N }, (_, s) => `tx-cut/2/${s}`)));
    await waitFor(() => w.devices.get('yard/tx-cut')?.state === 'online', 'online again');
  } finally {
    await dev.close();
    await w.close();
    await relay.close();
    await b.close();
  }
});
