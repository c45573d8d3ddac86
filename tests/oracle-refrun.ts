/**
 * Test-only runner for the TFLite reference-kernel oracle (scripts/oracle/ref.py: TensorFlow's
 * Python interpreter with OpResolverType.BUILTIN_REF) from the .venv-oracle/ venv that
 * scripts/deps.sh creates. Never used by the product path.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './proc.ts';

/** TensorFlow version the oracle venv must hold (DESIGN.md). */
export const TF_VERSION = '2.21.0';
const VENV = path.join(ROOT, '.venv-oracle');

/**
 * The oracle's python, or the reason it cannot run (venv absent or without tensorflow TF_VERSION).
 * DENDRA_REF_PYTHON overrides the venv (a python whose tensorflow is TF_VERSION).
 */
export function refPython(): { python: string } | { missing: string } {
  const override = process.env.DENDRA_REF_PYTHON;
  if (override) return existsSync(override) ? { python: override } : { missing: `DENDRA_REF_PYTHON=${override} does not exist` };
  const python = path.join(VENV, 'bin', 'python');
  if (!existsSync(python)) return { missing: `${VENV} is absent: run scripts/deps.sh (needs tensorflow-cpu==${TF_VERSION})` };
  const lib = path.join(VENV, 'lib');
  const ok = readdirSync(lib).some((py) => {
    const sp = path.join(lib, py, 'site-packages');
    return existsSync(sp) && readdirSync(sp).some((d) => d === `tensorflow_cpu-${TF_VERSION}.dist-info` || d === `tensorflow-${TF_VERSION}.dist-info`);
  });
  return ok ? { python } : { missing: `${VENV} has no tensorflow ${TF_VERSION}: run scripts/deps.sh` };
}

/** One model and its input sets (each set: the raw bytes of the model's single input). */
export interface RefJob { model: Uint8Array; inputs: Uint8Array[]; all?: boolean }

/** One tensor of the oracle's result, per input set. */
export interface RefTensor { index: number; name: string; dtype: string; shape: number[]; sets: Uint8Array[] }

/** Result of one job: the outputs (or, with `all`, every tensor holding data), or the oracle's error. */
export type RefResult = { ok: true; tensors: RefTensor[] } | { ok: false; error: string };

interface Header { job: number; ok: boolean; error?: string; sets?: number; tensors?: (Omit<RefTensor, 'sets'> & { bytes: number })[] }

/**
 * Runs every job in one oracle process. Rejects when the process cannot start, exits with status
 * 2 (bad jobs file), or does not answer every job; a job the oracle refuses comes back `ok: false`.
 */
export async function runRef(python: string, jobs: RefJob[]): Promise<RefResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-ref-'));
  try {
    const spec = jobs.map((j, k) => {
      const inputs = path.join(dir, `in${k}.bin`);
      writeFileSync(inputs, Buffer.concat(j.inputs));
      writeFileSync(path.join(dir, `m${k}.tflite`), j.model);
      return { model: path.join(dir, `m${k}.tflite`), inputs, outputs: path.join(dir, `out${k}.bin`), all: !!j.all };
    });
    writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(spec));
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(python, [path.join(ROOT, 'scripts', 'oracle', 'ref.py'), path.join(dir, 'jobs.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const heads = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Header);
    if (code === 2 || heads.length !== jobs.length) throw new Error(`ref.py exited ${code} after ${heads.length}/${jobs.length} jobs: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return heads.map((h, k): RefResult => {
      if (!h.ok) return { ok: false, error: h.error ?? 'unknown error' };
      const raw = new Uint8Array(readFileSync(spec[k].outputs));
      const per = h.tensors!.reduce((a, t) => a + t.bytes, 0);
      let off = 0;
      const tensors = h.tensors!.map((t) => ({ index: t.index, name: t.name, dtype: t.dtype, shape: t.shape, sets: [] as Uint8Array[] }));
      for (let s = 0; s < h.sets!; s++) {
        h.tensors!.forEach((t, i) => { tensors[i].sets.push(raw.slice(off, off + t.bytes)); off += t.bytes; });
      }
      if (off !== raw.length || off !== per * h.sets!) throw new Error(`ref.py job ${k}: ${raw.length} output bytes, expected ${per * h.sets!}`);
      return { ok: true, tensors };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
