// Loader fuzz (CI size): 10,000 seeded mutations of models/grid/grid.tflite (byte flips,
// truncations, u32 rewrites, inserted/deleted bytes) through build/engine.wasm's modelLoad
// (+ one modelInvoke when it loads). No case may trap; every refusal is a named status code.
// Longer runs: `node --import tsx scripts/fuzz.ts --iterations 1000000`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzLoader } from '@dendra/device/engine/fuzz.ts';
import { openRawEngine } from '@dendra/device/engine/engine.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import type { QModel, QTensor } from '@dendra/core/tflite/ir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GRID = new Uint8Array(readFileSync(path.join(ROOT, 'models/grid/grid.tflite')));

test('the unmutated grid model loads and invokes through the raw engine', async () => {
  const eng = await openRawEngine({ arenaCap: 64 * 1024, modelCap: GRID.length });
  assert.equal(eng.load(GRID), 0);
  assert.equal(eng.invoke(0), 0);
});

test('regression: seeds that once returned a non-status code', async () => {
  // Seed 30972229 (scripts/fuzz.ts --start 30000000): one flipped byte made operator code 1's
  // max(deprecated_builtin_code, builtin_code) negative (-85), which modelLoad returned as if it
  // were a status. Now E_UNSUPPORTED_OP. A seed's mutations depend on the bytes it mutates: it is
  // replayed on the model it was found with, the L 96 grid model (tests/fixtures/grid-l96.tflite,
  // the board model until the L 336 one shipped).
  const sum = await fuzzLoader(new Uint8Array(readFileSync(path.join(ROOT, 'tests/fixtures/grid-l96.tflite'))), { iterations: 1, start: 30972229 });
  assert.deepEqual(sum.failures, []);
  assert.deepEqual(sum.statuses, { [-4]: 1 });
});

test('10,000 mutated grid models: no trap, every refusal a known status', async () => {
  const t0 = Date.now();
  const sum = await fuzzLoader(GRID, { iterations: 10_000, start: 1 });
  const ms = Date.now() - t0;
  const codes = Object.entries(sum.statuses).map(([k, v]) => `${k}:${v}`).join(' ');
  const invCodes = Object.entries(sum.invokeStatuses).map(([k, v]) => `${k}:${v}`).join(' ');
  console.log(`# loader fuzz: ${sum.iterations} cases in ${ms} ms, ${sum.loaded} loaded, ${sum.invoked} invoked; load statuses ${codes}; invoke statuses ${invCodes}`);
  for (const f of sum.failures.slice(0, 10)) console.log(`# FAIL seed ${f.seed} [${f.steps.join(' ')}] ${f.kind}: ${f.detail}`);
  assert.equal(sum.iterations, 10_000);
  assert.deepEqual(sum.failures, []);
});

/** A float-edged model with every newer op: QUANTIZE, GATHER, CONCATENATION, MEAN, SUM, DEQUANTIZE. */
function opsModel(): Uint8Array {
  const q8 = (name: string, shape: number[], data?: Int8Array): QTensor => ({
    name, type: 'int8', shape, quant: { scale: [0.1], zeroPoint: [2], axis: 0 }, ...(data ? { data } : {}),
  });
  const m: QModel = {
    description: '', metadata: {}, inputs: [0], outputs: [10],
    tensors: [
      { name: 'xf', type: 'float32', shape: [4, 6] }, q8('xq', [4, 6]),
      { name: 'idx', type: 'int32', shape: [3], data: Int32Array.of(3, 0, 2) }, q8('g', [3, 6]),
      q8('c', [1, 6], Int8Array.of(1, 2, 3, 4, 5, 6)), q8('cat', [4, 6]),
      { name: 'ax', type: 'int32', shape: [1], data: Int32Array.of(1) }, q8('mean', [4, 1]),
      { name: 'ax0', type: 'int32', shape: [1], data: Int32Array.of(0) }, q8('sum', [1]),
      { name: 'yf', type: 'float32', shape: [1] },
    ],
    ops: [
      { op: 'QUANTIZE', inputs: [0], outputs: [1], options: {} },
      { op: 'GATHER', inputs: [1, 2], outputs: [3], options: { axis: 0 } },
      { op: 'CONCATENATION', inputs: [3, 4], outputs: [5], options: { axis: 0 } },
      { op: 'MEAN', inputs: [5, 6], outputs: [7], options: { keepDims: true } },
      { op: 'SUM', inputs: [7, 8], outputs: [9], options: { keepDims: false } },
      { op: 'DEQUANTIZE', inputs: [9], outputs: [10], options: {} },
    ],
  };
  return writeTflite(m);
}

test('3,000 mutated models with the newer ops: no trap, every refusal a known status', async () => {
  const base = opsModel();
  const eng = await openRawEngine({ arenaCap: 64 * 1024, modelCap: base.length });
  assert.equal(eng.load(base), 0);
  assert.equal(eng.invoke(0), 0);
  const sum = await fuzzLoader(base, { iterations: 3_000, start: 900_001 });
  const codes = Object.entries(sum.statuses).map(([k, v]) => `${k}:${v}`).join(' ');
  const inv = Object.entries(sum.invokeStatuses).map(([k, v]) => `${k}:${v}`).join(' ');
  console.log(`# ops-model fuzz: ${sum.iterations} cases, ${sum.loaded} loaded; load statuses ${codes}; invoke statuses ${inv}`);
  for (const f of sum.failures.slice(0, 10)) console.log(`# FAIL seed ${f.seed} [${f.steps.join(' ')}] ${f.kind}: ${f.detail}`);
  assert.deepEqual(sum.failures, []);
});
