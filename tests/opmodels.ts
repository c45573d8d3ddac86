/**
 * Shared builders for the one-op model tests (ops-parity, oracle-ops, elementwise-parity,
 * multiplier): a seeded stream, random int8 data and shapes, int8/int32 tensors, a one-op QModel,
 * and the random CONCATENATION case both parity suites run.
 */
import type { QModel, QOp, QTensor } from '../host/src/tflite/ir.ts';

/** xorshift32 stream in [0, 1) (the test suites' seeded data; seed 0 acts as 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Uniform integer in [lo, hi]. */
export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
/** Number of elements of a shape. */
export const count = (shape: number[]): number => shape.reduce((a, d) => a * d, 1);
/** `n` random int8 values. */
export const randI8 = (r: () => number, n: number): Int8Array => Int8Array.from({ length: n }, () => int(r, -128, 127));
/** A random shape of `rank` dimensions, each in [1, max]. */
export const randShape = (r: () => number, rank: number, max = 5): number[] => Array.from({ length: rank }, () => int(r, 1, max));

/** An int8 per-tensor tensor (scale stored as f32, as a .tflite holds it); constant when `data` is given. */
export const q8 = (name: string, shape: number[], scale: number, zp: number, data?: Int8Array): QTensor => ({
  name, type: 'int8', shape, quant: { scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 }, ...(data ? { data } : {}),
});
/** A constant int32 tensor. */
export const i32 = (name: string, shape: number[], data: number[]): QTensor => ({ name, type: 'int32', shape, data: Int32Array.from(data) });

/** A one-op model: input tensor 0, output the op's first output. */
export function model(tensors: QTensor[], op: QOp, description = ''): QModel {
  return { description, metadata: {}, tensors, ops: [op], inputs: [0], outputs: [op.outputs[0]] };
}

/** The bytes of a typed array view. */
export const bytesOf = (a: Int8Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * A random CONCATENATION model: 1..maxInputs inputs of one quantization (input 0 computed, the
 * rest constant), a random axis given positive or negative, each dimension in [1, maxDim].
 */
export function randomConcatModel(r: () => number, maxInputs: number, maxDim: number, description = ''): QModel {
  const rank = int(r, 1, 4);
  const base = randShape(r, rank, maxDim);
  const axis = int(r, 0, rank - 1);
  const n = int(r, 1, maxInputs);
  const scale = 0.01 + r() * 0.5;
  const zp = int(r, -128, 127);
  const tensors: QTensor[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = base.slice();
    s[axis] = int(r, 1, 4);
    sum += s[axis];
    tensors.push(q8(`x${i}`, s, scale, zp, i === 0 ? undefined : randI8(r, count(s))));
  }
  const os = base.slice();
  os[axis] = sum;
  tensors.push(q8('y', os, scale, zp));
  return model(tensors, { op: 'CONCATENATION', inputs: tensors.slice(0, n).map((_, i) => i), outputs: [n], options: { axis: r() < 0.5 ? axis : axis - rank } }, description);
}
