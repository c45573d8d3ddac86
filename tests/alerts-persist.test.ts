// What issue 20 did to `dendra alerts`: a real mosquitto with persistence, a device publishing
// QoS 1 alerts through the sim board's MQTT client (@dendra/ops connectDevice, what `dendra sim`
// publishes through), `kill -9` of the broker mid-stream, a restart on the same port and
// persistence dir, alerts published as soon as the device is back (while the operator is still
// reconnecting), and every alert printed by the real CLI exactly once. With the old clean session
// and random client id the alerts sent while the operator reconnected were lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCli, type LiveCli } from './proc.ts';
import { freePort } from '@dendra/ops/mqtt/broker.ts';
import { mosquittoBin as bin, savedToDisk, startPersistentMosquitto } from './support/mosquitto.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { alertBytes } from '@dendra/ops/test/testutil.ts';
import { sleep, waitFor } from './support/wait.ts';

const skip = bin ? false : 'mosquitto not installed (apt-get install mosquitto)';
const dir = mkdtempSync(path.join(tmpdir(), 'dendra-alerts-persist-'));
const children: ChildProcess[] = [];
const live: LiveCli[] = [];

after(async () => {
  for (const c of live) await c.stop();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const mosquitto = (port: number): Promise<ChildProcess> => startPersistentMosquitto(dir, port, children);

test('dendra alerts: persistent session across kill -9 of mosquitto: every alert exactly once', { skip, timeout: 120_000 }, async (t) => {
  const port = await freePort();
  let broker = await mosquitto(port);
  const url = `mqtt://127.0.0.1:${port}`;
  const cli = startCli(['alerts', '--broker', url, '--json']); // the default client id: a persistent session
  live.push(cli);
  const of = (device: string) => cli.lines.filter((l) => l.includes('"type":"alert"') && l.includes(`"device":"${device}"`))
    .map((l) => (JSON.parse(l) as { alert: { seq: number } }).alert.seq);
  const seqs = () => of('tx-crash');
  const seqs2 = () => of('tx-crash-2');
  const dev: DeviceClient = await connectDevice({ url, site: 'yard', device: 'tx-crash' });
  // The device's retained online status reaches the CLI once it is subscribed.
  await cli.waitLine((l) => l.includes('"type":"status"'), 60_000).catch((e) => { throw new Error(`${(e as Error).message}; stderr: ${cli.stderr()}`); });
  const N = 90;
  try {
    for (let s = 0; s < 40; s++) {
      dev.publish('alert', alertBytes(s, { boot: 3 }), 1, false);
      await sleep(20);
    }
    await waitFor(() => seqs().length >= 40, 'the first 40 alerts', 20_000);
    await savedToDisk(dir); // autosave: the session is on disk
    broker.kill('SIGKILL');
    await new Promise((r) => broker.once('exit', r));
    for (let s = 40; s < 60; s++) dev.publish('alert', alertBytes(s, { boot: 3 }), 1, false); // queued by the device while the broker is down
    broker = await mosquitto(port);
    // At once, before the operator's client reconnects (mqtt.js retries every second): a second
    // board publishes. Only a session the broker kept for the operator can receive these.
    const dev2 = await connectDevice({ url, site: 'yard', device: 'tx-crash-2', connectTimeoutMs: 20_000 });
    for (let s = 0; s < 30; s++) dev2.publish('alert', alertBytes(s, { boot: 1 }), 1, false);
    await waitFor(() => dev.isConnected?.() === true, 'the first device reconnected', 20_000);
    for (let s = 60; s < N; s++) dev.publish('alert', alertBytes(s, { boot: 3 }), 1, false);
    await waitFor(() => new Set(seqs()).size >= N && seqs2().length >= 30, 'all alerts', 30_000,
      { detail: () => `got ${new Set(seqs()).size} of ${N}, ${seqs2().length} of 30` });
    await sleep(1000); // a late redelivery would show up here
    await dev2.close();
  } finally {
    await dev.close();
  }
  const got = seqs();
  t.diagnostic(`alerts printed: ${got.length}, distinct ${new Set(got).size}`);
  assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i), 'every alert exactly once');
  assert.deepEqual([...seqs2()].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i), 'the second board\'s alerts, sent before the operator was back, exactly once');
});
