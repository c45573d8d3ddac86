// GATHER, CONCATENATION, SUM, MEAN, QUANTIZE and DEQUANTIZE on golden vectors from TensorFlow Lite
// Micro's kernel tests (tensorflow/tflite-micro, tensorflow/lite/micro/kernels/<op>_test.cc; each
// case names its file and test). Every case runs through the host executor AND the firmware
// engine (build/engine.wasm and engine-simd.wasm) on the same .tflite bytes from the host writer.
// Float goldens of data-movement tests (gather, concatenation) are small integers and are used as
// int8 values; reduce goldens are quantized with the scales the test states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QModel, QOp, QTensor } from '@dendra/core/tflite/ir.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { runModel } from '@dendra/models/quant/executor.ts';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { DendraError } from '@dendra/core/errors.ts';

const q8 = (name: string, shape: number[], scale: number, zp: number, data?: number[]): QTensor => ({
  name, type: 'int8', shape, quant: { scale: [scale], zeroPoint: [zp], axis: 0 }, ...(data ? { data: Int8Array.from(data) } : {}),
});
const i32 = (name: string, shape: number[], data: number[]): QTensor => ({ name, type: 'int32', shape, data: Int32Array.from(data) });
const f32 = (name: string, shape: number[]): QTensor => ({ name, type: 'float32', shape });

function model(tensors: QTensor[], op: QOp): QModel {
  return { description: '', metadata: {}, tensors, ops: [op], inputs: [0], outputs: [op.outputs[0]] };
}

