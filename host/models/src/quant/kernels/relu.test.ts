// RELU / RELU6 int8. Goldens from TensorFlow Lite Micro (tensorflow/tflite-micro,
// tensorflow/lite/micro/kernels/activations_test.cc, SimpleReluTestInt8 / SimpleRelu6TestInt8,
// exact), the same as firmware/assembly/kernels/relu.spec.ts (all ten values as [2,5]; TFLM's
// shape {2, 1, 5} compares the first five).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeI8, runBoth, unaryModel } from './golden_helpers.ts';


test('RELU activations_test.cc SimpleReluTestInt8: [2,5], scale 0.5 zp 0', () => {
  const out = runBoth(unaryModel('RELU', [2, 5], 0.5, 0, 0.5, 0), quantizeI8([1, 2, 3, 4, 5, -1, -2, -3, -4, -5], 0.5, 0));
  assert.deepEqual(out, quantizeI8([1, 2, 3, 4, 5, 0, 0, 0, 0, 0], 0.5, 0));
});

test('RELU6 activations_test.cc SimpleRelu6TestInt8: [2,5], scale 0.5 zp 127 (all 127)', () => {
  const out = runBoth(unaryModel('RELU6', [2, 5], 0.5, 127, 0.5, 127), quantizeI8([4, 5, 6, 7, 8, -1, -2, -3, -4, -5], 0.5, 127));
  assert.deepEqual(out, quantizeI8([4, 5, 6, 6, 6, 0, 0, 0, 0, 0], 0.5, 127));
});

test('RELU6 exact at scale 0.5 zp 0; RELU and RELU6 requantize to another scale', () => {
  assert.deepEqual(runBoth(unaryModel('RELU6', [10], 0.5, 0, 0.5, 0), Int8Array.from([8, 10, 12, 14, 16, -2, -4, -6, -8, -10])), Int8Array.from([8, 10, 12, 12, 12, 0, 0, 0, 0, 0]));
  assert.deepEqual(runBoth(unaryModel('RELU', [4], 0.5, -10, 0.25, -128), Int8Array.from([-20, -10, 0, 40])), Int8Array.from([-128, -128, -108, -28]));
  assert.deepEqual(runBoth(unaryModel('RELU6', [3], 0.1, 0, 6 / 255, -128), Int8Array.from([20, 70, -5])), Int8Array.from([-43, 127, -128]));
});
