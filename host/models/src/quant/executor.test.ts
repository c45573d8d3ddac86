// Golden vectors for the int8 reference executor, op by op. Where the numbers come from TFLite
// Micro's kernel tests the file is named; quantization there uses q = round(v / scale) + zp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareInt8, runInt8 } from './executor.ts';
import type { QActivation, QModel, QParams, QTensor } from '@dendra/core/tflite/ir.ts';
import { InputError } from '@dendra/core/errors.ts';
import { miniGridModel, xorshift, randomInt8 } from '@dendra/core/tflite/fixtures.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { fcMultipliers } from './kernels/fully_connected.ts';
import { quantizeMultiplier } from './fixedpoint.ts';

const q = (scale: number, zp: number): QParams => ({ scale: [scale], zeroPoint: [zp], axis: 0 });
const quantize = (v: readonly number[], scale: number, zp: number) => Int8Array.from(v, (x) => Math.max(-128, Math.min(127, Math.round(x / scale) + zp)));

/** One-op FC model: X [b, inC] -> Y [b, outC]. */
function fc(x: QTensor, w: QTensor, bias: QTensor | null, y: QTensor, activation: QActivation): QModel {
  const tensors = bias ? [x, w, bias, y] : [x, w, y];
  return {
    description: '', tensors, inputs: [0], outputs: [tensors.length - 1], metadata: {},
    ops: [{ op: 'FULLY_CONNECTED', inputs: bias ? [0, 1, 2] : [0, 1, -1], outputs: [tensors.length - 1], options: { activation } }],
  };
}

// tensorflow/lite/micro/kernels/fully_connected_test.cc, simple_* data.
const SIMPLE_INPUT = [1, 2, 3, 4, 5, 6, 7, 8, -9, -10, 1, 2, 3, 4, 5, 6, 7, -8, 9, -10];
const SIMPLE_WEIGHTS = [...Array(3)].flatMap(() => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

test('FC [2,10]x[3,10] int8 per-tensor: TFLM fully_connected_test.cc SimpleTestQuantizedInt8', () => {
  const m = fc(
    { name: 'x', type: 'int8', shape: [2, 10], quant: q(1, -1) },
    { name: 'w', type: 'int8', shape: [3, 10], quant: q(1, 0), data: quantize(SIMPLE_WEIGHTS, 1, 0) },
    { name: 'b', type: 'int32', shape: [3], quant: q(1, 0), data: Int32Array.from([1, 2, 3]) },
    { name: 'y', type: 'int8', shape: [2, 3], quant: q(0.5, -1) }, 'NONE');
  // golden {24, 25, 26, 58, 59, 60} quantized with scale 0.5, zp -1 (tolerance 0 in the source).
  assert.deepEqual(runInt8(m, quantize(SIMPLE_INPUT, 1, -1)), quantize([24, 25, 26, 58, 59, 60], 0.5, -1));
});

test('FC [2,10]x[3,10] int8 RELU: TFLM fully_connected_test.cc SimpleTestQuantizedInt8Relu', () => {
  const w = [...Array(3)].flatMap((_, u) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => (u === 1 ? -v : v)));
  const m = fc(
    { name: 'x', type: 'int8', shape: [2, 10], quant: q(1, -1) },
    { name: 'w', type: 'int8', shape: [3, 10], quant: q(1, 0), data: quantize(w, 1, 0) },
    { name: 'b', type: 'int32', shape: [3], quant: q(1, 0), data: Int32Array.from([1, -2, 3]) },
    { name: 'y', type: 'int8', shape: [2, 3], quant: q(0.5, -128) }, 'RELU');
  assert.deepEqual(runInt8(m, quantize(SIMPLE_INPUT, 1, -1)), quantize([24, 0, 26, 58, 0, 60], 0.5, -128));
});

