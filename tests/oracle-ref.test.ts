// The firmware interpreter (build/engine.wasm reference kernels AND build/engine-simd.wasm) vs
// TFLite's reference kernels (TensorFlow 2.21.0's Python interpreter with
// OpResolverType.BUILTIN_REF, scripts/oracle/ref.py), element by element, on the same .tflite
// bytes and inputs: every op builder of tests/opmodels.ts (seeded random models and inputs) and the
// shipped grid and pack models (real and random inputs). Target: bit-exact.
// Pending (skipped, reason printed) when the .venv-oracle/ venv of scripts/deps.sh is missing.
// Results: docs/notes/oracle-findings.md section 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEngine, type Engine } from '@dendra/device/engine/engine.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { buildDataset, MAX_CELLS, N_FEATURES, normalizeX } from '@dendra/models/pack/dataset.ts';
import { loadPackFloat } from '@dendra/models/pack/pipeline.ts';
import { quantizeInput } from '@dendra/models/pack/quantize.ts';
import { ROOT } from './proc.ts';
import { realInputs } from './windows.ts';
import { bytesOf, count, OP_BUILDERS, randI8, rng, type OpCase } from './opmodels.ts';
import { refPython, runRef, type RefJob, type RefResult } from './oracle-refrun.ts';

const MODELS_PER_OP = 12;
const INPUTS_PER_MODEL = 32;
const py = refPython();
const pending = 'missing' in py ? `oracle venv missing: ${py.missing}` : undefined;
if (pending) console.log(`# oracle-ref tests pending: ${pending}`);

/** Random f32 inputs for QUANTIZE: a spread of values, a quarter of them exact .5 ties of x / scale. */
function floatInput(r: () => number, m: QModel): Float32Array {
  const s = Math.fround(m.tensors[m.ops[0].outputs[0]].quant!.scale[0]);
  return Float32Array.from({ length: count(m.tensors[m.inputs[0]].shape) }, () =>
    r() < 0.25 ? Math.fround((Math.floor(r() * 300) - 150 + 0.5) * s) : Math.fround((r() - 0.5) * 300 * s));
}

interface Case { name: string; bytes: Uint8Array; inputs: Uint8Array[] }

function opCases(): Case[] {
  const out: Case[] = [];
  Object.entries(OP_BUILDERS).forEach(([name, build], b) => {
    const r = rng(1000 + 17 * b);
    for (let k = 0; k < MODELS_PER_OP; k++) {
      const c: OpCase = build(r);
      const n = count(c.model.tensors[c.model.inputs[0]].shape);
      const inputs = Array.from({ length: INPUTS_PER_MODEL }, () => bytesOf(c.input === 'float32' ? floatInput(r, c.model) : randI8(r, n)));
      out.push({ name, bytes: writeTflite(c.model), inputs });
    }
  });
  return out;
}

/** Pack windows as the host pipeline builds them: simulated test-split packs, normalized with the model's stored norm, quantized. */
function packRealInputs(m: QModel, n: number): Uint8Array[] {
  const f = loadPackFloat(path.join(ROOT, 'models', 'pack'));
  const ds = buildDataset({ ...f.dataset, packs: { train: 1, val: 1, test: 2 }, only: ['test'] });
  const x = normalizeX(ds.test, f.norm);
  const nodeF = MAX_CELLS * N_FEATURES;
  const step = Math.max(1, Math.floor(ds.test.size / n));
  return Array.from({ length: Math.min(n, ds.test.size) }, (_, k) => bytesOf(quantizeInput(m, x.subarray(k * step * nodeF, (k * step + 1) * nodeF))));
}

const shipped = (name: string) => new Uint8Array(readFileSync(path.join(ROOT, 'models', name, `${name}.tflite`)));
function modelCases(): Case[] {
  const grid = shipped('grid');
  const pack = shipped('pack');
  const gm = readTflite(grid);
  const pm = readTflite(pack);
  const rand = (m: QModel, seed: number, n: number) => { const r = rng(seed); return Array.from({ length: n }, () => bytesOf(randI8(r, count(m.tensors[m.inputs[0]].shape)))); };
  return [
    { name: 'grid model, real ETTh1 windows', bytes: grid, inputs: realInputs(gm, 200).map(bytesOf) },
    { name: 'grid model, random inputs', bytes: grid, inputs: rand(gm, 96, 200) },
    { name: 'pack model, real pack windows', bytes: pack, inputs: packRealInputs(pm, 120) },
    { name: 'pack model, random inputs', bytes: pack, inputs: rand(pm, 54, 200) },
  ];
}

