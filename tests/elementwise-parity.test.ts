// ADD, SUB, MUL, RELU, RELU6, LOGISTIC and TANH through the firmware's interpreter
// (build/engine.wasm and engine-simd.wasm) and the host int8 executor, on the same .tflite bytes
// (host writer) over pseudo-random quantization parameters, shapes and inputs: bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QActivation, QModel, QOpCode, QTensor } from '@dendra/core/tflite/ir.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { runInt8 } from '@dendra/models/quant/executor.ts';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { rng } from './opmodels.ts';


const t = (name: string, shape: number[], scale: number, zp: number, data?: Int8Array): QTensor => ({
  name, type: 'int8', shape, quant: { scale: [scale], zeroPoint: [zp], axis: 0 }, ...(data ? { data } : {}),
});

const BINARY_SHAPES: [number[], number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4], [2, 3, 4]], [[2, 3, 4], [4], [2, 3, 4]], [[2, 3, 4], [], [2, 3, 4]],
  [[2, 1, 4], [1, 3, 1], [2, 3, 4]], [[1, 2, 3, 2], [2, 1, 1, 2], [2, 2, 3, 2]],
];
const ACTS: QActivation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6'];

async function parity(m: QModel, inputs: Int8Array[]): Promise<void> {
  const bytes = writeTflite(m);
  for (const simd of [false, true]) {
    const fw = await loadEngine(bytes, { simd });
    for (const x of inputs) assert.deepEqual(fw.run(x), runInt8(m, x), `${m.ops[0].op} simd=${simd}`);
  }
}

function randInt8(r: () => number, n: number): Int8Array {
  return Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128);
}

for (const op of ['ADD', 'SUB', 'MUL'] as QOpCode[]) {
  test(`${op}: firmware == host executor over random scales, zero points, activations and broadcasts`, async () => {
    const r = rng(op.length * 7919 + op.charCodeAt(0));
    for (let k = 0; k < 24; k++) {
      const [sh1, sh2, shO] = BINARY_SHAPES[k % BINARY_SHAPES.length];
      const s1 = 0.01 + r() * 0.2;
      const s2 = 0.01 + r() * 0.2;
      const so = op === 'MUL' ? s1 * s2 * (0.5 + r() * 20) : (s1 + s2) * (0.3 + r());
      const n2 = sh2.reduce((a, d) => a * d, 1);
      const m: QModel = {
        description: '', metadata: {}, inputs: [0], outputs: [2],
        tensors: [
          t('x', sh1, s1, Math.floor(r() * 256) - 128),
          t('c', sh2, s2, Math.floor(r() * 256) - 128, randInt8(r, n2)),
          t('y', shO, so, Math.floor(r() * 256) - 128),
        ],
        ops: [{ op, inputs: [0, 1], outputs: [2], options: { activation: ACTS[k % ACTS.length] } }],
      };
      const n1 = sh1.reduce((a, d) => a * d, 1);
      await parity(m, [randInt8(r, n1), randInt8(r, n1)]);
    }
  });
}

for (const op of ['RELU', 'RELU6', 'LOGISTIC', 'TANH'] as QOpCode[]) {
  test(`${op}: firmware == host executor on all 256 int8 inputs over random input quantizations`, async () => {
    const r = rng(op.length * 104729 + op.charCodeAt(1));
    const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    for (let k = 0; k < 12; k++) {
      const si = 0.002 + r() * 0.3;
      const zi = Math.floor(r() * 256) - 128;
      let so = 0.002 + r() * 0.3;
      let zo = Math.floor(r() * 256) - 128;
      if (op === 'LOGISTIC') [so, zo] = [1 / 256, -128];
      if (op === 'TANH') [so, zo] = [1 / 128, 0];
      const m: QModel = {
        description: '', metadata: {}, inputs: [0], outputs: [1],
        tensors: [t('x', [2, 128], si, zi), t('y', [2, 128], so, zo)],
        ops: [{ op, inputs: [0], outputs: [1], options: {} }],
      };
      await parity(m, [all]);
    }
  });
}
