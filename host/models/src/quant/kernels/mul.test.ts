// MUL int8 golden vectors from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/mul_test.cc), the same as firmware/assembly/kernels/mul.spec.ts;
// tolerance 1 as there, plus the exact outputs worked out in the firmware spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import { prepareInt8 } from '../executor.ts';
import { binaryModel, maxAbsDiff, quantizeI8, runBoth } from './golden_helpers.ts';

test('MUL mul_test.cc SimpleInt8NoAcativationShouldMatchGolden: [1,2,2,1], scales 0.01 zp 0', () => {
  const m = binaryModel('MUL', 'NONE', [1, 2, 2, 1], 0.01, 0, [1, 2, 2, 1], quantizeI8([0.6, 0.4, 0.9, 0.8], 0.01, 0), 0.01, 0, [1, 2, 2, 1], 0.01, 0);
  const out = runBoth(m, quantizeI8([-0.8, 0.2, 0.9, 0.7], 0.01, 0));
  assert.ok(maxAbsDiff(out, quantizeI8([-0.48, 0.08, 0.81, 0.56], 0.01, 0)) <= 1);
  assert.deepEqual(out, Int8Array.from([-48, 8, 81, 56]));
});

test('MUL mul_test.cc BroadcastInt8NoAcativationShouldMatchGolden: [1,3,1,2] x [1]; inputs 0.05, output 0.01', () => {
  const m = binaryModel('MUL', 'NONE', [1, 3, 1, 2], 0.05, 0, [1], quantizeI8([0.1], 0.05, 0), 0.05, 0, [1, 3, 1, 2], 0.01, 0);
  const out = runBoth(m, quantizeI8([-2.0, 0.2, 0.7, 0.8, 1.1, 2.0], 0.05, 0));
  assert.ok(maxAbsDiff(out, quantizeI8([-0.2, 0.02, 0.07, 0.08, 0.11, 0.2], 0.01, 0)) <= 1);
});

test('MUL exact: RELU; last-dim broadcast with zero points; broadcast in both operands', () => {
  assert.deepEqual(runBoth(binaryModel('MUL', 'RELU', [3], 1, 0, [3], Int8Array.from([4, 4, 20]), 1, 0, [3], 1, 0), Int8Array.from([3, -3, 20])), Int8Array.from([12, 0, 127]));
  const m = binaryModel('MUL', 'NONE', [2, 3], 0.5, 1, [3], Int8Array.from([0, 1, 2]), 0.5, -2, [2, 3], 0.25, 0);
  assert.deepEqual(runBoth(m, Int8Array.from([1, 2, 3, 4, 5, 6])), Int8Array.from([0, 3, 8, 6, 12, 20]));
  const b = binaryModel('MUL', 'NONE', [2, 1], 1, 0, [1, 3], Int8Array.from([1, 2, 3]), 1, 0, [2, 3], 1, 0);
  assert.deepEqual(runBoth(b, Int8Array.from([2, -5])), Int8Array.from([2, 4, 6, -5, -10, -15]));
});

test('MUL refusal: [2,3] x [2] does not broadcast', () => {
  assert.throws(() => prepareInt8(binaryModel('MUL', 'NONE', [2, 3], 1, 0, [2], Int8Array.from([1, 2]), 1, 0, [2, 3], 1, 0)), InputError);
});
