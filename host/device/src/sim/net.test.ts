// The sim network stack behind net_publish / net_is_acked / net_connected / net_cmd_poll / net_announce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetStack, NET_ACKED, NET_LOST, NET_PENDING, NET_E_PUBLISH, NET_MAX_COMMANDS, NET_MAX_COMMAND_BYTES } from './net.ts';
import { Publisher } from '@dendra/ops/mqtt/device.ts';

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

test('commands: FIFO, bounded queue (excess counted), truncated copy with the full length, emptied by a reset', () => {
  const net = new NetStack({ publish: () => {} });
  const out = new Uint8Array(4);
  assert.equal(net.pollCommand(out), 0, 'none waiting');
  assert.ok(net.pushCommand(Uint8Array.of(1, 2)));
  assert.ok(net.pushCommand(new Uint8Array(10).fill(7)));
  assert.equal(net.pollCommand(out), 2);
  assert.deepEqual([...out.subarray(0, 2)], [1, 2]);
  assert.equal(net.pollCommand(out), 10, 'the full length: the firmware sees it is oversized');
  assert.deepEqual([...out], [7, 7, 7, 7], 'only cap bytes copied');
  for (let i = 0; i < NET_MAX_COMMANDS; i++) assert.ok(net.pushCommand(Uint8Array.of(i)));
  assert.equal(net.pushCommand(Uint8Array.of(99)), false);
  assert.equal(net.commandsDropped, 1);
  net.reset();
  assert.equal(net.pendingCommands(), 0);
  net.pushCommand(new Uint8Array(NET_MAX_COMMAND_BYTES * 4));
  assert.equal(net.pollCommand(new Uint8Array(NET_MAX_COMMAND_BYTES * 4)), NET_MAX_COMMAND_BYTES * 4, 'length kept, copy bounded');
});

test('announce: what the publisher reports, 0 without support, NET_E_PUBLISH when it throws', () => {
  assert.equal(new NetStack({ publish: () => {}, announce: () => 2 }).announce(), 2);
  assert.equal(new NetStack({ publish: () => {} }).announce(), 0);
  assert.equal(new NetStack(undefined).announce(), 0);
  assert.equal(new NetStack({ publish: () => {}, announce: () => { throw new Error('x'); } }).announce(), NET_E_PUBLISH);
});

test('HAL net_cmd_poll / net_announce: commands from the publisher wake the core, are bounds-checked and copied at most cap bytes', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { SimHal, HAL_E_BOUNDS } = await import('./hal.ts');
  const { loadBoard } = await import('../boards/board.ts');
  const { FlashFile } = await import('./flashfile.ts');
  const dir = mkdtempSync(join(tmpdir(), 'dendra-netcmd-hal-'));
  const board = loadBoard('sim');
  const flash = new FlashFile(join(dir, 'f.bin'), board.flash.sizeBytes, board.flash.sectorBytes);
  try {
    let deliver = null as ((p: Uint8Array) => void) | null;
    const pub: Publisher = { publish: () => {}, onCommand: (h) => { deliver = h; }, announce: () => 1 };
    const hal = new SimHal({ board, flash, dma: {} as never /* no DMA calls here */, uartTx: () => {}, publisher: pub });
    let woken = 0;
    hal.onRx = () => woken++;
    const memory = new WebAssembly.Memory({ initial: 1 });
    hal.attach(memory);
    const h = hal.imports().hal as Record<string, (...a: number[]) => number>;
    const mem = new Uint8Array(memory.buffer);
    assert.ok(deliver, 'the HAL registered for commands');
    assert.equal(h.net_cmd_poll(100, 16), 0);
    deliver!(new TextEncoder().encode('{"v":1,"id":"a","op":"ping"}'));
    assert.equal(woken, 1, 'a command wakes the core');
    assert.equal(h.net_cmd_poll(mem.length - 4, 16), HAL_E_BOUNDS, 'destination outside memory');
    assert.equal(h.net_cmd_poll(100, 64), 28, 'still queued after the refused poll');
    assert.equal(new TextDecoder().decode(mem.subarray(100, 128)), '{"v":1,"id":"a","op":"ping"}');
    mem.fill(0, 100, 200);
    deliver!(new TextEncoder().encode('0123456789'));
    assert.equal(h.net_cmd_poll(100, 4), 10, 'full length reported');
    assert.equal(new TextDecoder().decode(mem.subarray(100, 104)), '0123');
    assert.equal(mem[104], 0, 'nothing beyond cap written');
    assert.equal(h.net_announce(), 1);
  } finally {
    flash.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
