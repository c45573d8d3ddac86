/**
 * Shared builders for the one-op model tests (ops-parity, oracle-ops, elementwise-parity,
 * multiplier): a seeded stream, random int8 data and shapes, int8/int32 tensors, a one-op QModel,
 * and the random CONCATENATION case both parity suites run.
 */
import type { QModel, QOp, QTensor } from '@dendra/core/tflite/ir.ts';

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

/** A random one-op model and the element type of its input (for generating inputs). */
export interface OpCase { model: QModel; input: 'int8' | 'float32' }
/** Builds one random model of an op from a seeded stream (a new draw per call). */
export type OpBuilder = (r: () => number) => OpCase;

const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6'] as const;
const BROADCASTS: [number[], number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4], [2, 3, 4]], [[2, 3, 4], [4], [2, 3, 4]], [[2, 3, 4], [], [2, 3, 4]],
  [[2, 1, 4], [1, 3, 1], [2, 3, 4]], [[1, 2, 3, 2], [2, 1, 1, 2], [2, 2, 3, 2]],
];
const i8 = (m: QModel): OpCase => ({ model: m, input: 'int8' });
const scaleIn = (r: () => number, lo: number, hi: number) => lo + r() * (hi - lo);

function binary(op: 'ADD' | 'SUB' | 'MUL'): OpBuilder {
  return (r) => {
    const [sh1, sh2, shO] = BROADCASTS[int(r, 0, BROADCASTS.length - 1)];
    const s1 = scaleIn(r, 0.01, 0.21);
    const s2 = scaleIn(r, 0.01, 0.21);
    const so = op === 'MUL' ? s1 * s2 * (0.5 + r() * 20) : (s1 + s2) * (0.3 + r());
    return i8(model([q8('x', sh1, s1, int(r, -128, 127)), q8('c', sh2, s2, int(r, -128, 127), randI8(r, count(sh2))), q8('y', shO, so, int(r, -128, 127))],
      { op, inputs: [0, 1], outputs: [2], options: { activation: ACTIVATIONS[int(r, 0, 3)] } }));
  };
}

function unary(op: 'RELU' | 'RELU6' | 'LOGISTIC' | 'TANH'): OpBuilder {
  return (r) => {
    const si = op === 'LOGISTIC' || op === 'TANH' ? scaleIn(r, 0.005, 0.105) : scaleIn(r, 0.01, 0.21);
    const [so, zo] = op === 'LOGISTIC' ? [1 / 256, -128] : op === 'TANH' ? [1 / 128, 0] : [si * (0.3 + r() * 2), int(r, -128, 0)];
    const shape = randShape(r, 3, 8);
    return i8(model([q8('x', shape, si, int(r, -128, 127)), q8('y', shape, so, zo)], { op, inputs: [0], outputs: [1], options: {} }));
  };
}

function reduce(op: 'SUM' | 'MEAN', same: boolean): OpBuilder {
  return (r) => {
    const rank = int(r, 1, 4);
    const shape = randShape(r, rank);
    const axes = [...new Set(Array.from({ length: int(r, 1, rank) }, () => int(r, 0, rank - 1)))];
    const keepDims = r() < 0.5;
    const os = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    const n = axes.reduce((p, ax) => p * shape[ax], 1);
    const si = scaleIn(r, 0.01, 0.21);
    const zi = int(r, -128, 127);
    const [so, zo] = same ? [si, zi] : [si * (op === 'SUM' ? n : 1) * (0.3 + r() * 2), int(r, -128, 127)];
    return i8(model([q8('x', shape, si, zi), i32('axes', [axes.length], axes.map((ax) => (r() < 0.3 ? ax - rank : ax))), q8('y', os, so, zo)],
      { op, inputs: [0, 1], outputs: [2], options: { keepDims } }));
  };
}

function gather(r: () => number): OpCase {
  for (;;) {
    const rp = int(r, 1, 4);
    const ps = randShape(r, rp);
    const axis = int(r, 0, rp - 1);
    const bd = int(r, 0, Math.min(axis, 1));
    const is = [...ps.slice(0, bd), ...randShape(r, int(r, 0, Math.max(0, 4 - rp)), 4)];
    const os = [...ps.slice(0, axis), ...is.slice(bd), ...ps.slice(axis + 1)];
    if (os.length > 4 || count(os) === 0) continue;
    const idx = Array.from({ length: count(is) }, () => int(r, 0, ps[axis] - 1));
    const q = [scaleIn(r, 0.01, 0.3), int(r, -128, 127)] as const;
    return i8(model([q8('p', ps, ...q), i32('i', is, idx), q8('y', os, ...q)],
      { op: 'GATHER', inputs: [0, 1], outputs: [2], options: { axis: r() < 0.5 ? axis : axis - rp, batchDims: bd } }));
  }
}

