/**
 * `make bench`: benchmarks, not tests. Every figure is a ratio measured in this run against a peer
 * (same process, same model, same inputs, warm, single thread), because these machines are shared
 * and noisy. For every shipped model in models/: firmware SIMD and reference kernels vs the TFLite
 * interpreter (@tensorflow/tfjs-tflite) on the same file, achieved MAC/ns vs a plain SIMD int8 dot
 * loop, arena vs the 32 KiB goal; once: interpreter size at -Oz vs the 24 KiB goal. Writes
 * bench/results/bench.json and bench.md, and a `bench` and `boards` section into each model card.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { runInt8 } from '@dendra/models/quant/executor.ts';
import { loadEngine } from '@dendra/device/engine/engine.ts';
import { tfliteOracleSession } from '@dendra/models/oracle/tfjs-tflite.ts';
import { listBoards, loadBoard } from '@dendra/device/boards/board.ts';
import { firmwareSize, fitModel, readModelCard } from '@dendra/device/boards/fit.ts';
import { realInputs } from '../tests/windows.ts';
import { compileAs, dotPeakMacPerNs } from './wasm.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');
const SIZE_GOAL = 24 * 1024;
const ARENA_GOAL = 32 * 1024;
const MODELS = ['grid', 'pack'];

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

/** 16 inputs: real ETTh1 windows for the grid model, seeded random int8 otherwise. */
function inputsFor(name: string, bytes: Uint8Array, inLen: number): Int8Array[] {
  if (name === 'grid') return realInputs(readTflite(bytes), 16);
  const rand = mulberry32(17);
  return Array.from({ length: 16 }, () => Int8Array.from({ length: inLen }, () => Math.floor(rand() * 256) - 128));
}

/** Benchmarks one model; returns its figures and writes them into its card. */
async function benchModel(name: string, peakMacPerNs: number) {
  const dir = path.join(ROOT, 'models', name);
  const bytes = new Uint8Array(readFileSync(path.join(dir, `${name}.tflite`)));
  const model = readTflite(bytes);
  const ref = await loadEngine(bytes, { simd: false });
  const simd = await loadEngine(bytes, { simd: true });
  const oracle = await tfliteOracleSession(bytes);
  const inLen = model.tensors[model.inputs[0]].shape.reduce((a, b) => a * b, 1);
  const inputs = inputsFor(name, bytes, inLen);
  let k = 0;
  const next = () => inputs[k++ % inputs.length];
  const us = {
    firmwareReference: timeIt(() => ref.invoke(next()), 200),
    firmwareSimd: timeIt(() => simd.invoke(next()), 200),
    tfjsTflite: timeIt(() => oracle.invoke(next()), 200),
    hostExecutor: timeIt(() => runInt8(model, next()), 20),
  };
  const cardPath = path.join(dir, `${name}.card.json`);
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown> & { macsPerInference: number };
  const achieved = card.macsPerInference / (us.firmwareSimd * 1000);
  const r = {
    model: `models/${name}/${name}.tflite`, modelBytes: bytes.length, arenaBytes: ref.arenaBytes, macsPerInference: card.macsPerInference,
    latencyUs: us, macPerNs: { achievedSimd: achieved, peakSimdDotLoop: peakMacPerNs },
    ratios: {
      simdSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareSimd,
      referenceSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareReference,
      simdSpeedupOverReference: us.firmwareReference / us.firmwareSimd,
      arenaFractionOfGoal: ref.arenaBytes / ARENA_GOAL,
      achievedFractionOfPeakMacPerNs: achieved / peakMacPerNs,
    },
  };
  // Per board: does it fit (weights, arena as the firmware planned it, firmware), estimated latency/energy.
  const facts = { ...readModelCard(cardPath), arenaBytes: ref.arenaBytes };
  const fw = firmwareSize();
  card.boards = Object.fromEntries(listBoards().map((b) => {
    const f = fitModel(loadBoard(b), facts, fw);
    return [b, { fits: f.fits, weights: f.weights, arena: f.arena, firmware: f.firmware, runtime: f.runtime, estLatencyMs: f.latencyMs, estEnergyUj: f.energyUj }];
  }));
  card.bench = { date: new Date().toISOString(), ...r };
  writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
  return r;
}

