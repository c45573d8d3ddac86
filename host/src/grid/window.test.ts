import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QModel } from '../tflite/ir.ts';
import { InputError } from '../errors.ts';
import { gatherWindows, prepareInput, roundHalfAway } from './window.ts';

/** A model stub with only what prepareInput reads: the input tensor's quantization. */
const modelWith = (scale: number, zp: number): QModel => ({
  description: '', tensors: [{ name: 'X', type: 'int8', shape: [7, 96], quant: { scale: [scale], zeroPoint: [zp], axis: 0 } }],
  ops: [], inputs: [0], outputs: [0], metadata: {},
});

test('roundHalfAway rounds ties away from zero', () => {
  assert.deepEqual([2.5, -2.5, 0.5, -0.5, 1.4999, -1.5001].map(roundHalfAway), [3, -3, 1, -1, 1, -2]);
});

test('prepareInput: z = (x - mean)/std, q = roundHalfAway(z/scale) + zp, clamped, node-major', () => {
  const norm = { mean: [10, 0, 0, 0, 0, 0, 20], std: [2, 1, 1, 1, 1, 1, 4] };
  const rows = Array.from({ length: 96 }, (_, t) => Float32Array.from([10 + t / 8, 0.25, -1000, 1000, 0.0625, -0.0625, 20]));
  const q = prepareInput(modelWith(0.125, 5), norm, rows);
  assert.equal(q.length, 7 * 96);
  // channel 0, hour t: z = t/16, z/scale = t/2: ties round away from zero (t = 1 -> 1, t = 3 -> 2)
  for (let t = 0; t < 96; t++) assert.equal(q[t], Math.floor(t / 2 + 0.5) + 5);
  assert.equal(q[96], 7, 'z = 0.25 -> 2 (+5)');
  assert.equal(q[2 * 96], -128, 'clamped low');
  assert.equal(q[3 * 96 + 95], 127, 'clamped high');
  assert.equal(q[4 * 96], 6, '0.5 rounds up');
  assert.equal(q[5 * 96], 4, '-0.5 rounds down');
  assert.equal(q[6 * 96 + 50], 5, 'mean maps to the zero point');
  const flat = new Float32Array(96 * 7);
  rows.forEach((r, t) => flat.set(r, t * 7));
  assert.deepEqual(prepareInput(modelWith(0.125, 5), norm, flat), q, 'flat time-major input gives the same result');
});

test('prepareInput rejects a window of the wrong length', () => {
  const norm = { mean: new Array(7).fill(0), std: new Array(7).fill(1) };
  assert.throws(() => prepareInput(modelWith(0.1, 0), norm, new Float32Array(95 * 7)), (e: unknown) => e instanceof InputError && /96 rows of 7/.test(e.message));
});

test('gatherWindows: inputs node-major from time-major rows, targets = OT of the next 24 hours', () => {
  const rows = 200;
  const z = new Float32Array(rows * 7);
  for (let t = 0; t < rows; t++) for (let c = 0; c < 7; c++) z[t * 7 + c] = t * 10 + c;
  const b = gatherWindows(z, [3, 50]);
  assert.equal(b.size, 2);
  assert.equal(b.x[2 * 96 + 5], 8 * 10 + 2, 'window 0, channel 2, hour 5 = row 8');
  assert.equal(b.x[672 + 6 * 96 + 95], 145 * 10 + 6, 'window 1, OT, last hour = row 145');
  assert.equal(b.y[0], 99 * 10 + 6, 'first target = OT at row 3+96');
  assert.equal(b.y[24 + 23], 169 * 10 + 6);
});
