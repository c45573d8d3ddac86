import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import mqtt from 'mqtt';
import { startDashboard, isLoopback, PAGE_FILES } from './server.ts';
import { parseBrokerUrl } from './bridge.ts';
import { startBroker, freePort } from '../mqtt/broker.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { BrokerError } from '../mqtt/errors.ts';

const T = { timeout: 20000 };

/** A raw GET/upgrade with chosen headers (fetch cannot set Host or Origin). */
function request(port: number, opts: { path?: string; method?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }); });
    req.on('error', reject);
    req.end();
  });
}

const wsHeaders = (port: number, extra: Record<string, string> = {}) => ({
  Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Protocol': 'mqtt', Host: `127.0.0.1:${port}`, ...extra,
});

test('parseBrokerUrl: mqtt/mqtts with default ports; other schemes are one-line usage errors', () => {
  assert.deepEqual(parseBrokerUrl('mqtt://127.0.0.1'), { display: 'mqtt://127.0.0.1:1883', host: '127.0.0.1', port: 1883, tls: false });
  assert.deepEqual(parseBrokerUrl('mqtts://user:pw@broker.example:9999'), { display: 'mqtts://broker.example:9999', host: 'broker.example', port: 9999, tls: true });
  assert.equal(parseBrokerUrl('mqtt://[::1]:1884').display, 'mqtt://[::1]:1884');
  for (const bad of ['http://x', 'nonsense', 'ws://h:1']) {
    assert.throws(() => parseBrokerUrl(bad), (e: unknown) => e instanceof UsageError && !e.message.includes('\n'));
  }
  assert.ok(isLoopback('127.0.0.1') && isLoopback('[::1]') && isLoopback('localhost') && !isLoopback('0.0.0.0') && !isLoopback('10.0.0.1'));
});

test('serves the page, the mqtt.js bundle and config with CSP; 404, 405 and a foreign Host are refused', T, async () => {
  const d = await startDashboard({ port: 0, brokerPort: 0 });
  try {
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(d.embedded);
    const page = await fetch(d.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /blob:|unsafe|worker-src/, 'the keepalive fix did not loosen the CSP');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    for (const f of [...PAGE_FILES, 'vendor/mqtt.min.js', 'vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css', 'history.json']) {
      assert.equal((await fetch(d.url + f)).status, 200, f);
    }
    const cfg = await (await fetch(d.url + 'config.json')).json();
    assert.deepEqual(cfg, { ws: '/mqtt', filter: 'dendra/v1/+/+/+', ackFilter: 'dendra/v1/+/+/ack/+', broker: d.brokerUrl, keepalive: 30 });
    assert.deepEqual(await (await fetch(d.url + 'history.json')).json(), { v: 1, devices: {} });
    assert.equal((await fetch(d.url + '../package.json')).status, 404);
    assert.equal((await fetch(d.url + 'server.ts')).status, 404);
    assert.equal((await fetch(d.url, { method: 'POST' })).status, 405);
    assert.equal((await request(d.port, { headers: { Host: `evil.example:${d.port}` } })).status, 421);
    assert.equal((await request(d.port, { headers: { Host: `localhost:${d.port}` } })).status, 200);
  } finally {
    await d.close();
  }
});

test('WebSocket upgrades: a cross-site Origin, a foreign Host and a wrong path are refused', T, async () => {
  const d = await startDashboard({ port: 0, brokerPort: 0 });
  try {
    assert.equal((await request(d.port, { path: '/mqtt', headers: wsHeaders(d.port) })).status, 101);
    assert.equal((await request(d.port, { path: '/mqtt', headers: wsHeaders(d.port, { Origin: `http://127.0.0.1:${d.port}` }) })).status, 101);
    assert.notEqual((await request(d.port, { path: '/mqtt', headers: wsHeaders(d.port, { Origin: 'http://evil.example' }) }).catch(() => ({ status: 0 }))).status, 101);
    assert.notEqual((await request(d.port, { path: '/mqtt', headers: wsHeaders(d.port, { Host: 'evil.example' }) }).catch(() => ({ status: 0 }))).status, 101);
    assert.notEqual((await request(d.port, { path: '/other', headers: wsHeaders(d.port) }).catch(() => ({ status: 0 }))).status, 101);
  } finally {
    await d.close();
  }
});

test('the bridge carries MQTT over WebSocket to an external broker given by URL', T, async () => {
  const broker = await startBroker({ port: 0 });
  const d = await startDashboard({ port: 0, broker: broker.url });
  const page = await mqtt.connectAsync(`ws://127.0.0.1:${d.port}/mqtt`, { protocolVersion: 4 });
  const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  try {
    assert.equal(d.embedded, null);
    assert.equal(d.brokerUrl, broker.url);
    await page.subscribeAsync('dendra/v1/+/+/+', { qos: 1 });
    const got = new Promise<string>((r) => page.once('message', (t, p) => r(`${t} ${p.toString()}`)));
    await dev.publishAsync('dendra/v1/s/d/alert', '{"x":1}', { qos: 1 });
    assert.equal(await got, 'dendra/v1/s/d/alert {"x":1}');
    assert.equal(d.connections, 1);
  } finally {
    await page.endAsync(true);
    await dev.endAsync();
    await d.close();
    await broker.close();
  }
});

test('a busy HTTP port is a one-line E_PORT_BUSY and the embedded broker is released', T, async () => {
  const a = await startDashboard({ port: 0, brokerPort: 0 });
  try {
    const brokerPort = await freePort();
    await assert.rejects(startDashboard({ port: a.port, brokerPort }), (e: unknown) => e instanceof BrokerError && e.code === 'E_PORT_BUSY' && !e.message.includes('\n'));
    const again = await startBroker({ port: brokerPort }); // the embedded broker of the failed start was closed
    await again.close();
  } finally {
    await a.close();
    await a.close(); // idempotent
  }
});
