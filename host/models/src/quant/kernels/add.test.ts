// ADD int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/add_test.cc), the same as firmware/assembly/kernels/add.spec.ts;
// the int8 tests there compare exactly (tolerance 1e-5), and so do these.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import { prepareInt8 } from '../executor.ts';
import type { QActivation } from '@dendra/core/tflite/ir.ts';
import { binaryModel, quantizeI8, runBoth } from './golden_helpers.ts';

function checkAdd(act: QActivation, sh1: number[], v1: number[], s1: number, z1: number, sh2: number[], v2: number[], s2: number, z2: number,
  shOut: number[], golden: number[], so: number, zo: number): void {
  const m = binaryModel('ADD', act, sh1, s1, z1, sh2, quantizeI8(v2, s2, z2), s2, z2, shOut, so, zo);
  assert.deepEqual(runBoth(m, quantizeI8(v1, s1, z1)), quantizeI8(golden, so, zo));
}

const IN1_6 = [-2.0, 0.2, 0.7, 0.8, 1.1, 2.0];
const SHAPES_6 = [[6], [2, 3], [2, 1, 3], [1, 3, 1, 2]];
const BC_IN1 = [-0.3, 2.3, 0.9, 0.5, 0.8, -1.1, 1.2, 2.8, -1.6, 0.0, 0.7, -2.2];
const BC_IN2 = [0.2, 0.3, -0.4, 0.5, 1.0, 0.9];
const BC_IN2_SHAPES = [[1, 1, 3, 2], [1, 3, 1, 2], [2, 1, 3, 1], [2, 3, 1, 1]];
const BC_OUT_SHAPES = [[2, 3, 3, 2], [2, 3, 1, 2], [2, 3, 3, 2], [2, 3, 1, 2]];
const BC_GOLDENS = [
  [-0.1, 2.6, -0.7, 2.8, 0.7, 3.2, 1.1, 0.8, 0.5, 1.0, 1.9, 1.4,
    1.0, -0.8, 0.4, -0.6, 1.8, -0.2, 1.4, 3.1, 0.8, 3.3, 2.2, 3.7,
    -1.4, 0.3, -2.0, 0.5, -0.6, 0.9, 0.9, -1.9, 0.3, -1.7, 1.7, -1.3],
  [-0.1, 2.6, 0.5, 1.0, 1.8, -0.2, 1.4, 3.1, -2.0, 0.5, 1.7, -1.3],
  [-0.1, 2.5, 0.0, 2.6, -0.7, 1.9, 1.1, 0.7, 1.2, 0.8, 0.5, 0.1,
    1.0, -0.9, 1.1, -0.8, 0.4, -1.5, 1.7, 3.3, 2.2, 3.8, 2.1, 3.7,
    -1.1, 0.5, -0.6, 1.0, -0.7, 0.9, 1.2, -1.7, 1.7, -1.2, 1.6, -1.3],
  [-0.1, 2.5, 1.2, 0.8, 0.4, -1.5, 1.7, 3.3, -0.6, 1.0, 1.6, -1.3],
];

test('ADD add_test.cc QuantizedAddNoActivationInt8: [1,2,2,1], scales 0.25/0.5/1.0, zps -10/4/13', () => {
  checkAdd('NONE', [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10, [1, 2, 2, 1], [1.01, 1.99, 2.99, 4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 3, 5], 1.0, 13);
});

test('ADD add_test.cc QuantizedAddActivationRelu1Int8: RELU_N1_TO_1 -> {-1,1,1,1}', () => {
  checkAdd('RELU_N1_TO_1', [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10, [1, 2, 2, 1], [1.01, 1.99, 2.99, 4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 1, 1], 1.0, 13);
});

test('ADD add_test.cc QuantizedAddVariousInputShapesInt8: [6], [2,3], [2,1,3], [1,3,1,2]', () => {
  for (const sh of SHAPES_6) checkAdd('NONE', sh, IN1_6, 0.1, -9, sh, [0.1, 0.2, 0.3, 0.5, 1.1, 0.1], 0.05, 5, sh, [-1.9, 0.4, 1.0, 1.3, 2.2, 2.1], 0.1, 14);
});

test('ADD add_test.cc QuantizedAddWithScalarBroadcastInt8: the four shapes + rank-0 scalar 0.1', () => {
  for (const sh of SHAPES_6) checkAdd('NONE', sh, IN1_6, 0.1, -8, [], [0.1], 0.05, 4, sh, [-1.9, 0.3, 0.8, 0.9, 1.2, 2.1], 0.05, 12);
});

test('ADD add_test.cc QuantizedAddWithMixedBroadcastInt8: [2,3,1,2] + four broadcast shapes', () => {
  BC_IN2_SHAPES.forEach((sh2, i) => checkAdd('NONE', [2, 3, 1, 2], BC_IN1, 0.1, -10, sh2, BC_IN2, 0.05, -5, BC_OUT_SHAPES[i], BC_GOLDENS[i], 0.1, 7));
});

test('ADD exact: RELU clamps at zp, RELU6 at zp + round(6 / scale)', () => {
  const c = quantizeI8([-3.0, 6.0], 0.5, 0);
  assert.deepEqual(runBoth(binaryModel('ADD', 'RELU', [2], 0.5, 0, [2], c, 0.5, 0, [2], 0.5, -10), Int8Array.from([2, 4])), Int8Array.from([-10, 6]));
  assert.deepEqual(runBoth(binaryModel('ADD', 'RELU6', [2], 0.5, 0, [2], c, 0.5, 0, [2], 0.5, -10), Int8Array.from([2, 4])), Int8Array.from([-10, 2]));
});

test('ADD refusals: shapes that do not broadcast, output multiplier >= 1', () => {
  const c = Int8Array.from([1, 2]);
  assert.throws(() => prepareInt8(binaryModel('ADD', 'NONE', [2, 3], 1, 0, [2], c, 1, 0, [2, 3], 1, 0)), InputError);
  assert.throws(() => prepareInt8(binaryModel('ADD', 'NONE', [2], 1, 0, [2], c, 1, 0, [2], 1e-7, 0)), InputError);
});
