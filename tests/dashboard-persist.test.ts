// Issue 20 item 3 for the dashboard: its server-side MQTT client (the keeper, host/ops/src/dashboard/
// keeper.ts) keeps a persistent session with a stable client id and QoS 1, and de-duplicates by
// (device, boot, seq). A real mosquitto with persistence is killed with SIGKILL mid-stream and
// restarted on the same port and persistence dir; a second board publishes at once, while the
// keeper is still reconnecting (mqtt.js retries every second): only a session the broker kept for
// the keeper can receive those. Every alert is counted exactly once at the dashboard's server.
// With the old clean session and random client id the alerts sent during the reconnect were lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@dendra/ops/mqtt/broker.ts';
import { mosquittoBin as bin, savedToDisk, startPersistentMosquitto } from './support/mosquitto.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { startDashboard } from '@dendra/ops/dashboard/server.ts';
import { alertBytes } from '@dendra/ops/test/testutil.ts';
import { sleep, waitFor } from './support/wait.ts';

const skip = bin ? false : 'mosquitto not installed (apt-get install mosquitto)';
if (skip) console.log(`dashboard persistence test skipped: ${skip}`);
const dir = mkdtempSync(path.join(tmpdir(), 'dendra-dash-persist-'));
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const mosquitto = (port: number): Promise<ChildProcess> => startPersistentMosquitto(dir, port, children);

test('dashboard keeper: persistent session across kill -9 of mosquitto: every alert counted exactly once', { skip, timeout: 120_000 }, async (t) => {
  const port = await freePort();
  let broker = await mosquitto(port);
  const url = `mqtt://127.0.0.1:${port}`;
  const dash = await startDashboard({ port: 0, broker: url, historyFile: path.join(dir, 'history.json') });
  const dev: DeviceClient = await connectDevice({ url, site: 'yard', device: 'tx-a' });
  let dev2: DeviceClient | null = null;
  const N = 90;
  try {
    assert.match(dash.keeper.clientId, /^dendra-dash-[A-Za-z0-9._-]+@[A-Za-z0-9._-]+-[0-9a-f]{8}$/);
    await waitFor(() => dash.keeper.subscribed, 'the keeper subscribed', 20_000);
    for (let s = 0; s < 40; s++) {
      dev.publish('alert', alertBytes(s, { boot: 3 }), 1, false);
      await sleep(20);
    }
    await waitFor(() => dash.keeper.alerts >= 40, 'the first 40 alerts', 20_000);
    await savedToDisk(dir); // autosave: the keeper's session is on disk
    broker.kill('SIGKILL');
    await new Promise((r) => broker.once('exit', r));
    for (let s = 40; s < 60; s++) dev.publish('alert', alertBytes(s, { boot: 3 }), 1, false); // queued by the device meanwhile
    broker = await mosquitto(port);
    dev2 = await connectDevice({ url, site: 'yard', device: 'tx-b', connectTimeoutMs: 20_000 });
    for (let s = 0; s < 30; s++) dev2.publish('alert', alertBytes(s, { boot: 1 }), 1, false);
    await waitFor(() => dev.isConnected?.() === true, 'the first device reconnected', 20_000);
    for (let s = 60; s < N; s++) dev.publish('alert', alertBytes(s, { boot: 3 }), 1, false);
    await waitFor(() => dash.keeper.alerts >= N + 30, `all ${N + 30} alerts`, 30_000, { detail: () => `counted ${dash.keeper.alerts}` });
    await sleep(1000); // a late redelivery would be counted here
    t.diagnostic(`alerts counted ${dash.keeper.alerts}, duplicates dropped ${dash.keeper.duplicates}`);
    assert.equal(dash.keeper.alerts, N + 30, 'every alert of both devices exactly once');
    const raises = [...dash.keeper.tables.values()].map((tb) => tb.entries.size);
    assert.equal(raises.length, 2, 'both devices have an alarm table');
  } finally {
    await dev2?.close();
    await dev.close();
    await dash.close();
  }
});