let all: Promise<{ cases: Case[]; results: RefResult[] }> | undefined;
/** Every case run through the oracle once (one python process for the whole file). */
function oracle(): Promise<{ cases: Case[]; results: RefResult[] }> {
  all ??= (async () => {
    const cases = [...opCases(), ...modelCases()];
    const jobs: RefJob[] = cases.map((c) => ({ model: c.bytes, inputs: c.inputs }));
    return { cases, results: await runRef((py as { python: string }).python, jobs) };
  })();
  return all;
}

interface Tally { total: number; equal: number; maxDiff: number; simdEqual: number }

/** Element values of raw output bytes (int8 or f32, as the oracle reports the dtype). */
const values = (b: Uint8Array, dtype: string): ArrayLike<number> =>
  dtype === 'float32' ? new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) : new Int8Array(b.buffer, b.byteOffset, b.byteLength);

async function compare(c: Case, res: RefResult, t: Tally, onDiff?: (input: number, i: number, ours: number, theirs: number) => void): Promise<void> {
  assert.ok(res.ok, `${c.name}: oracle refused the model: ${res.ok ? '' : res.error}`);
  assert.equal(res.tensors.length, 1, `${c.name}: one output`);
  const out = res.tensors[0];
  const ref: Engine = await loadEngine(c.bytes, { simd: false });
  const simd: Engine = await loadEngine(c.bytes, { simd: true });
  c.inputs.forEach((x, k) => {
    const a = ref.runBytes(x);
    const s = simd.runBytes(x);
    const theirs = values(out.sets[k], out.dtype);
    const ours = values(a, out.dtype);
    const oursSimd = values(s, out.dtype);
    assert.equal(ours.length, theirs.length, `${c.name}: output length`);
    for (let i = 0; i < ours.length; i++) {
      t.total++;
      if (Object.is(oursSimd[i], ours[i])) t.simdEqual++;
      if (Object.is(ours[i], theirs[i])) t.equal++;
      else {
        t.maxDiff = Math.max(t.maxDiff, Math.abs(ours[i] - theirs[i]));
        onDiff?.(k, i, ours[i], theirs[i]);
      }
    }
  });
}

function report(name: string, t: Tally): void {
  console.log(`# ${name}: firmware == BUILTIN_REF ${t.equal}/${t.total} (${((100 * t.equal) / t.total).toFixed(2)}%), max |diff| ${t.maxDiff}; SIMD == reference ${t.simdEqual}/${t.total}`);
}

// TensorFlow 2.21's BUILTIN_REF SUM on int8 returns values that are no function of the real sum
// (runs of -1 / 0, bytes that look like an int32 written into the int8 output; measured in
// docs/notes/oracle-findings.md section 6), so SUM is compared and printed but marked todo; the
// firmware's SUM follows TFLite Micro (tests/oracle-ops.test.ts checks it element by element).
const ORACLE_DEFECT = 'TFLite 2.21 BUILTIN_REF int8 SUM output is not the requantized sum (oracle defect, oracle-findings.md section 6)';
for (const name of Object.keys(OP_BUILDERS)) {
  const todo = name.startsWith('SUM') ? ORACLE_DEFECT : undefined;
  test(`BUILTIN_REF ${name}: firmware reference and SIMD == TFLite reference kernels, ${MODELS_PER_OP} models x ${INPUTS_PER_MODEL} inputs`, { skip: pending, todo }, async () => {
    const { cases, results } = await oracle();
    const t: Tally = { total: 0, equal: 0, maxDiff: 0, simdEqual: 0 };
    for (const [k, c] of cases.entries()) if (c.name === name) await compare(c, results[k], t);
    report(name, t);
    assert.equal(t.simdEqual, t.total, `${name}: SIMD != reference`);
    assert.equal(t.equal, t.total, `${name}: firmware != BUILTIN_REF on ${t.total - t.equal} elements`);
  });
}

for (const name of ['grid model, real ETTh1 windows', 'grid model, random inputs', 'pack model, real pack windows', 'pack model, random inputs']) {
  test(`BUILTIN_REF ${name}: firmware reference and SIMD == TFLite reference kernels`, { skip: pending }, async () => {
    const { cases, results } = await oracle();
    const k = cases.findIndex((c) => c.name === name);
    const t: Tally = { total: 0, equal: 0, maxDiff: 0, simdEqual: 0 };
    await compare(cases[k], results[k], t);
    report(name, t);
    assert.equal(t.simdEqual, t.total, `${name}: SIMD != reference`);
    assert.equal(t.equal, t.total, `${name}: firmware != BUILTIN_REF on ${t.total - t.equal} elements`);
  });
}
