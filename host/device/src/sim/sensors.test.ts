import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import { DMA_DONE, DMA_E_ARG, DMA_END, HOUR_MS, MAX_WINDOW_HOURS, WindowDma, type SensorData } from './sensors.ts';

/** `rows` hours of 7 channels where row r, channel c holds r + c / 10. */
function data(rows: number): SensorData {
  const values = new Float32Array(rows * 7);
  for (let r = 0; r < rows; r++) for (let c = 0; c < 7; c++) values[r * 7 + c] = r + c / 10;
  return { rows, channels: 7, values };
}

/** Requests the next window of `hours` into offset 0 and completes it at its due time. */
function next(dma: WindowDma, mem: Uint8Array, hours: number, now: number): { st: number; rows: Float32Array } {
  const r = dma.begin(0, hours * 28, now);
  if (r !== 0) return { st: r, rows: new Float32Array(0) };
  const st = dma.status(dma.dueMs() ?? now, mem);
  return { st, rows: new Float32Array(mem.buffer, 0, hours * 7) };
}

test('WindowDma serves the requested window length: rows [start + k, start + k + L), the stream ends when fewer than L rows are left', () => {
  const dma = new WindowDma(data(400), 10);
  const mem = new Uint8Array(MAX_WINDOW_HOURS * 28);
  const w0 = next(dma, mem, 336, 0);
  assert.equal(w0.st, DMA_DONE);
  assert.deepEqual([w0.rows[0], w0.rows[6], w0.rows[335 * 7 + 6]], [10, Math.fround(10.6), Math.fround(345.6)]);
  const w1 = next(dma, mem, 96, HOUR_MS); // a model of another L (reflashed): the stream goes on at frame 1
  assert.equal(w1.st, DMA_DONE);
  assert.deepEqual([w1.rows[0], w1.rows[95 * 7]], [11, 106]);
  assert.equal(dma.windows(336), 400 - 10 - 336 + 1);
  dma.next = dma.windows(336) - 1; // the last full 336-hour window
  assert.equal(next(dma, mem, 336, 60 * HOUR_MS).rows[335 * 7], 399);
  assert.equal(next(dma, mem, 336, 61 * HOUR_MS).st, DMA_END, 'fewer than 336 rows left');
});

test('WindowDma refuses a length that is not whole hours of 7 channels, empty, or over MAX_WINDOW_HOURS; a bad start is an E_DATA error', () => {
  const dma = new WindowDma(data(1000), 0);
  for (const len of [0, 27, 29, 100, (MAX_WINDOW_HOURS + 1) * 28, -28, 28.5]) assert.equal(dma.begin(0, len, 0), DMA_E_ARG, `len ${len}`);
  assert.equal(dma.begin(0, MAX_WINDOW_HOURS * 28, 0), 0, 'the longest window is served');
  for (const start of [-1, 1.5, 1000]) {
    assert.throws(() => new WindowDma(data(1000), start), (e: unknown) => e instanceof InputError && e.code === 'E_DATA' && /replay start/.test(e.message));
  }
  assert.throws(() => new WindowDma({ rows: 10, channels: 6, values: new Float32Array(60) }, 0), /6 channels, not 7/);
});

test('PackDma (the other FrameDma) still serves its fixed frames: exact length only, then end', async () => {
  const { PackDma } = await import('./sensors-pack.ts');
  const dma = new PackDma([Float32Array.of(1, 2), Float32Array.of(3, 4)], HOUR_MS);
  const mem = new Uint8Array(64);
  assert.equal(dma.begin(0, 16, 0), DMA_E_ARG, 'not one frame');
  for (const [k, want] of [[0, 1], [1, 3]] as const) {
    assert.equal(dma.begin(0, 8, k * HOUR_MS), 0);
    assert.equal(dma.status(dma.dueMs()!, mem), DMA_DONE);
    assert.equal(new Float32Array(mem.buffer, 0, 2)[0], want);
  }
  assert.equal(dma.begin(0, 8, 2 * HOUR_MS), 0);
  assert.equal(dma.status(2 * HOUR_MS, mem), DMA_END);
});