const peakWasm = path.join(ROOT, 'build', 'bench', 'peak.wasm');
await compileAs(path.join(ROOT, 'bench', 'assembly', 'peak.ts'), peakWasm, ['-O3', '--enable', 'simd']);
const peakMacPerNs = await dotPeakMacPerNs(peakWasm);
// Release size of the interpreter + kernels alone (engine.ts: no app, no bootloader, no HAL) at -Oz.
const ENGINE = path.join(ROOT, 'firmware', 'assembly', 'engine.ts');
const ozBytes = await compileAs(ENGINE, path.join(ROOT, 'build', 'bench', 'engine-oz.wasm'), ['-Oz']);
const ozSimdBytes = await compileAs(ENGINE, path.join(ROOT, 'build', 'bench', 'engine-oz-simd.wasm'), ['-Oz', '--enable', 'simd']);
const models = [];
for (const name of MODELS) {
  if (existsSync(path.join(ROOT, 'models', name, `${name}.tflite`))) models.push(await benchModel(name, peakMacPerNs));
}
const result = {
  date: new Date().toISOString(),
  wasmBytes: { engineOz: ozBytes, engineOzSimd: ozSimdBytes, goal: SIZE_GOAL, fractionOfGoal: ozBytes / SIZE_GOAL, simdFractionOfGoal: ozSimdBytes / SIZE_GOAL },
  models,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const md = [
  '# Dendra benchmarks',
  '',
  `Run ${result.date}. Median of 7 rounds, warm, one thread, same inputs for every runner (real ETTh1 windows for grid, seeded random int8 for pack).`,
  '',
  '| model | SIMD vs tfjs-tflite | reference vs tfjs-tflite | SIMD vs reference | MAC/ns vs SIMD dot-loop peak | arena / 32 KiB goal |',
  '|---|---|---|---|---|---|',
  ...models.map((m) => `| ${m.model} (${m.modelBytes} B, ${m.macsPerInference} MACs, arena ${m.arenaBytes} B) | ${m.ratios.simdSpeedupOverTfjsTflite.toFixed(2)}x | ${m.ratios.referenceSpeedupOverTfjsTflite.toFixed(2)}x | ${m.ratios.simdSpeedupOverReference.toFixed(2)}x | ${pct(m.ratios.achievedFractionOfPeakMacPerNs)} | ${pct(m.ratios.arenaFractionOfGoal)} |`),
  '',
  `Interpreter + kernels at -Oz: ${ozBytes} B = ${pct(result.wasmBytes.fractionOfGoal)} of the 24 KiB goal (SIMD build ${ozSimdBytes} B = ${pct(result.wasmBytes.simdFractionOfGoal)}).`,
  '',
  `Absolute latencies (us, this machine, for orientation only): ${JSON.stringify(Object.fromEntries(models.map((m) => [m.model, m.latencyUs])))}`,
  '',
].join('\n');
writeFileSync(path.join(OUT, 'bench.md'), md);
process.stdout.write(md);
// MQTT fleet bench (bench/mqtt.ts, writes bench/results/mqtt.json + mqtt.md); DENDRA_BENCH_FLEET_S shortens it.
await import('./mqtt.ts');
// Flash throughput over the paced sim UART (bench/flash.ts: writes flash.json / flash.md).
const { runFlashBench } = await import('./flash.ts');
await runFlashBench();
// CLI start-up CPU (bench/cli.ts: writes cli.json / cli.md).
const { runCliBench } = await import('./cli.ts');
await runCliBench();
