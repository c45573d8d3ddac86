// GATHER, CONCATENATION, SUM, MEAN, QUANTIZE and DEQUANTIZE: firmware reference kernels
// (build/engine.wasm) == firmware SIMD build (engine-simd.wasm) == host executor, bit for bit, on
// pseudo-random models (shapes, axes, quantization) and inputs, same .tflite bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { runModel } from '@dendra/models/quant/executor.ts';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { bytesOf, count, int, model, q8, randI8, randShape, randomConcatModel, rng } from './opmodels.ts';


async function parity(m: QModel, inputs: (Int8Array | Float32Array)[]): Promise<void> {
  const bytes = writeTflite(m);
  const ref = await loadEngine(bytes, { simd: false });
  const simd = await loadEngine(bytes, { simd: true });
  for (const x of inputs) {
    const host = bytesOf(runModel(m, x));
    const a = ref.runBytes(bytesOf(x));
    assert.deepEqual(a, host, `${m.ops[0].op} firmware ref == host`);
    assert.deepEqual(simd.runBytes(bytesOf(x)), a, `${m.ops[0].op} SIMD == ref`);
  }
}

test('GATHER: random params shapes, axes, batch_dims and valid indices', async () => {
  const r = rng(36);
  for (let k = 0; k < 40; k++) {
    const rp = int(r, 1, 4);
    const ps = randShape(r, rp);
    const axis = int(r, 0, rp - 1);
    const bd = int(r, 0, Math.min(axis, 1));
    const is = [...ps.slice(0, bd), ...randShape(r, int(r, 0, Math.max(0, 3 - rp + 1)))];
    if (ps.length - 1 + is.length - bd > 4) continue;
    const idx = Int32Array.from({ length: count(is) }, () => int(r, 0, ps[axis] - 1));
    const os = [...ps.slice(0, axis), ...is.slice(bd), ...ps.slice(axis + 1)];
    if (count(os) === 0) continue;
    const m = model([q8('p', ps, 0.1, 3), { name: 'i', type: 'int32', shape: is, data: idx }, q8('y', os, 0.1, 3)],
      { op: 'GATHER', inputs: [0, 1], outputs: [2], options: { axis: r() < 0.5 ? axis : axis - rp, batchDims: bd } });
    await parity(m, [randI8(r, count(ps)), randI8(r, count(ps))]);
  }
});

test('CONCATENATION: 1 to 6 inputs (input 0 computed, the rest constant), random axes', async () => {
  const r = rng(2);
  for (let k = 0; k < 40; k++) {
    const m = randomConcatModel(r, 6, 5);
    const x0 = m.tensors[0].shape;
    await parity(m, [randI8(r, count(x0)), randI8(r, count(x0))]);
  }
});

for (const op of ['SUM', 'MEAN'] as const) {
  test(`${op}: random shapes, axes sets, keep_dims and quantization (both MEAN paths, SUM saturation)`, async () => {
    const r = rng(op === 'SUM' ? 74 : 40);
    for (let k = 0; k < 48; k++) {
      const rank = int(r, 1, 4);
      const shape = randShape(r, rank);
      const axes = Array.from({ length: int(r, 1, 3) }, () => int(r, -rank, rank - 1));
      const red = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      const keepDims = r() < 0.5;
      const os = shape.flatMap((d, i) => (red.has(i) ? (keepDims ? [1] : []) : [d]));
      const si = 0.005 + r() * 0.2;
      const zi = int(r, -128, 127);
      const same = op === 'MEAN' && k % 3 === 0;
      const so = same ? si : si * (op === 'SUM' ? 0.5 + r() * 20 : 0.2 + r() * 3);
      const zo = same ? zi : int(r, -128, 127);
      const m = model([q8('x', shape, si, zi), { name: 'axes', type: 'int32', shape: [axes.length], data: Int32Array.from(axes) }, q8('y', os, so, zo)],
        { op, inputs: [0, 1], outputs: [2], options: { keepDims } });
      await parity(m, [randI8(r, count(shape)), randI8(r, count(shape))]);
    }
  });
}

test('QUANTIZE f32 -> int8: random scales and values incl. ties, NaN, infinities, huge values', async () => {
  const r = rng(114);
  const special = [0.5, -0.5, 1.5, -2.5, NaN, Infinity, -Infinity, 3e38, -3e38, 1e-40, -0];
  for (let k = 0; k < 16; k++) {
    const scale = k < 4 ? [0.5, 0.25, 1, 2][k] : 0.001 + r() * 0.5;
    const zp = int(r, -128, 127);
    const m = model([{ name: 'x', type: 'float32', shape: [4, 16] }, q8('y', [4, 16], scale, zp)],
      { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} });
    const x = Float32Array.from({ length: 64 }, (_, i) => (i < special.length ? special[i] * (k < 4 ? 1 : scale) : (r() - 0.5) * 300 * scale));
    const ties = Float32Array.from({ length: 64 }, (_, i) => (i - 32 + 0.5) * scale);
    await parity(m, [x, ties]);
  }
});

test('QUANTIZE int8 -> int8 and DEQUANTIZE int8 -> f32 on all 256 values, random quantization', async () => {
  const r = rng(6);
  const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  for (let k = 0; k < 16; k++) {
    const si = 0.001 + r() * 0.5;
    const zi = int(r, -128, 127);
    const so = si * (0.05 + r() * 10);
    const zo = int(r, -128, 127);
    await parity(model([q8('x', [2, 128], si, zi), q8('y', [2, 128], so, zo)], { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} }), [all]);
    await parity(model([q8('x', [256], si, zi), { name: 'y', type: 'float32', shape: [256] }], { op: 'DEQUANTIZE', inputs: [0], outputs: [1], options: {} }), [all]);
  }
});

test('QUANTIZE -> FULLY_CONNECTED -> DEQUANTIZE: a float-edged model end to end', async () => {
  const r = rng(9);
  const w = randI8(r, 8 * 16);
  const m: QModel = {
    description: '', metadata: {}, inputs: [0], outputs: [4],
    tensors: [
      { name: 'xf', type: 'float32', shape: [2, 16] }, q8('xq', [2, 16], 0.05, -3), q8('w', [8, 16], 0.02, 0, w),
      q8('yq', [2, 8], 0.3, 5), { name: 'yf', type: 'float32', shape: [2, 8] },
    ],
    ops: [
      { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} },
      { op: 'FULLY_CONNECTED', inputs: [1, 2], outputs: [3], options: { activation: 'NONE' } },
      { op: 'DEQUANTIZE', inputs: [3], outputs: [4], options: {} },
    ],
  };
  const xs = [0, 1, 2].map(() => Float32Array.from({ length: 32 }, () => (r() - 0.5) * 12));
  await parity(m, xs);
  const fw = await loadEngine(writeTflite(m));
  assert.equal(fw.inputType, 0);
  assert.equal(fw.outputType, 0);
});
