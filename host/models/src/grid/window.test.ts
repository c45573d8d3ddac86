import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { InputError } from '@dendra/core/errors.ts';
import { gatherWindows, prepareInput, roundHalfAway } from './window.ts';
import { BOARD_CONFIG, layout } from './config.ts';

/** A model stub with only what prepareInput reads: the input tensor's quantization. */
const modelWith = (scale: number, zp: number, shape: number[] = [7, 96]): QModel => ({
  description: '', tensors: [{ name: 'X', type: 'int8', shape, quant: { scale: [scale], zeroPoint: [zp], axis: 0 } }],
  ops: [], inputs: [0], outputs: [0], metadata: {},
});

test('roundHalfAway rounds ties away from zero', () => {
  assert.deepEqual([2.5, -2.5, 0.5, -0.5, 1.4999, -1.5001].map(roundHalfAway), [3, -3, 1, -1, 1, -2]);
});

test('prepareInput: z = (x - x_last)/std, q = roundHalfAway(z/scale) + zp, clamped, node-major', () => {
  const norm = { mean: [10, 0, 0, 0, 0, 0, 20], std: [2, 1, 1, 1, 1, 1, 4] };
  // channel 0 ends at 10 + 95/8; channels 1..6 are constant except their first hour
  const rows = Array.from({ length: 96 }, (_, t) => Float32Array.from(t === 0
    ? [10, 0.25, -1000, 1000, 0.5625, 0.4375, 20]
    : [10 + t / 8, 0, 0, 0, 0.5, 0.5, 20]));
  const q = prepareInput(modelWith(0.125, 5), norm, rows);
  assert.equal(q.length, 7 * 96);
  // channel 0, hour t: z = (t - 95)/16, z/scale = (t - 95)/2: ties away from zero (t = 94 -> -1, t = 92 -> -2)
  for (let t = 1; t < 96; t++) assert.equal(q[t], -Math.floor((95 - t) / 2 + 0.5) + 5, `hour ${t}`);
  assert.equal(q[95], 5, 'the last hour maps to the zero point');
  assert.equal(q[96], 7, 'z = 0.25 -> 2 (+5)');
  assert.equal(q[2 * 96], -128, 'clamped low');
  assert.equal(q[3 * 96], 127, 'clamped high');
  assert.equal(q[4 * 96], 6, '+0.5 rounds up');
  assert.equal(q[5 * 96], 4, '-0.5 rounds down');
  assert.equal(q[6 * 96 + 50], 5, 'no change maps to the zero point');
  const flat = new Float32Array(96 * 7);
  rows.forEach((r, t) => flat.set(r, t * 7));
  assert.deepEqual(prepareInput(modelWith(0.125, 5), norm, flat), q, 'flat time-major input gives the same result');
});

test('prepareInput rejects a window of the wrong length', () => {
  const norm = { mean: new Array(7).fill(0), std: new Array(7).fill(1) };
  assert.throws(() => prepareInput(modelWith(0.1, 0), norm, new Float32Array(95 * 7)), (e: unknown) => e instanceof InputError && /96 rows of 7/.test(e.message));
  assert.throws(() => prepareInput(modelWith(0.1, 0, [7, 336]), norm, new Float32Array(96 * 7)), (e: unknown) => e instanceof InputError && /336 rows of 7/.test(e.message));
  assert.throws(() => prepareInput(modelWith(0.1, 0, [96, 7]), norm, new Float32Array(96 * 7)), (e: unknown) => e instanceof InputError && e.code === 'E_MODEL');
});

test('prepareInput takes the window length from the model input [7, L] (the board model: L 336)', () => {
  assert.equal(BOARD_CONFIG.window, 336);
  const norm = { mean: new Array(7).fill(0), std: new Array(7).fill(1) };
  const flat = new Float32Array(336 * 7);
  for (let t = 0; t < 336; t++) flat[t * 7] = t - 335; // channel 0 rises to 0 at the last hour
  const q = prepareInput(modelWith(1, 0, [7, 336]), norm, flat);
  assert.equal(q.length, 7 * 336);
  assert.deepEqual([q[0], q[335 - 100], q[335], q[336]], [-128, -100, 0, 0]);
});

test('gatherWindows: node-major inputs and OT targets of the next 24 hours, relative to the last row', () => {
  const rows = 200;
  const z = new Float32Array(rows * 7);
  for (let t = 0; t < rows; t++) for (let c = 0; c < 7; c++) z[t * 7 + c] = t * 10 + c;
  const b = gatherWindows(z, [3, 50], layout({ ...BOARD_CONFIG, window: 96 }));
  assert.equal(b.size, 2);
  assert.equal(b.x[2 * 96 + 5], (8 - 98) * 10, 'window 0, channel 2, hour 5 = row 8 minus row 98');
  assert.equal(b.x[672 + 6 * 96 + 95], 0, 'window 1, OT, last hour = itself');
  assert.equal(b.x[672 + 6 * 96], (50 - 145) * 10, 'window 1, OT, first hour = row 50 minus row 145');
  assert.equal(b.y[0], 10, 'first target = OT at row 3+96 minus OT at row 98');
  assert.equal(b.y[24 + 23], (169 - 145) * 10);
});
