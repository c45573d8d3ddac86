// tfjs-tflite (TFLite's interpreter in WASM) vs the host int8 reference executor, op by op, on
// models written by writer.ts. Per op the agreement is printed as a diagnostic line
// ("<op>: equal a/b elements, off by 1 on c, max |diff| d"); docs/notes/oracle-findings.md records it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { runTfliteOracle, tfliteOracleSession } from './tfjs-tflite.ts';
import { runInt8 } from '../quant/executor.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { miniGridModel, randomInt8, xorshift } from '@dendra/core/tflite/fixtures.ts';
import type { QModel, QOp, QParams, QTensor } from '@dendra/core/tflite/ir.ts';
import { DendraError } from '@dendra/core/errors.ts';

const q = (scale: number, zp: number): QParams => ({ scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 });

/** A model of one op: tensor 0 is the input, the last tensor the output. */
function oneOp(tensors: QTensor[], op: Omit<QOp, 'outputs'>): QModel {
  const out = tensors.length - 1;
  return { description: 'oracle test', tensors, ops: [{ ...op, outputs: [out] }], inputs: [0], outputs: [out], metadata: {} };
}

function fcModel(perChannel: boolean, batch: number, inC: number, outC: number, relu: boolean): QModel {
  const rnd = xorshift(31 + outC);
  const ws = Array.from({ length: perChannel ? outC : 1 }, (_, c) => Math.fround(0.003 + 0.0007 * (c % 7)));
  const inS = Math.fround(0.05);
  return oneOp([
    { name: 'x', type: 'int8', shape: [batch, inC], quant: q(0.05, -7) },
    { name: 'w', type: 'int8', shape: [outC, inC], quant: { scale: ws, zeroPoint: ws.map(() => 0), axis: 0 }, data: randomInt8(rnd, outC * inC, -127, 127) },
    {
      name: 'b', type: 'int32', shape: [outC], data: Int32Array.from({ length: outC }, () => (rnd() % 4001) - 2000),
      quant: { scale: perChannel ? ws.map((s) => Math.fround(inS * s)) : [Math.fround(inS * ws[0])], zeroPoint: perChannel ? ws.map(() => 0) : [0], axis: 0 },
    },
    { name: 'y', type: 'int8', shape: [batch, outC], quant: q(relu ? 0.12 : 0.2, relu ? -128 : 3) },
  ], { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], options: { activation: relu ? 'RELU' : 'NONE', keepNumDims: false } });
}

function bmmModel(): QModel {
  const rnd = xorshift(5);
  return oneOp([
    { name: 'h', type: 'int8', shape: [7, 16], quant: q(0.04, -20) },
    { name: 'a', type: 'int8', shape: [7, 7], quant: q(1 / 127, 0), data: randomInt8(rnd, 49, 0, 127) },
    { name: 'm', type: 'int8', shape: [7, 16], quant: q(0.03, -5) },
  ], { op: 'BATCH_MATMUL', inputs: [1, 0], options: { adjX: false, adjY: false } });
}

function softmaxModel(inScale: number): QModel {
  return oneOp([
    { name: 's', type: 'int8', shape: [1, 7], quant: q(inScale, 4) },
    { name: 'p', type: 'int8', shape: [1, 7], quant: q(1 / 256, -128) },
  ], { op: 'SOFTMAX', inputs: [0], options: { beta: 1 } });
}

function reshapeModel(): QModel {
  return oneOp([
    { name: 's', type: 'int8', shape: [7, 1], quant: q(0.02, 5) },
    { name: 'shape', type: 'int32', shape: [2], data: Int32Array.from([1, 7]) },
    { name: 's2', type: 'int8', shape: [1, 7], quant: q(0.02, 5) },
  ], { op: 'RESHAPE', inputs: [0, 1], options: { newShape: [1, 7] } });
}

interface Mismatch { x: Int8Array; index: number; ours: number; tflite: number }
interface Agreement { total: number; equal: number; off1: number; maxDiff: number; mismatches: Mismatch[]; inputs: Int8Array[] }

