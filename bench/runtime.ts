/**
 * `make bench-runtime` (also run by `make bench`): time per inference of the grid and pack models
 * on the firmware's interpreter (build/engine.wasm, engine-simd.wasm) under WAMR -- fast
 * interpreter and AOT (wamrc against Debian's LLVM 19) -- beside V8 (Node's WebAssembly, as
 * bench/run.ts) on the same inputs, in interleaved rounds: every round runs each of the six
 * runners once, in an order rotated round by round; times are medians over rounds, and each
 * ratio WAMR/V8 is the median over rounds of the ratio within a round (paired). Every
 * WAMR runner first checks that its int8 outputs equal V8's byte for byte for all inputs (and
 * again at the end). Plus the footprint (runtime-footprint.ts). Writes bench/results/runtime.json
 * and runtime.md. DENDRA_BENCH_RUNTIME_ROUNDS (default 31) and DENDRA_BENCH_RUNTIME_ROUND_MS
 * (default 25) size the run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngine, enginePath } from '@dendra/device/engine/engine.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { benchInputs, inputsKind } from './inputs.ts';
import { BENCH_BIN, BUILD_DIR, ROOT, buildBenchProgram, buildWamrc, compileAot } from './runtime-build.ts';
import { WamrChild, type ChildDone } from './runtime-child.ts';
import { measureFootprint } from './runtime-footprint.ts';
import { runtimeMarkdown } from './runtime-report.ts';

const OUT = path.join(ROOT, 'bench', 'results');
const MODELS = ['grid', 'pack'];

/** The six runners, in the order of round 0 (later rounds rotate it). */
export const RUNNERS = ['v8Ref', 'v8Simd', 'wamrInterpRef', 'wamrInterpSimd', 'wamrAotRef', 'wamrAotSimd'] as const;
export type RunnerId = typeof RUNNERS[number];

interface Runner {
  id: RunnerId;
  /** Microseconds per inference over one round of `iters` inferences. */
  round(iters: number): Promise<number>;
}

/** The q-quantile (0..1, linear interpolation) of a non-empty list. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/**
 * WAMR/V8 from paired rounds: the ratio within each round (both ran in it, close in time), then
 * the median and quartiles over rounds. Null when either runner did not run.
 */
export function pairedRatio(a: number[] | undefined, b: number[] | undefined): { median: number; q1: number; q3: number } | null {
  if (!a || !b || a.length !== b.length || a.length === 0) return null;
  const r = a.map((v, k) => v / b[k]);
  return { median: median(r), q1: quantile(r, 0.25), q3: quantile(r, 0.75) };
}

/** A V8 runner: the engine.ts invoke (copy the input, modelInvoke), timed with hrtime. */
function v8Runner(id: RunnerId, invoke: (x: Int8Array) => void, inputs: Int8Array[]): Runner {
  let k = 0;
  return {
    id,
    async round(iters) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iters; i++) invoke(inputs[k++ % inputs.length]);
      return Number(process.hrtime.bigint() - t0) / 1000 / iters;
    },
  };
}

const concat = (parts: ArrayLike<number>[]) => Buffer.concat(parts.map((p) => Buffer.from(Uint8Array.from(p as ArrayLike<number>))));

/** Starts the WAMR children of one model; each verifies its outputs against V8's before it is ready. */
async function wamrRunners(name: string, files: { model: string; inputs: string; ref: string; simd: string },
                           engines: Partial<Record<RunnerId, string>>, vectors: number): Promise<{ runners: Runner[]; children: Map<RunnerId, WamrChild> }> {
  const children = new Map<RunnerId, WamrChild>();
  for (const [id, engine] of Object.entries(engines) as [RunnerId, string][]) {
    const expect = id.endsWith('Simd') ? files.simd : files.ref;
    children.set(id, new WamrChild(`${name} ${id}`, BENCH_BIN, ['--engine', engine, '--model', files.model, '--inputs', files.inputs, '--expect', expect]));
  }
  try {
    for (const [id, c] of children) {
      const r = await c.ready();
      if (r.verified !== vectors) throw new DendraError('E_WAMR_RUN', `${name} ${id}: checked ${r.verified} of ${vectors} outputs`);
    }
  } catch (e) {
    for (const c of children.values()) c.kill();
    throw e;
  }
  return { runners: [...children].map(([id, c]) => ({ id, round: (n: number) => c.round(n) })), children };
}

/** Iterations per round so that one round of `r` takes about `roundMs`. */
async function calibrate(r: Runner, roundMs: number): Promise<number> {
  await r.round(3); // warm
  const us = await r.round(5);
  return Math.max(3, Math.min(200_000, Math.ceil((roundMs * 1000) / Math.max(us, 0.01))));
}

