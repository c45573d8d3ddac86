// The sim network stack behind net_publish / net_is_acked / net_connected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetStack, NET_ACKED, NET_LOST, NET_PENDING, NET_E_PUBLISH } from './net.ts';
import type { Publisher } from './hal.ts';

test('ids, pending until the publisher reports delivery, lost on error or after a reset', () => {
  const done: ((e: Error | null) => void)[] = [];
  let up = false;
  const pub: Publisher = {
    publish: () => assert.fail('publishWithAck is preferred'),
    publishWithAck: (_k, _p, _q, _r, cb) => void done.push(cb),
    isConnected: () => up,
  };
  const net = new NetStack(pub);
  assert.equal(net.connected(), 0);
  up = true;
  assert.equal(net.connected(), 1);
  const a = net.publish('alert', Uint8Array.of(1), 1, false);
  const b = net.publish('alert', Uint8Array.of(2), 1, false);
  assert.deepEqual([a, b], [1, 2]);
  assert.equal(net.isAcked(a), NET_PENDING);
  done[0](null);
  done[1](new Error('gone'));
  assert.equal(net.isAcked(a), NET_ACKED);
  assert.equal(net.isAcked(a), NET_LOST, 'a final state is reported once');
  assert.equal(net.isAcked(b), NET_LOST);
  const c = net.publish('alert', Uint8Array.of(3), 1, false);
  net.reset();
  done[2](null);
  assert.equal(net.isAcked(c), NET_LOST, 'a late PUBACK for a reset board is ignored');
});

test('a plain publisher delivers at once; a throwing one is a refused publish', () => {
  const plain = new NetStack({ publish: () => {} });
  assert.equal(plain.isAcked(plain.publish('telemetry', Uint8Array.of(1), 0, false)), NET_ACKED);
  assert.equal(plain.connected(), 1);
  const bad = new NetStack({ publish: () => { throw new Error('x'); } });
  assert.equal(bad.publish('alert', Uint8Array.of(1), 1, false), NET_E_PUBLISH);
  const none = new NetStack(undefined);
  assert.equal(none.isAcked(none.publish('alert', Uint8Array.of(1), 1, false)), NET_ACKED);
});
