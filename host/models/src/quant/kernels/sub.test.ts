// SUB int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/sub_test.cc), the same as firmware/assembly/kernels/sub.spec.ts;
// exact comparison, as there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QActivation } from '@dendra/core/tflite/ir.ts';
import { binaryModel, quantizeI8, runBoth } from './golden_helpers.ts';

function checkSub(act: QActivation, sh1: number[], v1: number[], s1: number, z1: number, sh2: number[], v2: number[], s2: number, z2: number,
  shOut: number[], golden: number[], so: number, zo: number): void {
  const m = binaryModel('SUB', act, sh1, s1, z1, sh2, quantizeI8(v2, s2, z2), s2, z2, shOut, so, zo);
  assert.deepEqual(runBoth(m, quantizeI8(v1, s1, z1)), quantizeI8(golden, so, zo));
}

const IN1_6 = [-2.0, 0.2, 0.7, 0.8, 1.1, 2.0];
const SHAPES_6 = [[6], [2, 3], [2, 1, 3], [1, 3, 1, 2]];

test('SUB sub_test.cc QuantizedSubNoActivationInt8: [1,2,2,1], scales 0.25/0.5/1.0, zps -10/4/13', () => {
  checkSub('NONE', [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10, [1, 2, 2, 1], [-1.01, -1.99, -2.99, -4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 3, 5], 1.0, 13);
});

test('SUB sub_test.cc QuantizedSubActivationRelu1Int8: RELU_N1_TO_1 -> {-1,1,1,1}', () => {
  checkSub('RELU_N1_TO_1', [1, 2, 2, 1], [-2.01, -1.01, -0.01, 0.98], 0.25, -10, [1, 2, 2, 1], [-1.01, -1.99, -2.99, -4.02], 0.5, 4, [1, 2, 2, 1], [-1, 1, 1, 1], 1.0, 13);
});

test('SUB sub_test.cc QuantizedSubVariousInputShapesInt8: [6], [2,3], [2,1,3], [1,3,1,2]', () => {
  for (const sh of SHAPES_6) checkSub('NONE', sh, IN1_6, 0.1, -9, sh, [-0.1, -0.2, -0.3, -0.5, -1.1, -0.1], 0.05, 5, sh, [-1.9, 0.4, 1.0, 1.3, 2.2, 2.1], 0.1, 14);
});

test('SUB sub_test.cc QuantizedSubWithScalarBroadcastInt8: the four shapes - rank-0 scalar -0.1', () => {
  for (const sh of SHAPES_6) checkSub('NONE', sh, IN1_6, 0.1, -8, [], [-0.1], 0.05, 4, sh, [-1.9, 0.3, 0.8, 0.9, 1.2, 2.1], 0.05, 12);
});

test('SUB exact: scales 1, zps 0: {5, -100, 100} - {7, 100, -100} = {-2, -128, 127}', () => {
  const m = binaryModel('SUB', 'NONE', [3], 1, 0, [3], Int8Array.from([7, 100, -100]), 1, 0, [3], 1, 0);
  assert.deepEqual(runBoth(m, Int8Array.from([5, -100, 100])), Int8Array.from([-2, -128, 127]));
});