test('FC [1,2]x[2,2] per-channel scales [1, 0.5]: channel 1 rounds 2.5 -> 3 and -2.5 -> -2', () => {
  const m = fc(
    { name: 'x', type: 'int8', shape: [1, 2], quant: q(1, 0) },
    { name: 'w', type: 'int8', shape: [2, 2], quant: { scale: [1, 0.5], zeroPoint: [0, 0], axis: 0 }, data: Int8Array.from([1, 1, 1, 2]) },
    { name: 'b', type: 'int32', shape: [2], quant: { scale: [1, 0.5], zeroPoint: [0, 0], axis: 0 }, data: Int32Array.from([0, 0]) },
    { name: 'y', type: 'int8', shape: [1, 2], quant: q(1, 0) }, 'NONE');
  // ch0: 1+2 = 3 (x1); ch1: 1+4 = 5 (x0.5 = 2.5 -> 3, SaturatingRoundingDoublingHighMul nudges ties up).
  assert.deepEqual(runInt8(m, Int8Array.from([1, 2])), Int8Array.from([3, 3]));
  assert.deepEqual(runInt8(m, Int8Array.from([-1, -2])), Int8Array.from([-3, -2]));
});

test('FC [1,3]x[1,3] RELU6: output clamps to zp + round(6 / scale) and no bias input', () => {
  const m = fc(
    { name: 'x', type: 'int8', shape: [1, 3], quant: q(1, 0) },
    { name: 'w', type: 'int8', shape: [1, 3], quant: q(1, 0), data: Int8Array.from([1, 1, 1]) },
    null,
    { name: 'y', type: 'int8', shape: [1, 1], quant: q(0.25, -100) }, 'RELU6');
  assert.deepEqual(runInt8(m, Int8Array.from([1, 0, 0])), Int8Array.from([-96])); // 1 / 0.25 - 100
  assert.deepEqual(runInt8(m, Int8Array.from([5, 5, 5])), Int8Array.from([-76])); // 15 -> clamp 6 -> 24 - 100
  assert.deepEqual(runInt8(m, Int8Array.from([-5, 0, 0])), Int8Array.from([-100])); // relu floor = zp
});

test('BMM [2,10]x[10,3] int8: TFLM batch_matmul_test.cc QuantizedBatchMatMulOpTestSimpleTestQuantizedInt8', () => {
  const rhs = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10];
  // Ranges [-63.5, 64] -> scale 0.5, zp -1; output [-127, 128] -> scale 1, zp -1 (ScaleFromMinMax/ZeroPointFromMinMax).
  const m: QModel = {
    description: '', metadata: {}, inputs: [0], outputs: [2],
    tensors: [
      { name: 'lhs', type: 'int8', shape: [2, 10], quant: q(0.5, -1) },
      { name: 'rhs', type: 'int8', shape: [10, 3], quant: q(0.5, -1), data: quantize(rhs, 0.5, -1) },
      { name: 'y', type: 'int8', shape: [2, 3], quant: q(1, -1) },
    ],
    ops: [{ op: 'BATCH_MATMUL', inputs: [0, 1], outputs: [2], options: { adjX: false, adjY: false } }],
  };
  assert.deepEqual(runInt8(m, quantize(SIMPLE_INPUT, 0.5, -1)), Int8Array.from([22, 22, 22, 56, 56, 56]));
});

test('BMM [2,3]x[4,3]^T and [3,2]^T x[3,4] (adj_y, adj_x) equal the plain [2,3]x[3,4] product', () => {
  const lhs = Int8Array.from([1, 2, 3, 4, 5, 6]);
  const rhs = Int8Array.from({ length: 12 }, (_, i) => 7 + i); // [3,4]
  const t = (a: Int8Array, r: number, c: number) => Int8Array.from({ length: r * c }, (_, i) => a[(i % r) * c + Math.floor(i / r)]);
  const model = (ls: number[], rs: number[], rd: Int8Array, adjX: boolean, adjY: boolean): QModel => ({
    description: '', metadata: {}, inputs: [0], outputs: [2],
    tensors: [
      { name: 'l', type: 'int8', shape: ls, quant: q(1, 0) },
      { name: 'r', type: 'int8', shape: rs, quant: q(1, 0), data: rd },
      { name: 'y', type: 'int8', shape: [2, 4], quant: q(2, 0) },
    ],
    ops: [{ op: 'BATCH_MATMUL', inputs: [0, 1], outputs: [2], options: { adjX, adjY } }],
  });
  // TFLM batch_matmul_test.cc Float32Test_Simple: {74, 80, 86, 92, 173, 188, 203, 218}; here / 2 (output scale 2).
  const want = Int8Array.from([37, 40, 43, 46, 87, 94, 102, 109]); // 86.5 -> 87, 101.5 -> 102
  assert.deepEqual(runInt8(model([2, 3], [3, 4], rhs, false, false), lhs), want);
  assert.deepEqual(runInt8(model([2, 3], [4, 3], t(rhs, 3, 4), false, true), lhs), want);
  assert.deepEqual(runInt8(model([3, 2], [3, 4], rhs, true, false), t(lhs, 2, 3)), want);
});

