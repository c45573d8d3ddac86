import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { WebSocket } from 'ws';
import { createBridge, parseBrokerList } from './bridge.ts';
import { freePort } from '../mqtt/broker.ts';

/** A TCP server that answers every chunk with `<name>:<chunk>` (stands in for a broker node). */
async function node(name: string): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((s) => s.on('data', (d) => s.write(`${name}:${d.toString()}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, server };
}

/** Opens a page connection through the bridge, sends `text`, resolves with the first answer. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'mqtt');
    const t = setTimeout(() => { ws.terminate(); reject(new Error('no answer')); }, 5000);
    ws.on('open', () => ws.send(text));
    ws.on('message', (d) => { clearTimeout(t); ws.close(); resolve(d.toString()); });
    ws.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

test('the bridge skips a node that refuses and fails over when the node it used dies', async () => {
  const dead = await freePort();
  const b = await node('B');
  const c = await node('C');
  const bridge = createBridge(parseBrokerList(`mqtt://127.0.0.1:${dead},mqtt://127.0.0.1:${b.port},mqtt://127.0.0.1:${c.port}`));
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) => bridge.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  try {
    assert.equal(await roundTrip(port, 'hello'), 'B:hello', 'the refusing first node is skipped');
    assert.equal(await roundTrip(port, 'again'), 'B:again', 'the node that answered is kept');
    await new Promise<void>((r) => b.server.close(() => r()));
    b.server.unref();
    assert.equal(await roundTrip(port, 'later'), 'C:later', 'a dead node is skipped for the next');
  } finally {
    await bridge.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => c.server.close(() => r()));
  }
});
