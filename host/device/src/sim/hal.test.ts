import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { FlashFile, FLASH_E_BOUNDS } from './flashfile.ts';
import { SimHal, HAL_E_BOUNDS } from './hal.ts';
import { loadBoard } from '../boards/board.ts';
import { WindowDma, HOUR_MS, DMA_BUSY, DMA_DONE, DMA_END, type SensorData } from './sensors.ts';
import { InputError } from '@dendra/core/errors.ts';
import { type Publisher } from '@dendra/ops/mqtt/device.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dendra-hal-'));
}

test('flash file: created 0xFF, NOR writes AND, erase by sector, bounds refused', () => {
  const dir = tmp();
  try {
    const f = new FlashFile(join(dir, 'flash.bin'), 16384, 4096);
    assert.equal(statSync(join(dir, 'flash.bin')).size, 16384);
    assert.ok(f.view().every((b) => b === 0xff));
    assert.equal(f.write(4100, Uint8Array.of(0xf0, 0x0f)), 0);
    assert.equal(f.write(4100, Uint8Array.of(0x3c, 0xff)), 0);
    const out = new Uint8Array(2);
    f.read(4100, out);
    assert.deepEqual([...out], [0x30, 0x0f], 'a write can only clear bits');
    assert.equal(f.erase(4096, 1), 0, 'erase rounds up to the whole sector');
    f.read(4100, out);
    assert.deepEqual([...out], [0xff, 0xff]);
    assert.equal(f.erase(4097, 10), FLASH_E_BOUNDS, 'misaligned erase');
    assert.equal(f.write(16383, Uint8Array.of(1, 2)), FLASH_E_BOUNDS);
    assert.equal(f.read(-1, out), FLASH_E_BOUNDS);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flash file: contents persist across a restart; a wrong-size file is refused', () => {
  const dir = tmp();
  const path = join(dir, 'flash.bin');
  try {
    const a = new FlashFile(path, 8192, 4096);
    a.erase(0, 4096);
    a.write(10, Uint8Array.of(1, 2, 3));
    a.close(); // simulated power loss: nothing else is flushed
    const b = new FlashFile(path, 8192, 4096);
    const out = new Uint8Array(4);
    b.read(9, out);
    assert.deepEqual([...out], [0xff, 1, 2, 3]);
    b.close();
    writeFileSync(join(dir, 'small.bin'), new Uint8Array(100));
    assert.throws(() => new FlashFile(join(dir, 'small.bin'), 8192, 4096), (e: unknown) => e instanceof InputError && /has 100 bytes/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeData(rows: number): SensorData {
  const values = new Float32Array(rows * 7);
  for (let i = 0; i < values.length; i++) values[i] = i;
  return { rows, channels: 7, values };
}

function rig(rows = 200, start = 10) {
  const dir = tmp();
  const board = loadBoard('sim');
  const flash = new FlashFile(join(dir, 'flash.bin'), board.flash.sizeBytes, board.flash.sectorBytes);
  const tx: Uint8Array[] = [];
  const pubs: [string, string, number, boolean][] = [];
  const publisher: Publisher = { publish: (k, p, q, r) => pubs.push([k, new TextDecoder().decode(p), q, r]) };
  const logs: string[] = [];
  const hal = new SimHal({ board, flash, dma: new WindowDma(fakeData(rows), start), uartTx: (b) => tx.push(b), publisher, log: (l, t) => logs.push(`${l}:${t}`) });
  const memory = new WebAssembly.Memory({ initial: 1 });
  hal.attach(memory);
  const h = hal.imports().hal as Record<string, (...a: number[]) => number>;
  const mem = new Uint8Array(memory.buffer);
  return { dir, board, flash, hal, h, mem, tx, pubs, logs, done: () => { flash.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('HAL imports bounds-check every pointer and length', () => {
  const r = rig();
  try {
    const end = r.mem.length;
    assert.equal(r.h.uart_read(end - 2, 10), HAL_E_BOUNDS);
    assert.equal(r.h.uart_write(end, 1), HAL_E_BOUNDS);
    assert.equal(r.h.flash_read(0, end - 1, 8), HAL_E_BOUNDS);
    assert.equal(r.h.flash_write(0, 0xfffffff0, 64), HAL_E_BOUNDS);
    assert.equal(r.h.flash_read(r.board.flash.sizeBytes - 4, 0, 8), FLASH_E_BOUNDS);
    assert.equal(r.h.crypto_sha256(0, 16, end - 8), HAL_E_BOUNDS);
    assert.equal(r.h.flash_region(9, 0), HAL_E_BOUNDS);
    assert.equal(r.h.dma_start(0, end - 100, 2688), HAL_E_BOUNDS);
    assert.equal(r.hal.stats.halErrors, 6, "each memory-range refusal is counted");
  } finally {
    r.done();
  }
});

test('UART FIFO, flash_region, sha256, publish, log and board facts', () => {
  const r = rig();
  try {
    r.hal.feedRx(Uint8Array.of(1, 2, 3));
    r.hal.feedRx(Uint8Array.of(4, 5));
    assert.equal(r.h.uart_read(100, 4), 4);
    assert.deepEqual([...r.mem.subarray(100, 104)], [1, 2, 3, 4]);
    assert.equal(r.h.uart_read(100, 4), 1);
    assert.equal(r.h.uart_read(100, 4), 0);
    r.mem.set([9, 8, 7], 200);
    assert.equal(r.h.uart_write(200, 3), 3);
    assert.deepEqual([...r.tx[0]], [9, 8, 7]);
    assert.equal(r.h.flash_region(3, 300), 0);
    const dv = new DataView(r.mem.buffer);
    assert.deepEqual([dv.getUint32(300, true), dv.getUint32(304, true)], [r.board.flash.regions.model.addr, r.board.flash.regions.model.size]);
    r.mem.set(new TextEncoder().encode('abc'), 400);
    assert.equal(r.h.crypto_sha256(400, 3, 500), 0);
    assert.equal(Buffer.from(r.mem.subarray(500, 532)).toString('hex'), createHash('sha256').update('abc').digest('hex'));
    r.mem.set(new TextEncoder().encode('alert{"v":1}'), 600);
    assert.equal(r.h.net_publish(600, 5, 605, 7, 1, 0), 1, "the first message id");
    assert.equal(r.h.net_is_acked(1), 1, "a publisher without publishWithAck delivers at once");
    assert.equal(r.h.net_is_acked(1), -1, "a final state is reported once");
    assert.equal(r.h.net_connected(), 1);
    assert.deepEqual(r.pubs, [['alert', '{"v":1}', 1, false]]);
    r.h.log_write(2, 600, 5);
    assert.deepEqual(r.logs, ['2:alert']);
    assert.equal(r.h.board_arena_limit(), 65536);
    assert.equal(r.h.board_max_frame(), 1024);
  } finally {
    r.done();
  }
});

test('DMA delivers window k (rows start+k..) once the clock reaches hour k; then end of stream', () => {
  const r = rig(10 + 96 + 1, 10); // room for exactly two windows
  try {
    const dv = new DataView(r.mem.buffer);
    r.hal.beginTick();
    assert.equal(r.h.dma_start(0, 1024, 2688), 0);
    r.hal.endTick();
    assert.equal(r.h.dma_status(0), DMA_BUSY, 'busy until transferred');
    r.hal.sleepTo(r.hal.nowMs() + 5);
    assert.equal(r.h.dma_status(0), DMA_DONE);
    assert.equal(dv.getFloat32(1024, true), 10 * 7, 'row start, channel 0');
    assert.equal(dv.getFloat32(1024 + 4 * 7 * 95 + 4 * 6, true), (10 + 95) * 7 + 6, 'hour 95, OT');
    assert.equal(r.h.dma_start(0, 1024, 2688), 0);
    r.hal.sleepTo(HOUR_MS - 1);
    assert.equal(r.h.dma_status(0), DMA_BUSY, 'window 1 is due at hour 1');
    assert.equal(r.hal.nextDmaMs(), HOUR_MS);
    r.hal.sleepTo(HOUR_MS);
    assert.equal(r.h.dma_status(0), DMA_DONE);
    assert.equal(dv.getFloat32(1024, true), 11 * 7);
    assert.equal(r.h.dma_start(0, 1024, 2688), 0);
    assert.equal(r.h.dma_status(0), DMA_END);
    assert.ok(r.h.dma_start(0, 1024, 100) < 0, 'wrong length');
    assert.ok(r.h.dma_start(1, 1024, 2688) < 0, 'unknown channel');
  } finally {
    r.done();
  }
});

test('PMU: sleep advances the clock and energy counts sleep vs active currents', () => {
  const r = rig();
  try {
    const sleepMw = r.board.pmu.modes.sleep.currentMa * r.board.pmu.supplyV;
    r.h.pmu_sleep_until(5000);
    assert.equal(r.hal.sleepRequest, 5000);
    r.hal.sleepTo(1000);
    assert.equal(r.h.clock_now_ms(), 1000);
    assert.ok(Math.abs(r.h.pmu_energy_uj() - 1000 * sleepMw) < 1e-6);
    r.hal.sleepTo(500);
    assert.equal(r.h.clock_now_ms(), 1000, 'time never goes backwards');
    r.hal.beginTick();
    const t0 = Date.now();
    while (Date.now() - t0 < 20) { /* burn active time */ }
    r.hal.endTick();
    const activeMs = r.h.clock_now_ms() - 1000;
    assert.ok(activeMs >= 19);
    const expected = 1000 * sleepMw + activeMs * r.board.pmu.modes.active.currentMa * r.board.pmu.supplyV;
    assert.ok(Math.abs(r.h.pmu_energy_uj() - expected) < 1e-6);
  } finally {
    r.done();
  }
});
