// Traces the pack model's difference between tfjs-tflite and the reference kernels op by op:
// every intermediate tensor of models/pack/pack.tflite from TFLite's reference kernels
// (BUILTIN_REF with experimental_preserve_all_tensors, scripts/oracle/ref.py; the firmware equals
// it bit for bit, tests/oracle-ref.test.ts) against tfjs-tflite running the model cut after that
// tensor's op. Prints one line per op and asserts the explanation recorded in
// docs/notes/oracle-findings.md section 6: the first tensor that differs is a BATCH_MATMUL output
// (1 LSB, tfjs-tflite's builtin BATCH_MATMUL rounds once), the 1-LSB differences compound through
// FC/ADD to the cell logit Zc (at most 2 LSB), and LOGISTIC multiplies them by up to 0.25 * scale(Zc) / scale(Pc).
// Pending (reason printed) when the .venv-oracle/ venv is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { tfliteOracleSession } from '@dendra/models/oracle/tfjs-tflite.ts';
import { ROOT } from './proc.ts';
import { bytesOf, count, randI8, rng } from './opmodels.ts';
import { refPython, runRef } from './oracle-refrun.ts';

const py = refPython();
const pending = 'missing' in py ? `oracle venv missing: ${py.missing}` : undefined;
if (pending) console.log(`# oracle-trace pending: ${pending}`);

interface Step { op: string; tensor: string; scale: number; differ: number; total: number; max: number }

test('pack model: tfjs-tflite vs TFLite reference kernels, traced tensor by tensor', { skip: pending }, async () => {
  const bytes = new Uint8Array(readFileSync(path.join(ROOT, 'models', 'pack', 'pack.tflite')));
  const m = readTflite(bytes);
  const r = rng(54);
  const inputs = Array.from({ length: 48 }, () => randI8(r, count(m.tensors[m.inputs[0]].shape)));
  const [ref] = await runRef((py as { python: string }).python, [{ model: bytes, inputs: inputs.map(bytesOf), all: true }]);
  assert.ok(ref.ok, ref.ok ? '' : ref.error);
  const byName = new Map(ref.tensors.map((t) => [t.name, t]));
  const steps: Step[] = [];
  for (let j = 0; j < m.ops.length; j++) {
    const t = m.tensors[m.ops[j].outputs[0]];
    const cut: QModel = { ...m, ops: m.ops.slice(0, j + 1), outputs: [m.ops[j].outputs[0]] };
    const rt = byName.get(t.name);
    assert.ok(rt, `BUILTIN_REF kept tensor ${t.name}`);
    const tfl = await tfliteOracleSession(writeTflite(cut));
    const s: Step = { op: m.ops[j].op, tensor: t.name, scale: t.quant!.scale[0], differ: 0, total: 0, max: 0 };
    try {
      for (const [k, x] of inputs.entries()) {
        const theirs = tfl.run(x) as Int8Array;
        const want = new Int8Array(rt.sets[k].buffer, rt.sets[k].byteOffset, rt.sets[k].byteLength);
        for (let i = 0; i < want.length; i++) {
          s.total++;
          const d = Math.abs(theirs[i] - want[i]);
          if (d) { s.differ++; s.max = Math.max(s.max, d); }
        }
      }
    } finally {
      tfl.close();
    }
    console.log(`# op ${j} ${s.op} -> ${s.tensor} (scale ${s.scale.toPrecision(3)}): tfjs-tflite != BUILTIN_REF on ${s.differ}/${s.total}, max ${s.max} LSB`);
    steps.push(s);
  }
  const first = steps.findIndex((s) => s.differ > 0);
  assert.equal(steps[first].op, 'BATCH_MATMUL', 'the first tensor that differs is a BATCH_MATMUL output');
  assert.equal(steps[first].max, 1, 'by 1 LSB');
  const out = steps[steps.length - 1];
  // Each LOGISTIC head: the cell risk (Zc -> Pc), the pack risk (Zp -> Pp) and, in models with the
  // lead head, the cycles-to-initiation (Zl -> Pl). 2 LSB at a logit for the shipped (retrained)
  // model; 1 for the model before it: the compounding depends on the weights.
  const heads = [['Zc', 'Pc'], ['Zp', 'Pp'], ['Zl', 'Pl']].map(([z, q]) => [steps.find((s) => s.tensor === z), steps.find((s) => s.tensor === q)] as const)
    .filter(([z, q]) => z !== undefined && q !== undefined) as [Step, Step][];
  assert.ok(heads.length >= 2, 'the cell and pack heads are traced');
  for (const [z, q] of heads) {
    assert.ok(z.max <= 2, `the logit ${z.tensor} is at most 2 LSB off (got ${z.max})`);
    assert.ok(q.max <= Math.ceil((0.25 * z.max * z.scale) / q.scale), `LOGISTIC ${q.tensor} amplifies by at most its slope 0.25 * scale(${z.tensor}) / scale(${q.tensor})`);
  }
  assert.equal(out.max, Math.max(...heads.map(([, q]) => q.max)), 'the output Y carries the largest LOGISTIC difference unchanged');
});
