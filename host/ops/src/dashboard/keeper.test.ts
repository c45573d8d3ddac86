// The dashboard bridge's keeper on a real broker (aedes): alarm tables derived from alerts and
// published retained, history served and saved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startDashboard } from './server.ts';
import { waitFor } from '../../test/testutil.ts';

test('repeated raises become one retained alarm row, seen by a late subscriber; cleared once; history is served and saved', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-keeper-'));
  const historyFile = path.join(dir, '.dendra', 'dashboard-history.json');
  const d = await startDashboard({ port: 0, brokerPort: 0, historyFile });
  const dev = await mqtt.connectAsync(d.brokerUrl, { protocolVersion: 4 });
  try {
    await waitFor(() => d.keeper.subscribed, 'the keeper to subscribe');
    const a = (seq: number, state: string, value: number) => JSON.stringify({ v: 1, boot: 1, seq, ts: seq, kind: 'dendrite.risk', state, severity: 'critical', value, threshold: 0.8, lead_cycles: state === 'raised' ? 40 : 0 });
    for (let i = 1; i <= 5; i++) await dev.publishAsync('dendra/v1/pack/p1/alert', a(i, 'raised', 0.95), { qos: 1 });
    await dev.publishAsync('dendra/v1/pack/p1/telemetry', JSON.stringify({ v: 1, seq: 1, ts: 1, window: 1, ot: 12.5, pred_peak: 14 }), { qos: 1 });
    await waitFor(() => d.keeper.tables.get('pack/p1')?.entries.get('dendrite.risk')?.raises === 5, 'five raises folded');
    const late = await mqtt.connectAsync(d.brokerUrl, { protocolVersion: 4 });
    try {
      const got = new Promise<any>((r) => late.once('message', (_t, p) => r(JSON.parse(p.toString()))));
      await late.subscribeAsync('dendra/v1/pack/p1/alarm', { qos: 1 });
      const rec = await got;
      assert.equal(rec.source, 'bridge');
      assert.deepEqual(rec.alarms.map((e: any) => [e.kind, e.state, e.raises, e.lead_cycles]), [['dendrite.risk', 'active', 5, 40]]);
    } finally {
      await late.endAsync();
    }
    await dev.publishAsync('dendra/v1/pack/p1/alert', a(6, 'cleared', 0.2), { qos: 1 });
    await waitFor(() => d.keeper.tables.get('pack/p1')?.entries.get('dendrite.risk')?.state === 'cleared', 'cleared');
    assert.equal(d.keeper.published, 6, '1 raised + 4 updates + 1 clear');
    const h = await (await fetch(d.url + 'history.json')).json();
    assert.deepEqual(h.devices['pack/p1'].points.map((p: number[]) => p.slice(1)), [[12.5, 14]]);
  } finally {
    await dev.endAsync();
    await d.close();
  }
  try {
    assert.deepEqual(JSON.parse(readFileSync(historyFile, 'utf8')).devices['pack/p1'].points.length, 1, 'saved at close');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
