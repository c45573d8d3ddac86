// MQTT 5 where the broker has it (mosquitto), 3.1.1 fallback where it does not (aedes 1.x).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker, startMosquitto, findMosquitto } from './broker.ts';
import { connectDevice } from './device.ts';
import { watchAlerts } from './alerts.ts';
import { BrokerError } from './errors.ts';
import { isProtocolRefusal, publishError, reasonText } from './v5.ts';
import { waitFor, alertBytes } from '../../test/testutil.ts';

const skip = findMosquitto() ? false : 'mosquitto not installed (apt-get install mosquitto)';

test('reason codes: names, publish errors, protocol refusals', () => {
  assert.equal(reasonText(0x87), 'Not authorized (reason code 135)');
  assert.equal(reasonText(0xfe), 'reason code 254');
  const e = publishError('dendra/v1/a/b/alert', Object.assign(new Error('Publish error: Quota exceeded'), { code: 0x97 }));
  assert.equal(e.message, 'broker refused the publish on dendra/v1/a/b/alert: Quota exceeded (reason code 151)');
  const plain = new Error('socket closed');
  assert.equal(publishError('t', plain), plain);
  assert.ok(isProtocolRefusal(new BrokerError('E_BROKER_REFUSED', 'x', 'u', 1)));
  assert.ok(!isProtocolRefusal(new BrokerError('E_BROKER_REFUSED', 'x', 'u', 5)));
});

test('auto on aedes falls back to MQTT 3.1.1 and alerts flow', { timeout: 15000 }, async () => {
  const b = await startBroker();
  const got: number[] = [];
  const w = await watchAlerts({ url: b.url, onAlert: (a) => got.push(a.seq) });
  const dev = await connectDevice({ url: b.url, site: 'yard', device: 'tx-a311', protocolVersion: 'auto' });
  try {
    assert.equal(dev.protocolVersion, 4);
    dev.publish('alert', alertBytes(1), 1, false);
    dev.publish('telemetry', new TextEncoder().encode('{"v":1,"seq":1,"ts":1,"window":1}'), 0, false);
    await waitFor(() => got.length === 1, 'the alert');
  } finally {
    await dev.close();
    await w.close();
    await b.close();
  }
});

test('auto on mosquitto speaks MQTT 5: telemetry carries a 60 s message expiry, the session outlives a disconnect', { skip, timeout: 20000 }, async () => {
  const b = await startMosquitto();
  const sub = await mqtt.connectAsync(b.url, { protocolVersion: 5 });
  const expiries: (number | undefined)[] = [];
  sub.on('message', (_t, _p, packet) => expiries.push(packet.properties?.messageExpiryInterval));
  await sub.subscribeAsync('dendra/v1/+/+/telemetry', { qos: 1 });
  const opts = { url: b.url, site: 'yard', device: 'tx-v5', protocolVersion: 'auto' as const };
  let dev = await connectDevice(opts);
  try {
    assert.equal(dev.protocolVersion, 5);
    dev.publish('telemetry', new TextEncoder().encode('{"v":1,"seq":1,"ts":1,"window":1}'), 0, false);
    await waitFor(() => expiries.length === 1, 'telemetry at a v5 subscriber');
    assert.ok(expiries[0] !== undefined && expiries[0] > 0 && expiries[0] <= 60, `message expiry ${expiries[0]}`);
    // Session expiry > 0: after a clean disconnect the broker still has the session (with expiry 0,
    // the MQTT 5 default, it would be gone and CONNACK would say sessionPresent false).
    await dev.client.subscribeAsync('dendra/v1/yard/tx-v5/cmd', { qos: 1 });
    await dev.close();
    dev = await connectDevice(opts);
    assert.equal((dev.client as unknown as { connackPacket: { sessionPresent?: boolean } }).connackPacket.sessionPresent, true);
  } finally {
    await dev.close();
    await sub.endAsync();
    await b.close();
  }
});