test('SOFTMAX [1,5] int8 scale 0.1: TFLM softmax_test.cc Softmax1DQuantizedInt8 (tolerance 1) and exact values', () => {
  const m: QModel = {
    description: '', metadata: {}, inputs: [0], outputs: [1],
    tensors: [{ name: 'x', type: 'int8', shape: [1, 5], quant: q(0.1, 0) }, { name: 'p', type: 'int8', shape: [1, 5], quant: q(1 / 256, -128) }],
    ops: [{ op: 'SOFTMAX', inputs: [0], outputs: [1], options: { beta: 1 } }],
  };
  const out = runInt8(m, quantize([1, 2, 3, 4, 5], 0.1, 0));
  const golden = quantize([0.011656231, 0.031684921, 0.086128544, 0.234121657, 0.636408647], 1 / 256, -128);
  out.forEach((v, i) => assert.ok(Math.abs(v - golden[i]) <= 1, `element ${i}: ${v} vs ${golden[i]}`));
  assert.deepEqual(out, Int8Array.from([-125, -120, -106, -68, 35]));
  // All equal -> 1/7 each: 256/7 = 36.57 -> 37 - 128.
  const m7: QModel = { ...m, tensors: [{ ...m.tensors[0], shape: [1, 7] }, { ...m.tensors[1], shape: [1, 7] }] };
  assert.deepEqual(runInt8(m7, new Int8Array(7).fill(12)), new Int8Array(7).fill(-91));
});

test('RESHAPE [7,1] -> [1,7] copies bytes; executor validates inputs', () => {
  const m = miniGridModel({ perChannel: true, n: 7, l: 96, f: 16, h: 24 });
  const p = prepareInt8(m);
  assert.equal(p.inputSize, 7 * 96);
  assert.throws(() => runInt8(m, new Int8Array(5)), (e: unknown) => e instanceof InputError && e.code === 'E_DATA');
  const bad: QModel = { ...m, ops: m.ops.slice(1) };
  assert.throws(() => prepareInt8(bad), (e: unknown) => e instanceof InputError && e.code === 'E_MODEL' && /op 0 \(BATCH_MATMUL\) reads tensor/.test(e.message));
  const badSoftmax = readTflite(writeTflite(m));
  badSoftmax.tensors[badSoftmax.ops[4].outputs[0]].quant = q(0.01, 0);
  assert.throws(() => prepareInt8(badSoftmax), /op 4 \(SOFTMAX\): output .* scale 1\/256/);
});

test('grid-shaped model [7,96]->[1,24]: in-memory model == its written-and-read file, deterministic', () => {
  const m = miniGridModel({ perChannel: true, n: 7, l: 96, f: 16, h: 24, seed: 3 });
  const back = readTflite(writeTflite(m));
  const rnd = xorshift(8);
  for (let k = 0; k < 20; k++) {
    const x = randomInt8(rnd, 7 * 96);
    const y = runInt8(m, x);
    assert.equal(y.length, 24);
    assert.deepEqual(runInt8(back, x), y);
  }
});

test('multipliers: per-tensor FC and BMM use f32(in*w) as TFLite GetQuantizedConvolutionMultipler; per-channel f64', () => {
  // Scales whose f32 and f64 products give different quantized multipliers.
  const [a, b, c] = [Math.fround(0.0473), Math.fround(0.00391), Math.fround(0.0917)];
  const f32 = quantizeMultiplier(Math.fround(a * b) / c);
  const f64 = quantizeMultiplier((a * b) / c);
  assert.notDeepEqual(f32, f64);
  assert.deepEqual(fcMultipliers(a, [b], c, 2), [f32, f32]);
  assert.deepEqual(fcMultipliers(a, [b, b], c, 2), [f64, f64]);
});
