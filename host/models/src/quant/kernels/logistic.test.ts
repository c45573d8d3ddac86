// LOGISTIC int8 (TFLite Micro integer reference). Goldens from TensorFlow Lite Micro
// (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/logistic_test.cc,
// LogisticQuantizedInt8BasicShouldMatchGolden / LogisticQuantizedInt8WideRangeShouldMatchGolden:
// output scale 1/255 zp -128, tolerance 1), the same as firmware/assembly/kernels/logistic.spec.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '@dendra/core/errors.ts';
import { prepareInt8 } from '../executor.ts';
import { logisticQ4 } from './logistic.ts';
import { maxAbsDiff, quantizeI8, runBoth, unaryModel } from './golden_helpers.ts';

const OUT_SCALE = Math.fround(1 / 255);

test('LOGISTIC logistic_test.cc LogisticQuantizedInt8BasicShouldMatchGolden: [2,5], input 0.1', () => {
  const golden = [0.73105858, 0.88079708, 0.95257413, 0.98201379, 0.99330715, 0.26894142, 0.11920292, 0.04742587, 0.01798621, 0.00669285];
  const out = runBoth(unaryModel('LOGISTIC', [2, 5], 0.1, 0, OUT_SCALE, -128), quantizeI8([1, 2, 3, 4, 5, -1, -2, -3, -4, -5], 0.1, 0));
  assert.ok(maxAbsDiff(out, quantizeI8(golden, OUT_SCALE, -128)) <= 1);
});

test('LOGISTIC logistic_test.cc LogisticQuantizedInt8WideRangeShouldMatchGolden: [2,5], input 1.0, +-93', () => {
  const golden = [0.73105858, 0.88079708, 0.95257413, 0.98201379, 1.0, 0.26894142, 0.11920292, 0.04742587, 0.01798621, 0.0];
  const out = runBoth(unaryModel('LOGISTIC', [2, 5], 1.0, 0, OUT_SCALE, -128), quantizeI8([1, 2, 3, 4, 93, -1, -2, -3, -4, -93], 1.0, 0));
  assert.ok(maxAbsDiff(out, quantizeI8(golden, OUT_SCALE, -128)) <= 1);
});

test('LOGISTIC exact: 0 -> 0, radius 7 at scale 1 saturates; logistic(x) + logistic(-x) = INT32_MAX', () => {
  assert.deepEqual(runBoth(unaryModel('LOGISTIC', [4], 1, 0, 1 / 256, -128), Int8Array.from([0, 7, -7, 6])), Int8Array.from([0, 127, -128, 127]));
  assert.equal(logisticQ4(3 << 26) + logisticQ4(-(3 << 26)), 2147483647);
});

test('LOGISTIC refusals: output zero point 0, output scale 1/128', () => {
  assert.throws(() => prepareInt8(unaryModel('LOGISTIC', [4], 0.1, 0, OUT_SCALE, 0)), InputError);
  assert.throws(() => prepareInt8(unaryModel('LOGISTIC', [4], 0.1, 0, 1 / 128, -128)), InputError);
});