/** Round half to even (lrintf / XNNPACK's magic-bias rounding). */
function rint(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/**
 * Output `index` of a one-op FC or BATCH_MATMUL model (no batch dims) with XNNPACK-style "fp32"
 * requantization: scale = f32(f32(inScale * wScale) / outScale), out = clamp(rint(f32(f32(acc) *
 * scale)) + zp): one rounding, in f32, ties to even, instead of the reference kernels' fixed-point
 * double rounding.
 */
function fp32Requantized(m: QModel, x: Int8Array, index: number): number {
  const op = m.ops[0];
  const t = (i: number) => m.tensors[op.inputs[i]];
  const val = (i: number) => (op.inputs[i] === m.inputs[0] ? x : t(i).data!);
  const y = m.tensors[op.outputs[0]].quant!;
  const n = m.tensors[op.outputs[0]].shape[1];
  const [r, c] = [Math.floor(index / n), index % n];
  const f = Math.fround;
  let acc = 0;
  let scale: number;
  if (op.op === 'FULLY_CONNECTED') {
    const [w, xq, b] = [t(1), t(0).quant!, t(2)];
    const inC = w.shape[1];
    for (let d = 0; d < inC; d++) acc += w.data![c * inC + d] * (x[r * inC + d] - xq.zeroPoint[0]);
    acc += b.data![c];
    const ws = w.quant!.scale;
    scale = f(f(xq.scale[0] * ws[ws.length > 1 ? c : 0]) / y.scale[0]);
  } else {
    const [l, rr] = [t(0), t(1)];
    const k = l.shape[1];
    for (let kk = 0; kk < k; kk++) acc += (val(0)[r * k + kk] - l.quant!.zeroPoint[0]) * (val(1)[kk * n + c] - rr.quant!.zeroPoint[0]);
    scale = f(f(l.quant!.scale[0] * rr.quant!.scale[0]) / y.scale[0]);
  }
  return Math.max(-128, Math.min(127, rint(f(f(acc) * scale)) + y.zeroPoint[0]));
}

/** Asserts every difference is 1 LSB and is exactly what fp32 requantization gives. */
function assertFp32RequantOnly(m: QModel, a: Agreement): void {
  assert.ok(a.maxDiff <= 1, `max diff ${a.maxDiff}`);
  for (const d of a.mismatches) {
    assert.equal(d.tflite, fp32Requantized(m, d.x, d.index), `element ${d.index}: tflite ${d.tflite}, reference ${d.ours}`);
  }
}

/** Runs both executors on n random inputs; prints and returns the agreement. */
async function compare(t: TestContext, label: string, m: QModel, n: number, seed: number): Promise<Agreement> {
  const size = m.tensors[m.inputs[0]].shape.reduce((a, d) => a * d, 1);
  const rnd = xorshift(seed);
  const inputs = Array.from({ length: n }, () => randomInt8(rnd, size));
  const oracle = await runTfliteOracle(writeTflite(m), inputs);
  const a: Agreement = { total: 0, equal: 0, off1: 0, maxDiff: 0, mismatches: [], inputs };
  inputs.forEach((x, k) => {
    const ours = runInt8(m, x);
    assert.equal(oracle[k].length, ours.length);
    ours.forEach((v, i) => {
      const d = Math.abs(v - oracle[k][i]);
      a.total++;
      if (d === 0) a.equal++;
      if (d === 1) a.off1++;
      a.maxDiff = Math.max(a.maxDiff, d);
      if (d) a.mismatches.push({ x, index: i, ours: v, tflite: oracle[k][i] });
    });
  });
  const line = `${label}: equal ${a.equal}/${a.total} elements, off by 1 on ${a.off1}, max |diff| ${a.maxDiff}`;
  t.diagnostic(line);
  return a;
}

test('FULLY_CONNECTED per-tensor [7,96]x[16,96]: differs only where fp32 requantization differs', async (t) => {
  const m = fcModel(false, 7, 96, 16, false);
  const a = await compare(t, 'FULLY_CONNECTED per-tensor none [7,96]->[7,16]', m, 400, 1);
  assert.ok(a.mismatches.length > 0, 'tfjs-tflite requantizes FC in fp32 (if this fails, it now matches the reference)');
  assertFp32RequantOnly(m, a);
});

test('FULLY_CONNECTED per-channel [7,96]x[16,96]: accepted; differs only where fp32 requantization differs', async (t) => {
  const m = fcModel(true, 7, 96, 16, false);
  const a = await compare(t, 'FULLY_CONNECTED per-channel none [7,96]->[7,16]', m, 200, 2);
  assertFp32RequantOnly(m, a);
});

test('BATCH_MATMUL int8 const [7,7] x [7,16]: differs only where fp32 requantization differs', async (t) => {
  const m = bmmModel();
  const a = await compare(t, 'BATCH_MATMUL [7,7]x[7,16]', m, 200, 3);
  assert.ok(a.mismatches.length > 0, 'tfjs-tflite requantizes BMM in fp32 (if this fails, it now matches the reference)');
  assertFp32RequantOnly(m, a);
});

test('FULLY_CONNECTED per-tensor [4,96]x[16,96] RELU: within fp32-requantization differences', async (t) => {
  const m = fcModel(false, 4, 96, 16, true);
  assertFp32RequantOnly(m, await compare(t, 'FULLY_CONNECTED per-tensor RELU [4,96]->[4,16]', m, 200, 8));
});

test('RESHAPE int8 [7,1] -> [1,7]: == host executor', async (t) => {
  const a = await compare(t, 'RESHAPE [7,1]->[1,7]', reshapeModel(), 50, 4);
  assert.equal(a.equal, a.total);
});

test('SOFTMAX int8 [1,7] (input scales 0.02 and 0.1): within 1 LSB of the reference kernel', async (t) => {
  for (const [s, seed] of [[0.02, 5], [0.1, 6]] as const) {
    const a = await compare(t, `SOFTMAX [1,7] in scale ${s}`, softmaxModel(s), 500, seed);
    assert.ok(a.maxDiff <= 1, `max diff ${a.maxDiff}`);
  }
});

test('mini grid model [7,96]->[1,24] (all four ops), per-channel and per-tensor: mostly equal, small diffs', async (t) => {
  // 1-LSB rounding differences inside the graph (BMM, per-channel FC) propagate and can grow by
  // the later layers' gain, so only the bulk is asserted here; the counts are printed.
  for (const perChannel of [true, false]) {
    const m = miniGridModel({ perChannel, n: 7, l: 96, f: 16, h: 24, seed: 9 });
    const a = await compare(t, `grid-shaped model ${perChannel ? 'per-channel' : 'per-tensor'} [7,96]->[1,24]`, m, 100, 7);
    assert.ok(a.equal / a.total >= 0.95, `only ${a.equal}/${a.total} equal`);
    assert.ok(a.maxDiff <= 4, `max diff ${a.maxDiff}`);
  }
});

test('session API: reusable; wrong input length and a bad model give E_ORACLE', async () => {
  const m = reshapeModel();
  const s = await tfliteOracleSession(writeTflite(m));
  assert.deepEqual(s.invoke(Int8Array.from([1, 2, 3, 4, 5, 6, 7])), Int8Array.from([1, 2, 3, 4, 5, 6, 7]));
  assert.deepEqual(s.invoke(Int8Array.from([7, 6, 5, 4, 3, 2, 1])), Int8Array.from([7, 6, 5, 4, 3, 2, 1]));
  assert.throws(() => s.invoke(new Int8Array(3)), (e: unknown) => e instanceof DendraError && e.code === 'E_ORACLE');
  s.close();
  await assert.rejects(tfliteOracleSession(new Uint8Array(64)), (e: unknown) => e instanceof DendraError && e.code === 'E_ORACLE');
});
