/**
 * `make bench`: benchmarks, not tests. Every figure is a ratio measured in this run against a peer
 * (same process, same model, same inputs, warm, single thread), because these machines are shared
 * and noisy. Writes bench/results/bench.json and bench/results/bench.md.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTflite } from '../host/src/tflite/reader.ts';
import { runInt8 } from '../host/src/quant/executor.ts';
import { loadEngine } from '../host/src/engine/engine.ts';
import { tfliteOracleSession } from '../host/src/oracle/tfjs-tflite.ts';
import { realInputs } from '../tests/windows.ts';
import { compileAs, dotPeakMacPerNs } from './wasm.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');

/** Median time per call in microseconds over `rounds` rounds of `n` calls each. */
function timeIt(fn: () => void, n: number, rounds = 7): number {
  for (let i = 0; i < n; i++) fn(); // warm
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

const modelPath = path.join(ROOT, 'models', 'grid', 'grid.tflite');
const bytes = new Uint8Array(readFileSync(modelPath));
const model = readTflite(bytes);
const inputs = realInputs(model, 16);
let k = 0;
const next = () => inputs[k++ % inputs.length];

const ref = await loadEngine(bytes, { simd: false });
const simd = await loadEngine(bytes, { simd: true });
const oracle = await tfliteOracleSession(bytes);
const N = 200;
const us = {
  firmwareReference: timeIt(() => ref.invoke(next()), N),
  firmwareSimd: timeIt(() => simd.invoke(next()), N),
  tfjsTflite: timeIt(() => oracle.invoke(next()), N),
  hostExecutor: timeIt(() => runInt8(model, next()), 50),
};
const cardPath = path.join(ROOT, 'models', 'grid', 'grid.card.json');
const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown> & { macsPerInference: number };
const macs = card.macsPerInference;
const peakWasm = path.join(ROOT, 'build', 'bench', 'peak.wasm');
await compileAs(path.join(ROOT, 'bench', 'assembly', 'peak.ts'), peakWasm, ['-O3', '--enable', 'simd']);
const peakMacPerNs = await dotPeakMacPerNs(peakWasm);
const achievedMacPerNs = macs / (us.firmwareSimd * 1000);
// Release size of the interpreter + kernels alone (engine.ts: no app, no bootloader, no HAL) at -Oz.
const ENGINE = path.join(ROOT, 'firmware', 'assembly', 'engine.ts');
const ozBytes = await compileAs(ENGINE, path.join(ROOT, 'build', 'bench', 'engine-oz.wasm'), ['-Oz']);
const ozSimdBytes = await compileAs(ENGINE, path.join(ROOT, 'build', 'bench', 'engine-oz-simd.wasm'), ['-Oz', '--enable', 'simd']);
const SIZE_GOAL = 24 * 1024;
const ARENA_GOAL = 32 * 1024;
const result = {
  date: new Date().toISOString(),
  model: 'models/grid/grid.tflite',
  modelBytes: bytes.length,
  arenaBytes: ref.arenaBytes,
  macsPerInference: macs,
  latencyUs: us,
  macPerNs: { achievedSimd: achievedMacPerNs, peakSimdDotLoop: peakMacPerNs },
  wasmBytes: { engineOz: ozBytes, engineOzSimd: ozSimdBytes, goal: SIZE_GOAL },
  ratios: {
    simdSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareSimd,
    referenceSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareReference,
    simdSpeedupOverReference: us.firmwareReference / us.firmwareSimd,
    arenaFractionOfSimBoardLimit: ref.arenaBytes / 65536,
    arenaFractionOfGoal: ref.arenaBytes / ARENA_GOAL,
    achievedFractionOfPeakMacPerNs: achievedMacPerNs / peakMacPerNs,
    engineOzFractionOfSizeGoal: ozBytes / SIZE_GOAL,
    engineOzSimdFractionOfSizeGoal: ozSimdBytes / SIZE_GOAL,
  },
};
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
const md = [
  '# Dendra benchmarks',
  '',
  `Run ${result.date}. Grid model ${result.modelBytes} bytes, arena ${result.arenaBytes} bytes. Median of 7 rounds, warm, one thread, same inputs (real ETTh1 windows).`,
  '',
  '| figure | value |',
  '|---|---|',
  `| firmware SIMD speed-up over tfjs-tflite | ${result.ratios.simdSpeedupOverTfjsTflite.toFixed(2)}x |`,
  `| firmware reference speed-up over tfjs-tflite | ${result.ratios.referenceSpeedupOverTfjsTflite.toFixed(2)}x |`,
  `| firmware SIMD speed-up over reference kernels | ${result.ratios.simdSpeedupOverReference.toFixed(2)}x |`,
  `| arena / sim board arena limit | ${(100 * result.ratios.arenaFractionOfSimBoardLimit).toFixed(1)}% |`,
  `| arena / 32 KiB goal | ${(100 * result.ratios.arenaFractionOfGoal).toFixed(1)}% |`,
  `| achieved MAC/ns (SIMD, whole model) / peak of a plain SIMD int8 dot loop | ${(100 * result.ratios.achievedFractionOfPeakMacPerNs).toFixed(1)}% |`,
  `| interpreter + kernels at -Oz / 24 KiB goal | ${(100 * result.ratios.engineOzFractionOfSizeGoal).toFixed(1)}% (${ozBytes} B; SIMD build ${ozSimdBytes} B = ${(100 * result.ratios.engineOzSimdFractionOfSizeGoal).toFixed(1)}%) |`,
  '',
  `Absolute latencies (us, this machine, for orientation only): ${JSON.stringify(us)}`,
  '',
].join('\n');
writeFileSync(path.join(OUT, 'bench.md'), md);
// The model card carries the latest figures (ratios first; absolute numbers are this machine's).
card.bench = { date: result.date, ratios: result.ratios, macPerNs: result.macPerNs, wasmBytes: result.wasmBytes, latencyUs: us };
writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
process.stdout.write(md);