/** Weights + bias of a random FC layer, per-channel (axis 0) or per-tensor. */
function fcWeights(r: () => number, outC: number, inC: number, inScale: number, perChannel: boolean): QTensor[] {
  const ws = Array.from({ length: perChannel ? outC : 1 }, () => Math.fround(scaleIn(r, 0.002, 0.02)));
  const bs = Array.from({ length: ws.length }, (_, c) => Math.fround(Math.fround(inScale) * ws[c]));
  return [
    { name: 'w', type: 'int8', shape: [outC, inC], data: randI8(r, outC * inC).map((v) => Math.max(-127, v)), quant: { scale: ws, zeroPoint: ws.map(() => 0), axis: 0 } },
    { name: 'b', type: 'int32', shape: [outC], data: Int32Array.from({ length: outC }, () => int(r, -3000, 3000)), quant: { scale: bs, zeroPoint: bs.map(() => 0), axis: 0 } },
  ];
}

function fullyConnected(perChannel: boolean): OpBuilder {
  return (r) => {
    const [batch, inC, outC] = [int(r, 1, 8), int(r, 1, 96), int(r, 1, 24)];
    const si = scaleIn(r, 0.01, 0.1);
    const act = (['NONE', 'RELU', 'RELU6'] as const)[int(r, 0, 2)];
    const yScale = si * 0.01 * Math.sqrt(inC) * (0.5 + r() * 4);
    return i8(model([q8('x', [batch, inC], si, int(r, -128, 127)), ...fcWeights(r, outC, inC, si, perChannel), q8('y', [batch, outC], yScale, int(r, -128, 127))],
      { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { activation: act, keepNumDims: false } }));
  };
}

function batchMatmul(r: () => number): OpCase {
  const [n, k, f] = [int(r, 1, 16), int(r, 1, 16), int(r, 1, 24)];
  const sh = scaleIn(r, 0.02, 0.07);
  const sa = scaleIn(r, 0.002, 0.02);
  return i8(model([q8('h', [k, f], sh, int(r, -40, 40)), q8('a', [n, k], sa, int(r, -5, 5), randI8(r, n * k)), q8('m', [n, f], sh * sa * Math.sqrt(k) * (20 + r() * 200), int(r, -30, 30))],
    { op: 'BATCH_MATMUL', inputs: [1, 0], outputs: [2], options: { adjX: false, adjY: false } }));
}

function softmax(r: () => number): OpCase {
  const shape = [int(r, 1, 4), int(r, 1, 16)];
  return i8(model([q8('s', shape, scaleIn(r, 0.01, 0.16), int(r, -128, 127)), q8('p', shape, 1 / 256, -128)], { op: 'SOFTMAX', inputs: [0], outputs: [1], options: { beta: 1 } }));
}

function reshape(r: () => number): OpCase {
  const shape = randShape(r, int(r, 1, 4));
  const ns = [count(shape)];
  const q = [scaleIn(r, 0.01, 0.3), int(r, -128, 127)] as const;
  return i8(model([q8('x', shape, ...q), i32('shape', [1], ns), q8('y', ns, ...q)], { op: 'RESHAPE', inputs: [0, 1], outputs: [2], options: { newShape: ns } }));
}

function quantize(from: 'float32' | 'int8'): OpBuilder {
  return (r) => {
    const shape = [int(r, 1, 4), int(r, 1, 16)];
    const s = scaleIn(r, 0.005, 0.305);
    const z = int(r, -128, 127);
    const x: QTensor = from === 'float32' ? { name: 'x', type: 'float32', shape } : q8('x', shape, s, z);
    const y = from === 'float32' ? q8('y', shape, s, z) : q8('y', shape, s * (0.2 + r() * 3), int(r, -128, 127));
    return { model: model([x, y], { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }), input: from };
  };
}

function dequantize(r: () => number): OpCase {
  const shape = [int(r, 1, 4), int(r, 1, 16)];
  return i8(model([q8('x', shape, scaleIn(r, 0.005, 0.305), int(r, -128, 127)), { name: 'y', type: 'float32', shape }], { op: 'DEQUANTIZE', inputs: [0], outputs: [1], options: {} }));
}

/** One random-model builder per op (and per quantization path) the firmware implements. */
export const OP_BUILDERS: Record<string, OpBuilder> = {
  ADD: binary('ADD'), SUB: binary('SUB'), MUL: binary('MUL'),
  RELU: unary('RELU'), RELU6: unary('RELU6'), LOGISTIC: unary('LOGISTIC'), TANH: unary('TANH'),
  GATHER: gather, CONCATENATION: (r) => i8(randomConcatModel(r, 5, 4)),
  'SUM (rescale)': reduce('SUM', false), 'SUM (same quantization)': reduce('SUM', true),
  'MEAN (rescale)': reduce('MEAN', false), 'MEAN (same quantization)': reduce('MEAN', true),
  'QUANTIZE f32->int8': quantize('float32'), 'QUANTIZE int8->int8': quantize('int8'), DEQUANTIZE: dequantize,
  SOFTMAX: softmax, RESHAPE: reshape,
  'FULLY_CONNECTED per-tensor': fullyConnected(false), 'FULLY_CONNECTED per-channel': fullyConnected(true),
  BATCH_MATMUL: batchMatmul,
};