const bytesOf = (a: Int8Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Host and both firmware builds give `want` on `input`. */
async function golden(m: QModel, input: Int8Array | Float32Array, want: Int8Array | Float32Array): Promise<void> {
  const host = runModel(m, input);
  assert.deepEqual(host, want, `host ${m.ops[0].op}`);
  const bytes = writeTflite(m);
  for (const simd of [false, true]) {
    const fw = await loadEngine(bytes, { simd });
    assert.deepEqual(fw.runBytes(bytesOf(input)), bytesOf(want), `firmware simd=${simd} ${m.ops[0].op}`);
  }
}

const I8 = (...v: number[]) => Int8Array.from(v);
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

test('GATHER goldens (gather_test.cc)', async () => {
  // GatherOp_Int8Int32: params [2,2], indices [2] {1,0} -> [2,2].
  await golden(model([q8('p', [2, 2], 1, 0), i32('i', [2], [1, 0]), q8('y', [2, 2], 1, 0)],
    { op: 'GATHER', inputs: [0, 1], outputs: [2], options: {} }), I8(-13, -120, 14, 15), I8(14, 15, -13, -120));
  // GatherOp_Axis1: params [1,2,3] = 1..6, indices {1,0}, axis 1 -> [1,2,3].
  await golden(model([q8('p', [1, 2, 3], 1, 0), i32('i', [2], [1, 0]), q8('y', [1, 2, 3], 1, 0)],
    { op: 'GATHER', inputs: [0, 1], outputs: [2], options: { axis: 1 } }), I8(1, 2, 3, 4, 5, 6), I8(4, 5, 6, 1, 2, 3));
  // GatherOp_Axis1Slice: params [1,4,2] = 1..8, indices {3,1}, axis 1 -> [1,2,2].
  await golden(model([q8('p', [1, 4, 2], 1, 0), i32('i', [2], [3, 1]), q8('y', [1, 2, 2], 1, 0)],
    { op: 'GATHER', inputs: [0, 1], outputs: [2], options: { axis: 1 } }), I8(1, 2, 3, 4, 5, 6, 7, 8), I8(7, 8, 3, 4));
  // GatherOp_LastAxis: params [1,2,3] = 1..6, indices {2,0}, axis -1 -> [1,2,2].
  await golden(model([q8('p', [1, 2, 3], 1, 0), i32('i', [2], [2, 0]), q8('y', [1, 2, 2], 1, 0)],
    { op: 'GATHER', inputs: [0, 1], outputs: [2], options: { axis: -1 } }), I8(1, 2, 3, 4, 5, 6), I8(3, 1, 6, 4));
  // GatherOp_BatchDims2: params [2,2,3,5] = 0..59, indices [2,2,2], axis 2, batch_dims 2 -> [2,2,2,5].
  const want = [5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
    35, 36, 37, 38, 39, 30, 31, 32, 33, 34, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54];
  await golden(model([q8('p', [2, 2, 3, 5], 1, 0), i32('i', [2, 2, 2], [1, 0, 0, 1, 1, 0, 0, 1]), q8('y', [2, 2, 2, 5], 1, 0)],
    { op: 'GATHER', inputs: [0, 1], outputs: [2], options: { axis: 2, batchDims: 2 } }), Int8Array.from(seq(60, (i) => i)), Int8Array.from(want));
});

test('GATHER refuses an out-of-range index at invoke (firmware E_INDEX -19, host E_INDEX)', async () => {
  for (const bad of [2, -1, 0x7fffffff]) {
    const m = model([q8('p', [2, 2], 1, 0), i32('i', [2], [0, bad]), q8('y', [2, 2], 1, 0)],
      { op: 'GATHER', inputs: [0, 1], outputs: [2], options: {} });
    assert.throws(() => runModel(m, I8(1, 2, 3, 4)), (e: unknown) => e instanceof DendraError && e.code === 'E_INDEX');
    for (const simd of [false, true]) {
      const fw = await loadEngine(writeTflite(m), { simd });
      assert.throws(() => fw.run(I8(1, 2, 3, 4)), /\(-19\)/);
    }
  }
});

test('CONCATENATION goldens (concatenation_test.cc)', async () => {
  // TwoInputsQuantizedInt8: axis 2, [2,1,2] + [2,1,2] -> [2,1,4], scale 0.1, zp 0 everywhere.
  await golden(model([q8('a', [2, 1, 2], 0.1, 0), q8('b', [2, 1, 2], 0.1, 0, [5, 6, 7, 8]), q8('y', [2, 1, 4], 0.1, 0)],
    { op: 'CONCATENATION', inputs: [0, 1], outputs: [2], options: { axis: 2 } }), I8(1, 2, 3, 4), I8(1, 2, 5, 6, 3, 4, 7, 8));
  // TwoInputsAllAxesCombinations: [2,3] 1..6 and 7..12 on axes 0, -2, 1, -1.
  const b = seq(6, (i) => i + 7);
  for (const [axis, shape, want] of [
    [0, [4, 3], seq(12, (i) => i + 1)], [-2, [4, 3], seq(12, (i) => i + 1)],
    [1, [2, 6], [1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12]], [-1, [2, 6], [1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12]],
  ] as [number, number[], number[]][]) {
    await golden(model([q8('a', [2, 3], 1, 0), q8('b', [2, 3], 1, 0, b), q8('y', shape, 1, 0)],
      { op: 'CONCATENATION', inputs: [0, 1], outputs: [2], options: { axis } }), I8(1, 2, 3, 4, 5, 6), Int8Array.from(want));
  }
});

test('SUM and MEAN goldens (reduce_test.cc), input scale 0.5 zp 0 -> q = 2 x float', async () => {
  const red = (op: 'SUM' | 'MEAN', shape: number[], axes: number[], outShape: number[], keepDims: boolean) =>
    model([q8('x', shape, 0.5, 0), i32('axes', [axes.length], axes), q8('y', outShape, 0.5, 0)],
      { op, inputs: [0, 1], outputs: [2], options: { keepDims } });
  const x2 = Int8Array.from(seq(8, (i) => 2 * (i + 1)));
  const x4 = Int8Array.from(seq(24, (i) => 2 * (i + 1)));
  // MeanInt82DKeepDims: [2,4] axis {1} -> [2,1], golden {2.5, 6.5} -> q {5, 13}.
  await golden(red('MEAN', [2, 4], [1], [2, 1], true), x2, I8(5, 13));
  // MeanInt83DKeepDims: [2,2,2] axes {1,2} -> golden {2.5, 6.5} (the test's output dims {1,2}; keep_dims shape [2,1,1] here).
  await golden(red('MEAN', [2, 2, 2], [1, 2], [2, 1, 1], true), x2, I8(5, 13));
  // MeanInt84DKeepDims / MeanInt84DWithoutKeepDims: [2,2,3,2] axes {1,2}, golden {6,7,18,19} -> q {12,14,36,38}.
  await golden(red('MEAN', [2, 2, 3, 2], [1, 2], [2, 1, 1, 2], true), x4, I8(12, 14, 36, 38));
  await golden(red('MEAN', [2, 2, 3, 2], [1, 2], [2, 2], false), x4, I8(12, 14, 36, 38));
  // SumInt82DKeepDims: [2,4] axis {1} -> [2,1], golden {10, 26} -> q {20, 52}.
  await golden(red('SUM', [2, 4], [1], [2, 1], true), x2, I8(20, 52));
});

test('QUANTIZE and DEQUANTIZE goldens (quantize_test.cc, dequantize_test.cc)', async () => {
  const vals = [-63.5, -63, -62.5, -62, -61.5, 62, 62.5, 63, 63.5, 64];
  const q = I8(-128, -127, -126, -125, -124, 123, 124, 125, 126, 127);
  // QuantizeOpTestInt16's values, scale 0.5, zp -1, [2,5] (all fit int8): f32 -> int8.
  await golden(model([f32('x', [2, 5]), q8('y', [2, 5], 0.5, -1)], { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }),
    Float32Array.from(vals), q);
  // DequantizeOpTestInt8: [5,2], scale 0.5, zp -1: int8 -> f32.
  await golden(model([q8('x', [5, 2], 0.5, -1), f32('y', [5, 2])], { op: 'DEQUANTIZE', inputs: [0], outputs: [1], options: {} }),
    q, Float32Array.from(vals));
  // QuantizeOpTestInt8toInt8: in scale 2 zp 0 (q = v / 2), out scale 0.5 zp 32 (54..62 saturate at 127).
  const v2 = [-64, -62, -60, -58, -56, 54, 56, 58, 60, 62];
  await golden(model([q8('x', [2, 5], 2, 0), q8('y', [2, 5], 0.5, 32)], { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }),
    Int8Array.from(v2, (v) => v / 2), Int8Array.from(v2, (v) => Math.min(127, v * 2 + 32)));
  // QuantizeOpTestInt8toInt8NoZeroPoint: in scale 1, out scale 0.5, zp 0.
  const v1 = [-32, -31, -30, -29, -28, 27, 28, 29, 30, 31];
  await golden(model([q8('x', [2, 5], 1, 0), q8('y', [2, 5], 0.5, 0)], { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }),
    Int8Array.from(v1), Int8Array.from(v1, (v) => v * 2));
});
