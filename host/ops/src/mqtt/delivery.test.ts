// Delivery guarantees against a real mosquitto: shared subscriptions split the alert stream across
// operators with no loss or duplication, and a persistent operator session plus (device, boot, seq)
// de-duplication gives exactly-once alerts across a broker restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto, findMosquitto, type BrokerHandle } from './broker.ts';
import { connectDevice } from './device.ts';
import { watchAlerts, watchFilters } from './alerts.ts';
import { waitFor, sleep, alertBytes } from '../../test/testutil.ts';

const skip = findMosquitto() ? false : 'mosquitto not installed (apt-get install mosquitto)';

test('watchFilters: $share prefix on the alert filter only; bad group names are refused', () => {
  assert.deepEqual(watchFilters({ shareGroup: 'ops' }), ['$share/ops/dendra/v1/+/+/alert', 'dendra/v1/+/+/status', 'dendra/v1/+/+/model']);
  assert.deepEqual(watchFilters({ site: 'n' }), ['dendra/v1/n/+/alert', 'dendra/v1/n/+/status', 'dendra/v1/n/+/model']);
  assert.throws(() => watchFilters({ shareGroup: 'a/b' }), /share group/);
});

for (const protocolVersion of [4, 5] as const) {
  test(`shared subscription (MQTT ${protocolVersion === 4 ? '3.1.1' : '5'}): two watchers in $share/ops get every alert exactly once between them`, { skip, timeout: 20000 }, async () => {
    const b = await startMosquitto({ port: 0 });
    const seqs: number[][] = [[], []];
    const watchers = [];
    try {
      for (const i of [0, 1]) {
        watchers.push(await watchAlerts({ url: b.url, shareGroup: 'ops', protocolVersion, onAlert: (a) => seqs[i].push(a.seq) }));
      }
      const dev = await connectDevice({ url: b.url, site: 'yard', device: 'tx-share', protocolVersion });
      const N = 200;
      try {
        for (let s = 0; s < N; s++) dev.publish('alert', alertBytes(s), 1, false);
        await waitFor(() => seqs[0].length + seqs[1].length >= N, `${N} alerts across both watchers`);
        await sleep(300); // any extra delivery would show up here
      } finally {
        await dev.close();
      }
      const all = [...seqs[0], ...seqs[1]].sort((x, y) => x - y);
      assert.deepEqual(all, Array.from({ length: N }, (_, i) => i));
      assert.ok(seqs[0].length > 0 && seqs[1].length > 0, `both members got alerts (${seqs[0].length} / ${seqs[1].length})`);
      assert.equal(watchers[0].stats.gaps + watchers[1].stats.gaps, 0, 'no false gaps in shared mode');
    } finally {
      for (const w of watchers) await w.close();
      await b.close();
    }
  });
}

test('exactly once across a mosquitto restart: persistent operator session + device outgoing queue + (device, boot, seq) de-dup', { skip, timeout: 30000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dendra-restart-'));
  let b: BrokerHandle | undefined = await startMosquitto({ port: 0, dir, persistence: true });
  const port = b.port;
  const got: number[] = [];
  const errors: Error[] = [];
  const w = await watchAlerts({ url: b.url, clientId: 'dendra-ops-restart', cleanSession: false, onAlert: (a) => got.push(a.seq), onError: (e) => errors.push(e) });
  const dev = await connectDevice({ url: b.url, site: 'yard', device: 'tx-restart', onError: (e) => errors.push(e) });
  const N = 300;
  try {
    for (let s = 0; s < N; s++) {
      dev.publish('alert', alertBytes(s, { boot: 7 }), 1, false);
      if (s === N / 2) {
        await b?.close(); // SIGTERM: mosquitto saves sessions and queued messages
        b = undefined;
      }
      if (s === N / 2 + 50) b = await startMosquitto({ port, dir, persistence: true });
      if (s % 10 === 0) await sleep(5);
    }
    await waitFor(() => got.length >= N, `all ${N} alerts after the restart (got ${got.length})`, 15000);
    t.diagnostic(`redelivered duplicates dropped by the watcher: ${w.stats.duplicates}; gaps seen before late fills: ${w.stats.gaps}`);
    await sleep(500); // a late redelivery would be dropped as a duplicate, not delivered
    assert.equal(got.length, N, 'no alert delivered twice');
    assert.deepEqual([...got].sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
    assert.equal(w.stats.alerts, N);
  } finally {
    await dev.close();
    await w.close();
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
