import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker } from './broker.ts';
import { connectDevice, stampWallTime } from './device.ts';
import { parsePayload } from './schema.ts';
import { waitFor } from '../../test/testutil.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

test('stampWallTime appends wall_ts to a JSON object, once, within the payload limit', () => {
  assert.equal(dec(stampWallTime(enc('{"v":1,"seq":3,"ts":5000,"pts":5010}'), 1765000000123)), '{"v":1,"seq":3,"ts":5000,"pts":5010,"wall_ts":1765000000123}');
  assert.equal(dec(stampWallTime(enc('{}\n'), 7)), '{"wall_ts":7}');
  assert.equal(dec(stampWallTime(enc('{"wall_ts":1}'), 7)), '{"wall_ts":1}');
  assert.equal(dec(stampWallTime(enc('not json'), 7)), 'not json');
  const big = enc(`{"x":"${'a'.repeat(16 * 1024 - 9)}"}`);
  assert.equal(stampWallTime(big, 7), big, 'would exceed MAX_PAYLOAD_BYTES: unchanged');
});

test('telemetry and status carry wall-clock publish time (wall_ts) beside device time, valid against the schemas', { timeout: 20000 }, async () => {
  const broker = await startBroker({ port: 0 });
  const sub = await mqtt.connectAsync(broker.url);
  const got = new Map<string, Record<string, unknown>>();
  sub.on('message', (t, p) => got.set(t.split('/').at(-1)!, JSON.parse(p.toString()) as Record<string, unknown>));
  await sub.subscribeAsync('dendra/v1/w/d1/+', { qos: 1 });
  const dev = await connectDevice({ url: broker.url, site: 'w', device: 'd1', now: () => 1765000000000 });
  try {
    dev.publish('telemetry', enc('{"v":1,"seq":0,"ts":3600000,"window":1,"pts":3600004}'), 0, false);
    await waitFor(() => got.has('telemetry') && got.has('status'), 'telemetry and status');
    const tel = got.get('telemetry')!;
    assert.equal(tel.ts, 3600000, 'device time kept');
    assert.equal(tel.wall_ts, 1765000000000);
    assert.ok(parsePayload('telemetry', enc(JSON.stringify(tel))).ok);
    const st = got.get('status')!;
    assert.equal(st.wall_ts, 1765000000000);
    assert.ok(parsePayload('status', enc(JSON.stringify(st))).ok);
  } finally {
    await dev.close();
    await sub.endAsync();
    await broker.close();
  }
});
