import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startBroker, startMosquitto, findMosquitto, freePort } from './broker.ts';
import { BrokerError } from './errors.ts';

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });

test('startBroker on port 0 listens on a free loopback port and close() stops it', { timeout: 20000 }, async () => {
  const b = await startBroker({ port: 0 });
  assert.match(b.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(b.port > 0);
  assert.equal(await canConnect(b.port), true);
  await b.close();
  await b.close(); // idempotent
  assert.equal(await canConnect(b.port), false);
});

test('startBroker on a busy port fails with a one-line E_PORT_BUSY', { timeout: 20000 }, async () => {
  const b = await startBroker();
  try {
    await assert.rejects(startBroker({ port: b.port }), (e: unknown) => {
      assert.ok(e instanceof BrokerError);
      assert.equal(e.code, 'E_PORT_BUSY');
      assert.match(e.message, new RegExp(`^port ${b.port} on 127\\.0\\.0\\.1 is already in use`));
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  } finally {
    await b.close();
  }
});

test('startMosquitto runs a real mosquitto on loopback and close() kills it', { timeout: 20000 }, async (t) => {
  if (!findMosquitto()) return t.skip('mosquitto not installed: no binary at /usr/sbin/mosquitto (apt-get install mosquitto)');
  const m = await startMosquitto({ port: 0 });
  assert.match(m.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await canConnect(m.port), true);
  await m.close();
  assert.equal(await canConnect(m.port), false);
});

test('startMosquitto on a busy port is E_PORT_BUSY (nothing spawned); a missing binary is E_NO_MOSQUITTO', { timeout: 20000 }, async (t) => {
  await assert.rejects(startMosquitto({ bin: '/nonexistent/mosquitto' }), (e: unknown) => e instanceof BrokerError && e.code === 'E_NO_MOSQUITTO');
  if (!findMosquitto()) return t.skip('mosquitto not installed: no binary at /usr/sbin/mosquitto');
  const b = await startBroker({ port: await freePort() });
  try {
    await assert.rejects(startMosquitto({ port: b.port, startTimeoutMs: 3000 }), (e: unknown) => e instanceof BrokerError && e.code === 'E_PORT_BUSY' && !e.message.includes('\n'));
  } finally {
    await b.close();
  }
});
