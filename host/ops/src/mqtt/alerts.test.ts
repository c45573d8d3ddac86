import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { watchAlerts, formatAlert, sendDelayMs, formatDuration, SeqTracker, SEQ_MEMORY, type SeqGap } from './alerts.ts';
import { connectDevice } from './device.ts';
import { startBroker, startMosquitto, findMosquitto, freePort, type BrokerHandle } from './broker.ts';
import { BrokerError } from './errors.ts';
import type { AlertPayload, StatusPayload } from './schema.ts';
import { waitFor, sleep, blackHole, alertBytes, closeOnSubscribe } from '../../test/testutil.ts';

const T = { timeout: 20000 };

test('SeqTracker: duplicates, gaps, late arrivals and separate boot streams', () => {
  const s = new SeqTracker();
  assert.equal(s.accept('a', 'd', 0, 10), null); // first seen: joined mid-stream, no gap
  assert.equal(s.accept('a', 'd', 0, 11), null);
  assert.equal(s.accept('a', 'd', 0, 11), 'duplicate');
  assert.deepEqual(s.accept('a', 'd', 0, 14), { site: 'a', device: 'd', boot: 0, from: 12, to: 13 });
  assert.equal(s.accept('a', 'd', 0, 12), null); // late, fills the gap
  assert.equal(s.accept('a', 'd', 0, 12), 'duplicate');
  assert.equal(s.accept('a', 'd', 1, 0), null); // new boot = new stream
  assert.equal(s.accept('b', 'd', 0, 11), null); // other site
  assert.equal(s.accept('a', 'd', 0, 14 - SEQ_MEMORY), 'duplicate'); // older than the window
});