/** Benchmarks one model over every available runner. */
async function benchModel(name: string, aot: { ref: string; simd: string } | null, rounds: number, roundMs: number) {
  const modelFile = path.join(ROOT, 'models', name, `${name}.tflite`);
  const bytes = new Uint8Array(readFileSync(modelFile));
  const inputs = benchInputs(name, bytes);
  const ref = await loadEngine(bytes, { simd: false });
  const simd = await loadEngine(bytes, { simd: true });
  const files = { model: modelFile, inputs: path.join(BUILD_DIR, `${name}-inputs.bin`), ref: path.join(BUILD_DIR, `${name}-v8-ref.bin`), simd: path.join(BUILD_DIR, `${name}-v8-simd.bin`) };
  const refOut = inputs.map((x) => ref.run(x));
  const simdOut = inputs.map((x) => simd.run(x));
  writeFileSync(files.inputs, concat(inputs));
  writeFileSync(files.ref, concat(refOut));
  writeFileSync(files.simd, concat(simdOut));
  const engines: Partial<Record<RunnerId, string>> = { wamrInterpRef: enginePath(false), wamrInterpSimd: enginePath(true), ...(aot ? { wamrAotRef: aot.ref, wamrAotSimd: aot.simd } : {}) };
  const wamr = await wamrRunners(name, files, engines, inputs.length);
  const runners = [v8Runner('v8Ref', ref.invoke, inputs), v8Runner('v8Simd', simd.invoke, inputs), ...wamr.runners];
  const us: Partial<Record<RunnerId, number[]>> = {};
  const iters: Partial<Record<RunnerId, number>> = {};
  let done: Partial<Record<RunnerId, ChildDone>> = {};
  try {
    for (const r of runners) iters[r.id] = await calibrate(r, roundMs);
    for (let k = 0; k < rounds; k++) {
      for (let j = 0; j < runners.length; j++) {
        const r = runners[(k + j) % runners.length];
        (us[r.id] ??= []).push(await r.round(iters[r.id]!));
      }
    }
    done = Object.fromEntries(await Promise.all([...wamr.children].map(async ([id, c]) => [id, await c.finish()] as const)));
  } finally {
    for (const c of wamr.children.values()) c.kill();
  }
  const med = Object.fromEntries(Object.entries(us).map(([id, xs]) => [id, median(xs)])) as Partial<Record<RunnerId, number>>;
  const ratio = (a: RunnerId, b: RunnerId) => pairedRatio(us[a], us[b]);
  return {
    model: `models/${name}/${name}.tflite`, modelBytes: bytes.length, arenaBytes: ref.arenaBytes,
    inputs: { kind: inputsKind(name), vectors: inputs.length, inputBytes: inputs[0].length, outputBytes: refOut[0].length },
    bitExact: { wamrRunnersCheckedAgainstV8: Object.keys(done).length, v8SimdEqualsV8Ref: refOut.every((o, i) => Buffer.from(o).equals(Buffer.from(simdOut[i]))) },
    medianUsPerInference: med, itersPerRound: iters, roundsUs: us,
    ratiosWamrOverV8: {
      interpRef: ratio('wamrInterpRef', 'v8Ref'), interpSimd: ratio('wamrInterpSimd', 'v8Simd'),
      aotRef: ratio('wamrAotRef', 'v8Ref'), aotSimd: ratio('wamrAotSimd', 'v8Simd'),
    },
    wamrProcess: done,
  };
}

/** Builds what is missing, runs every model and measures the footprint; the figures of runtime.json. */
async function collect() {
  const rounds = Number(process.env.DENDRA_BENCH_RUNTIME_ROUNDS ?? 31);
  const roundMs = Number(process.env.DENDRA_BENCH_RUNTIME_ROUND_MS ?? 25);
  if (!Number.isInteger(rounds) || rounds < 1 || !(roundMs > 0)) throw new DendraError('E_USAGE', 'DENDRA_BENCH_RUNTIME_ROUNDS must be an integer >= 1 and DENDRA_BENCH_RUNTIME_ROUND_MS > 0', 2);
  for (const simd of [false, true]) if (!existsSync(enginePath(simd))) throw new DendraError('E_BUILD', `${enginePath(simd)} is missing: run make build`);
  mkdirSync(BUILD_DIR, { recursive: true });
  buildBenchProgram();
  const { wamrc, note: aotNote } = buildWamrc();
  const aot = wamrc ? { ref: compileAot(wamrc, enginePath(false)), simd: compileAot(wamrc, enginePath(true)) } : null;
  const models = [];
  for (const name of MODELS) {
    if (existsSync(path.join(ROOT, 'models', name, `${name}.tflite`))) models.push(await benchModel(name, aot, rounds, roundMs));
  }
  return {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, node: process.version, v8: process.versions.v8 },
    method: { rounds, roundMs, order: 'every runner once per round, the order rotated by one each round', timing: 'V8: process.hrtime in the node process; WAMR: clock_gettime(CLOCK_MONOTONIC) in build/wamr-engine-bench', perInference: 'copy the input into linear memory + modelInvoke (engine.ts invoke)' },
    wamr: { build: 'fast interpreter with SIMD (simde), AOT loader, no JIT, no libc/WASI; Linux hardware bound checks', aot: aotNote, aotFiles: aot && { ref: path.relative(ROOT, aot.ref), simd: path.relative(ROOT, aot.simd) } },
    models,
    footprint: await measureFootprint(models.flatMap((m) => Object.values(m.wamrProcess)), wamrc),
  };
}

/** Everything bench/results/runtime.json holds. */
export type RuntimeResult = Awaited<ReturnType<typeof collect>>;

/** Runs the whole runtime benchmark and writes bench/results/runtime.json and runtime.md. */
export async function runRuntimeBench(): Promise<void> {
  const result = await collect();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'runtime.json'), JSON.stringify(result, null, 2) + '\n');
  const md = runtimeMarkdown(result);
  writeFileSync(path.join(OUT, 'runtime.md'), md);
  process.stdout.write(md);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await runRuntimeBench();
  } catch (e) {
    process.stderr.write(`bench-runtime: ${(e as Error).message}\n`);
    process.exit(e instanceof DendraError ? e.exitCode : 1);
  }
}
