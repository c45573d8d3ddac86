/**
 * Test-only helpers for the elementwise kernel tests (imported by *.test.ts only): TFLite Micro's
 * test quantization and one-op QModels, run both directly and through writeTflite/readTflite.
 */
import type { QActivation, QModel, QOpCode, QTensor } from '@dendra/core/tflite/ir.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { runInt8 } from '../executor.ts';
import { roundHalfAway } from '../fixedpoint.ts';

/** TFLite Micro's FloatToQuantizedType: round(f32(v) / f32(scale)) + zp, clamped to int8. */
export function quantizeI8(v: readonly number[], scale: number, zp: number): Int8Array {
  return Int8Array.from(v, (x) => Math.max(-128, Math.min(127, roundHalfAway(Math.fround(Math.fround(x) / Math.fround(scale))) + zp)));
}

const t = (name: string, shape: number[], scale: number, zp: number, data?: Int8Array): QTensor => ({
  name, type: 'int8', shape, quant: { scale: [scale], zeroPoint: [zp], axis: 0 }, ...(data ? { data } : {}),
});

/** One-op binary model: x (graph input, shape1) op constant c (shape2, int8 values) -> y. */
export function binaryModel(
  op: QOpCode, activation: QActivation,
  shape1: number[], s1: number, z1: number, shape2: number[], c: Int8Array, s2: number, z2: number,
  outShape: number[], so: number, zo: number,
): QModel {
  return {
    description: '', metadata: {}, inputs: [0], outputs: [2],
    tensors: [t('x', shape1, s1, z1), t('c', shape2, s2, z2, c), t('y', outShape, so, zo)],
    ops: [{ op, inputs: [0, 1], outputs: [2], options: { activation } }],
  };
}

/** One-op unary model x -> y of the same shape. */
export function unaryModel(op: QOpCode, shape: number[], si: number, zi: number, so: number, zo: number): QModel {
  return {
    description: '', metadata: {}, inputs: [0], outputs: [1],
    tensors: [t('x', shape, si, zi), t('y', shape, so, zo)],
    ops: [{ op, inputs: [0], outputs: [1], options: {} }],
  };
}

/** Runs `m` in memory and after a .tflite round trip; returns the in-memory output (both must agree). */
export function runBoth(m: QModel, input: Int8Array): Int8Array {
  const direct = runInt8(m, input);
  const viaFile = runInt8(readTflite(writeTflite(m)), input);
  if (direct.some((v, i) => v !== viaFile[i])) throw new Error('in-memory and round-tripped models disagree');
  return direct;
}

/** Largest |a[i] - b[i]| (Infinity when the lengths differ). */
export function maxAbsDiff(a: Int8Array, b: Int8Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
