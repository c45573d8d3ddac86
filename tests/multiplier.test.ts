// Per-tensor multiplier rounding of FULLY_CONNECTED and BATCH_MATMUL: TFLite's
// GetQuantizedConvolutionMultipler (tensorflow/lite/kernels/kernel_util.cc, also compiled into
// TFLite Micro) computes real = double(f32(in_scale * w_scale)) / double(out_scale): the product
// is rounded to f32 before widening. Per-channel FC (fully_connected_common.cc) uses
// double(in_scale) * double(w_scale[c]) / double(out_scale). The cases below are searched so that
// the f32 and f64 products give DIFFERENT int8 outputs; firmware (reference + SIMD) and host must
// both give the f32-product result. FULLY_CONNECTED requantizes with a single rounding (TFLite
// 2.21's reference kernel, docs/notes/oracle-findings.md section 6), BATCH_MATMUL with two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QModel, QTensor } from '@dendra/core/tflite/ir.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { runInt8 } from '@dendra/models/quant/executor.ts';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingle, quantizeMultiplier } from '@dendra/models/quant/fixedpoint.ts';
import { rng } from './opmodels.ts';

const f = Math.fround;


/** Requantization: double rounding (BATCH_MATMUL) or single rounding (FULLY_CONNECTED, TFLite 2.21 reference). */
type Requant = (x: number, multiplier: number, shift: number) => number;

const q = (real: number, acc: number, mbqm: Requant = multiplyByQuantizedMultiplier) => {
  const m = quantizeMultiplier(real);
  return mbqm(acc, m.multiplier, m.shift);
};

/** Scales (f32) and an accumulator where the f32-product and f64-product multipliers disagree. */
function findCase(seed: number, ratio: [number, number], accs: (r: () => number, real: number) => number[], mbqm: Requant = multiplyByQuantizedMultiplier): { si: number; sw: number; so: number; acc: number } {
  const r = rng(seed);
  for (let tries = 0; tries < 200000; tries++) {
    const si = f(0.001 + r() * 0.1);
    const sw = f(0.001 + r() * 0.1);
    const so = f(si * sw * (ratio[0] + r() * ratio[1]));
    const m32 = quantizeMultiplier(f(si * sw) / so);
    const m64 = quantizeMultiplier((si * sw) / so);
    if (m32.multiplier === m64.multiplier && m32.shift === m64.shift) continue;
    for (const acc of accs(r, f(si * sw) / so)) {
      const a = mbqm(acc, m32.multiplier, m32.shift);
      if (a >= -128 && a <= 127 && a !== mbqm(acc, m64.multiplier, m64.shift)) return { si, sw, so, acc };
    }
  }
  throw new Error('no distinguishing case found');
}

const pt = (name: string, shape: number[], scale: number, zp: number, data?: Int8Array): QTensor => ({
  name, type: 'int8', shape, quant: { scale: [scale], zeroPoint: [zp], axis: 0 }, ...(data ? { data } : {}),
});

async function checkBoth(m: QModel, x: Int8Array, want: number): Promise<void> {
  const host = runInt8(m, x);
  assert.equal(host[0], want, 'host uses the f32 product');
  const bytes = writeTflite(m);
  for (const simd of [false, true]) {
    const fw = await loadEngine(bytes, { simd });
    assert.deepEqual(fw.run(x), host, `firmware simd=${simd} == host`);
  }
}

test('FULLY_CONNECTED per-tensor: multiplier from the f32 product (GetQuantizedConvolutionMultipler)', async () => {
  for (let seed = 1; seed <= 4; seed++) {
    // acc = bias (input 0 with zp 0, weight 1): any int32 accumulator can be reached; try the
    // accumulators nearest a rounding boundary (k + 0.5) / real.
    const c = findCase(seed, [2000, 50000], (r, real) => Array.from({ length: 8 }, () => Math.round((Math.floor(r() * 250) - 125 + 0.5) / real)), multiplyByQuantizedMultiplierSingle);
    const want = q(f(c.si * c.sw) / c.so, c.acc, multiplyByQuantizedMultiplierSingle);
    const m: QModel = {
      description: '', metadata: {}, inputs: [0], outputs: [3],
      tensors: [
        pt('x', [1, 1], c.si, 0),
        pt('w', [1, 1], c.sw, 0, Int8Array.of(1)),
        { name: 'b', type: 'int32', shape: [1], quant: { scale: [c.si * c.sw], zeroPoint: [0], axis: 0 }, data: Int32Array.of(c.acc) },
        pt('y', [1, 1], c.so, 0),
      ],
      ops: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { activation: 'NONE' } }],
    };
    await checkBoth(m, Int8Array.of(0), want);
    assert.notEqual(want, q((c.si * c.sw) / c.so, c.acc, multiplyByQuantizedMultiplierSingle), 'the case distinguishes f32 from f64');
  }
});

test('BATCH_MATMUL: multiplier from the f32 product (GetQuantizedConvolutionMultipler)', async () => {
  for (let seed = 11; seed <= 14; seed++) {
    // acc = a * b with a the int8 input, b a constant int8 (zero points 0).
    const c = findCase(seed, [1, 120], (r) => Array.from({ length: 64 }, () => {
      const a = Math.floor(r() * 255) - 127;
      const b = Math.floor(r() * 255) - 127;
      return a * b;
    }));
    // Factor acc back into int8 a * b.
    let a = 0;
    let b = 0;
    for (let i = 127; i >= 1; i--) if (c.acc % i === 0 && Math.abs(c.acc / i) <= 127) { a = i; b = c.acc / i; break; }
    if (c.acc === 0) [a, b] = [0, 0];
    const want = q(f(c.si * c.sw) / c.so, a * b);
    const m: QModel = {
      description: '', metadata: {}, inputs: [0], outputs: [2],
      tensors: [pt('x', [1, 1], c.si, 0), pt('c', [1, 1], c.sw, 0, Int8Array.of(b)), pt('y', [1, 1], c.so, 0)],
      ops: [{ op: 'BATCH_MATMUL', inputs: [0, 1], outputs: [2], options: {} }],
    };
    await checkBoth(m, Int8Array.of(a), want);
    assert.notEqual(want, q((c.si * c.sw) / c.so, a * b), 'the case distinguishes f32 from f64');
  }
});