test('formatAlert renders one line with time, site/device, kind, state, value vs threshold, lead', () => {
  const a = JSON.parse(new TextDecoder().decode(alertBytes(12))) as AlertPayload;
  const line = formatAlert(a, { site: 'north', device: 'tx1', receivedAt: new Date('2026-11-25T07:00:01.250Z') });
  assert.equal(line, '2026-11-25T07:00:01Z  north/tx1  overload.warning RAISED (warning)  value 81.23 > threshold 80.00  lead 5 h  [seq 12 boot 0 model grid@1]');
  const c = formatAlert({ ...a, state: 'cleared', value: 79.5, lead_h: null, boot: 2 }, { site: 's', device: 'd' });
  assert.match(c, /s\/d  overload\.warning CLEARED \(warning\)  value 79\.50 < threshold 80\.00  \[seq 12 boot 2/);
  assert.ok(!c.includes('\n') && !c.includes('lead'));
  const risk = formatAlert({ ...a, kind: 'dendrite.risk', value: 0.7421875, threshold: 0.74 }, { site: 's', device: 'd' });
  assert.match(risk, /value 0\.7422 > threshold 0\.7400/, 'risks in [0, 1] get four decimals');
  assert.match(formatAlert({ ...a, value: 80, threshold: 80 }, { site: 's', device: 'd' }), /value 80\.00 = threshold 80\.00/);
});

test('formatAlert shows how late a replayed alert was sent (pts - ts); on-time and pts-less alerts show nothing', () => {
  const a = JSON.parse(new TextDecoder().decode(alertBytes(12))) as AlertPayload; // ts 12000
  const at = { site: 'north', device: 'tx1', receivedAt: new Date('2026-11-25T07:00:01Z') };
  assert.match(formatAlert({ ...a, pts: 12000 + 2 * 3_600_000 }, at), /lead 5 h  sent 2\.0 h late  \[seq 12 boot 0/);
  assert.match(formatAlert({ ...a, pts: 12000 + 90_000 }, at), /sent 1\.5 min late/);
  assert.ok(!formatAlert({ ...a, pts: 12000 + 999 }, at).includes('late'), 'under LATE_AFTER_MS');
  assert.ok(!formatAlert(a, at).includes('late'));
  assert.equal(sendDelayMs({ ts: 5, pts: 3 }), null, 'pts before ts is not a delay');
  assert.equal(sendDelayMs({ ts: 5 }), null);
  assert.equal(sendDelayMs({ ts: 5, pts: 65 }), 60);
  // Resent after a reboot: no pts, the original wall-clock publish time against the receive time.
  const rx = at.receivedAt.getTime();
  assert.match(formatAlert({ ...a, wall_ts: rx - 2 * 3_600_000 }, at), /sent 2\.0 h late/);
  assert.equal(sendDelayMs({ ts: 5, wall_ts: 1000 }, 8200), 7200);
  assert.equal(sendDelayMs({ ts: 5, wall_ts: 9000 }, 8200), null, 'a wall_ts after the receive time is no delay');
  assert.equal(sendDelayMs({ ts: 5, pts: 65, wall_ts: 1000 }, 9_000_000), 60, 'pts wins when present');
  assert.deepEqual([850, 12_340, 270_000, 7_200_000].map(formatDuration), ['850 ms', '12.3 s', '4.5 min', '2.0 h']);
});

test('a broker that does not answer: connectDevice and watchAlerts reject with a one-line E_BROKER_UNREACHABLE', T, async () => {
  const hole = await blackHole();
  const check = (url: string) => (e: unknown) => {
    assert.ok(e instanceof BrokerError, String(e));
    assert.equal(e.code, 'E_BROKER_UNREACHABLE');
    assert.ok(e.message.startsWith(`broker ${url} does not answer (no CONNACK within 400 ms`), e.message);
    assert.ok(!e.message.includes('\n'));
    return true;
  };
  try {
    const t0 = Date.now();
    await assert.rejects(connectDevice({ url: hole.url, site: 's', device: 'd', connectTimeoutMs: 400 }), check(hole.url));
    assert.ok(Date.now() - t0 < 3000);
    await assert.rejects(watchAlerts({ url: hole.url, onAlert: () => {}, connectTimeoutMs: 400 }), check(hole.url));
  } finally {
    await hole.close();
  }
});

test('a connection closed under the subscription (a NATS node electing its leaders) is asked again on the next connection, within the connect timeout', T, async () => {
  const broker = await startBroker({ port: 0 });
  const twice = await closeOnSubscribe(broker.port, 2);
  const always = await closeOnSubscribe(broker.port, Infinity);
  try {
    const dev = await connectDevice({ url: broker.url, site: 'yard', device: 'tx-sub' });
    dev.publish('alert', alertBytes(7), 1, true);
    const got: number[] = [];
    const w = await watchAlerts({ url: twice.url, onAlert: (a) => got.push(a.seq), connectTimeoutMs: 8000 });
    try {
      await waitFor(() => got.length > 0, 'the retained alert through the proxy');
      assert.deepEqual([twice.closed(), got], [2, [7]], 'two connections closed under SUBSCRIBE, the third subscribed');
    } finally {
      await w.close();
      await dev.close();
    }
    const t0 = Date.now();
    await assert.rejects(watchAlerts({ url: always.url, onAlert: () => {}, connectTimeoutMs: 1500 }), (e: unknown) =>
      e instanceof BrokerError && e.code === 'E_SUBSCRIBE' && /refused the subscription to .*: connection closed/i.test(e.message));
    assert.ok(Date.now() - t0 < 4000, `gave up at the connect timeout (${Date.now() - t0} ms)`);
  } finally {
    await twice.close();
    await always.close();
    await broker.close();
  }
});

test('keepRetrying: connectDevice resolves at once, reports the timeout, and queued QoS 1 alerts arrive once the broker is up', T, async () => {
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const errors: Error[] = [];
  const dev = await connectDevice({ url, site: 'yard', device: 'tx-queue', connectTimeoutMs: 300, keepRetrying: true, onError: (e) => errors.push(e) });
  let broker: BrokerHandle | undefined;
  try {
    dev.publish('alert', alertBytes(0), 1, false); // queued: no broker yet
    await waitFor(() => errors.length > 0, 'timeout reported to onError');
    assert.ok(errors[0] instanceof BrokerError && errors[0].message.startsWith(`broker ${url} does not answer`));
    broker = await startBroker({ port });
    const got: number[] = [];
    const w = await watchAlerts({ url, onAlert: (a) => got.push(a.seq) });
    try {
      await waitFor(() => got.length > 0, 'queued alert delivered after reconnect');
      await sleep(200);
      assert.deepEqual(got, [0]);
    } finally {
      await w.close();
    }
  } finally {
    await dev.close();
    await broker?.close();
  }
});

/** The same behaviour suite against each broker. */
function brokerSuite(name: string, start: () => Promise<BrokerHandle>, skip: string | false): void {
  describe(`${name}: device -> broker -> operator`, { skip }, () => {
    let broker: BrokerHandle;
    before(async () => { broker = await start(); });
    after(async () => { await broker?.close(); });

    test('each alert arrives exactly once (duplicate seq dropped), gaps and invalid payloads are reported', T, async () => {
      const alerts: AlertPayload[] = [];
      const gaps: SeqGap[] = [];
      const invalid: string[] = [];
      const w = await watchAlerts({ url: broker.url, site: 'yard', onAlert: (a) => alerts.push(a), onGap: (g) => gaps.push(g), onInvalid: (r) => invalid.push(r) });
      const errors: Error[] = [];
      const dev = await connectDevice({ url: broker.url, site: 'yard', device: 'tx-dup', onError: (e) => errors.push(e) });
      const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
      try {
        for (const seq of [0, 1, 2, 1, 5]) dev.publish('alert', alertBytes(seq), 1, false);
        dev.publish('telemetry', alertBytes(99), 0, false); // not subscribed: must not show up
        dev.publish('nonsense', alertBytes(100), 1, false); // rejected locally via onError
        await raw.publishAsync('dendra/v1/yard/tx-dup/alert', new TextDecoder().decode(alertBytes(3)).replace('"seq":3', '"seq":"x"'), { qos: 1 });
        await raw.publishAsync('dendra/v1/other/tx-dup/alert', Buffer.from(alertBytes(7)), { qos: 1 }); // other site: filtered by topic
        await waitFor(() => alerts.length >= 4 && invalid.length >= 1, 'alerts 0,1,2,5 and one invalid');
        await sleep(300); // a duplicate would arrive in this time
        assert.deepEqual(alerts.map((a) => a.seq), [0, 1, 2, 5]);
        assert.equal(w.stats.duplicates, 1);
        assert.deepEqual(gaps, [{ site: 'yard', device: 'tx-dup', boot: 0, from: 3, to: 4 }]);
        assert.equal(invalid.length, 1);
        assert.match(invalid[0], /seq must be integer/);
        assert.equal(errors.length, 1);
        assert.match(errors[0].message, /cannot publish kind "nonsense"/);
      } finally {
        await raw.endAsync();
        await dev.close();
        await w.close();
      }
    });

    test('the last will marks a device offline when its connection is destroyed; it comes back online', T, async () => {
      const seen: { state: string; v?: number; retained: boolean }[] = [];
      const w = await watchAlerts({ url: broker.url, device: 'tx-will', onAlert: () => {}, onStatus: (s: StatusPayload, i) => seen.push({ state: s.state, v: s.v, retained: i.retained }) });
      const dev = await connectDevice({ url: broker.url, site: 'yard', device: 'tx-will' });
      try {
        await waitFor(() => seen.some((s) => s.state === 'online'), 'online status');
        const before = seen.length;
        dev.client.stream.destroy();
        await waitFor(() => seen.slice(before).some((s) => s.state === 'offline'), 'last will (offline)');
        assert.equal(seen.slice(before).find((s) => s.state === 'offline')?.v, 1);
        await waitFor(() => seen.slice(before).some((s) => s.state === 'online'), 'online again after reconnect');
      } finally {
        await dev.close();
        await w.close();
      }
    });

    test('retained status is seen by a late subscriber: online while up, offline after close()', T, async () => {
      const dev = await connectDevice({ url: broker.url, site: 'yard', device: 'tx-late', statusExtra: { boot: 4 } });
      await sleep(200);
      const late = async () => {
        const got: { s: StatusPayload; retained: boolean }[] = [];
        const w = await watchAlerts({ url: broker.url, site: 'yard', device: 'tx-late', onAlert: () => {}, onStatus: (s, i) => got.push({ s, retained: i.retained }) });
        await waitFor(() => got.length > 0, 'retained status');
        await w.close();
        return got[0];
      };
      const first = await late();
      assert.equal(first.retained, true);
      assert.equal(first.s.state, 'online');
      assert.equal(first.s.boot, 4);
      await dev.close();
      const second = await late();
      assert.equal(second.retained, true);
      assert.equal(second.s.state, 'offline');
    });

    test('after the broker stops, connecting gives the one-line "does not answer" error', T, async () => {
      const b = await start();
      await b.close();
      await assert.rejects(connectDevice({ url: b.url, site: 's', device: 'gone', connectTimeoutMs: 300 }),
        (e: unknown) => e instanceof BrokerError && e.message.startsWith(`broker ${b.url} does not answer`) && !e.message.includes('\n'));
    });
  });
}

brokerSuite('aedes', () => startBroker({ port: 0 }), false);
const mosq = findMosquitto();
brokerSuite('mosquitto', () => startMosquitto({ port: 0 }), mosq ? false : 'mosquitto not installed: no binary at /usr/sbin/mosquitto (apt-get install mosquitto)');
