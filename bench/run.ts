/**
 * `make bench`: benchmarks, not tests. Every figure is a ratio measured in this run against a peer
 * (same process, same model, same inputs, warm, single thread), because these machines are shared
 * and noisy. For every shipped model in models/: firmware SIMD and reference kernels vs the TFLite
 * interpreter (@tensorflow/tfjs-tflite) on the same file, the shipped engine vs the same source
 * built at -O3 (the speed the size flags cost), achieved MAC/ns vs a plain SIMD int8 dot loop timed
 * beside the model in the same interleaved rounds, and RAM (arena + the interpreter's static
 * tables) vs the 32 KiB goal; once: the sizes of the shipped build/engine.wasm and
 * build/firmware.wasm (what `make build` wrote) vs their goals. Writes bench/results/bench.json
 * and bench.md, and a `bench` and `boards` section into each model card.
 * Then bench/runtime.ts (`make bench-runtime`): the engine on WAMR vs V8 and the footprint (runtime.md).
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
import { compileAs, dotPeakRunner, shippedSize, timeInterleaved } from './wasm.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { measureSwap } from '@dendra/device/engine/swapcost.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');
const SIZE_GOAL = 24 * 1024;
const FIRMWARE_GOAL = 48 * 1024;
const ARENA_GOAL = 32 * 1024;
const MODELS = ['grid', 'pack'];

/** 16 inputs: real ETTh1 windows for the grid model, seeded random int8 otherwise. */
function inputsFor(name: string, bytes: Uint8Array, inLen: number): Int8Array[] {
  if (name === 'grid') return realInputs(readTflite(bytes), 16);
  const rand = mulberry32(17);
  return Array.from({ length: 16 }, () => Int8Array.from({ length: inLen }, () => Math.floor(rand() * 256) - 128));
}

/** Benchmarks one model; returns its figures and writes them into its card. */
async function benchModel(name: string, peak: () => number, o3File: string) {
  const dir = path.join(ROOT, 'models', name);
  const bytes = new Uint8Array(readFileSync(path.join(dir, `${name}.tflite`)));
  const model = readTflite(bytes);
  const ref = await loadEngine(bytes, { simd: false });
  const simd = await loadEngine(bytes, { simd: true });
  const o3 = await loadEngine(bytes, { simd: false, file: o3File });
  const oracle = await tfliteOracleSession(bytes);
  const inLen = model.tensors[model.inputs[0]].shape.reduce((a, b) => a * b, 1);
  const inputs = inputsFor(name, bytes, inLen);
  let k = 0;
  const next = () => inputs[k++ % inputs.length];
  let peakMacs = 0;
  const t = timeInterleaved({
    firmwareReference: () => ref.invoke(next()),
    firmwareSimd: () => simd.invoke(next()),
    firmwareReferenceO3: () => o3.invoke(next()),
    tfjsTflite: () => oracle.invoke(next()),
    hostExecutor: () => runInt8(model, next()),
    peak: () => { peakMacs = peak(); },
  }, { firmwareReference: 200, firmwareSimd: 200, firmwareReferenceO3: 200, tfjsTflite: 200, hostExecutor: 20, peak: 1 });
  const { peak: peakUs, ...us } = t;
  const peakMacPerNs = peakMacs / (peakUs * 1000);
  const cardPath = path.join(dir, `${name}.card.json`);
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown> & { macsPerInference: number };
  const achieved = card.macsPerInference / (us.firmwareSimd * 1000);
  const r = {
    model: `models/${name}/${name}.tflite`, modelBytes: bytes.length, arenaBytes: ref.arenaBytes, staticBytes: ref.staticBytes,
    ramBytes: ref.arenaBytes + ref.staticBytes, macsPerInference: card.macsPerInference,
    latencyUs: us, macPerNs: { achievedSimd: achieved, peakSimdDotLoop: peakMacPerNs },
    ratios: {
      simdSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareSimd,
      referenceSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareReference,
      simdSpeedupOverReference: us.firmwareReference / us.firmwareSimd,
      shippedSpeedVsO3: us.firmwareReferenceO3 / us.firmwareReference,
      ramFractionOfGoal: (ref.arenaBytes + ref.staticBytes) / ARENA_GOAL,
      achievedFractionOfPeakMacPerNs: achieved / peakMacPerNs,
    },
  };
  // Per board: does it fit (weights, arena as the firmware planned it, firmware), estimated latency/energy.
  const facts = { ...readModelCard(cardPath), arenaBytes: ref.arenaBytes + ref.staticBytes };
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
const peak = await dotPeakRunner(peakWasm);
// The peer of the shipped engine: the same source at -O3, timed beside it (what the size flags cost).
const ENGINE = path.join(ROOT, 'firmware', 'assembly', 'engine.ts');
const o3File = path.join(ROOT, 'build', 'bench', 'engine-o3.wasm');
const o3Bytes = await compileAs(ENGINE, o3File, ['-O3']);
// Sizes of the files `make build` shipped (the ones timed here and flashed to boards).
const engineBytes = shippedSize(path.join(ROOT, 'build', 'engine.wasm'));
const engineSimdBytes = shippedSize(path.join(ROOT, 'build', 'engine-simd.wasm'));
const firmwareBytes = shippedSize(path.join(ROOT, 'build', 'firmware.wasm'));
const models = [];
for (const name of MODELS) {
  if (existsSync(path.join(ROOT, 'models', name, `${name}.tflite`))) models.push(await benchModel(name, peak, o3File));
}
// The grid/pack switch (app/slot.ts slotUse) both ways, on the shipped engine: re-parsing the other
// model (modelLoad) vs exchanging the parked interpreter state record (modelSwap, both loaded).
const swap = existsSync(path.join(ROOT, 'models', 'pack', 'pack.tflite'))
  ? await measureSwap(new Uint8Array(readFileSync(path.join(ROOT, 'models', 'grid', 'grid.tflite'))), new Uint8Array(readFileSync(path.join(ROOT, 'models', 'pack', 'pack.tflite'))), 200)
  : null;
const result = {
  date: new Date().toISOString(),
  swap: swap && { ...swap, reloadOverSwap: (swap.loadGridUs + swap.loadPackUs) / 2 / swap.swapUs },
  wasmBytes: {
    engine: engineBytes, engineSimd: engineSimdBytes, engineO3Peer: o3Bytes, goal: SIZE_GOAL,
    fractionOfGoal: engineBytes / SIZE_GOAL, simdFractionOfGoal: engineSimdBytes / SIZE_GOAL,
    firmware: firmwareBytes, firmwareGoal: FIRMWARE_GOAL, firmwareFractionOfGoal: firmwareBytes / FIRMWARE_GOAL,
  },
  models,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const md = [
  '# Dendra benchmarks',
  '',
  `Run ${result.date}. Median of 9 interleaved rounds (every runner once per round, the SIMD dot-loop peak among them), warm, one thread, same inputs for every runner (real ETTh1 windows for grid, seeded random int8 for pack).`,
  '',
  '| model | SIMD vs tfjs-tflite | reference vs tfjs-tflite | SIMD vs reference | shipped (-Oz) vs -O3 speed | MAC/ns vs SIMD dot-loop peak | RAM (arena + static) / 32 KiB goal |',
  '|---|---|---|---|---|---|---|',
  ...models.map((m) => `| ${m.model} (${m.modelBytes} B, ${m.macsPerInference} MACs, arena ${m.arenaBytes} B + static ${m.staticBytes} B) | ${m.ratios.simdSpeedupOverTfjsTflite.toFixed(2)}x | ${m.ratios.referenceSpeedupOverTfjsTflite.toFixed(2)}x | ${m.ratios.simdSpeedupOverReference.toFixed(2)}x | ${m.ratios.shippedSpeedVsO3.toFixed(2)}x | ${pct(m.ratios.achievedFractionOfPeakMacPerNs)} | ${pct(m.ratios.ramFractionOfGoal)} |`),
  '',
  `Shipped images (as \`make build\` wrote them, the files timed above): build/engine.wasm ${engineBytes} B = ${pct(result.wasmBytes.fractionOfGoal)} of the 24 KiB goal (SIMD ${engineSimdBytes} B = ${pct(result.wasmBytes.simdFractionOfGoal)}); build/firmware.wasm ${firmwareBytes} B = ${pct(result.wasmBytes.firmwareFractionOfGoal)} of the 48 KiB goal. The -O3 peer engine is ${o3Bytes} B.`,
  '',
  swap ? `Grid/pack model switch (build/engine.wasm, median of ${swap.iterations} rounds each way): re-parse (modelLoad) grid ${swap.loadGridUs} us, pack ${swap.loadPackUs} us; parked state exchange (modelSwap, both models loaded) ${swap.swapUs} us: the exchange is ${result.swap!.reloadOverSwap.toFixed(0)}x faster; outputs unchanged ${swap.outputsUnchanged && swap.swapOutputsUnchanged}.` : 'Grid/pack model switch: models/pack/pack.tflite missing, not measured.',
  '',
  `Absolute latencies (us, this machine, for orientation only): ${JSON.stringify(Object.fromEntries(models.map((m) => [m.model, m.latencyUs])))}`,
  '',
].join('\n');
writeFileSync(path.join(OUT, 'bench.md'), md);
process.stdout.write(md);
// DENDRA_BENCH_ONLY=engine: stop here (bench.md and the model cards' bench and boards sections only).
if (process.env.DENDRA_BENCH_ONLY === 'engine') process.exit(0);
// MQTT fleet bench (bench/mqtt.ts, writes bench/results/mqtt.json + mqtt.md); DENDRA_BENCH_FLEET_S shortens it.
await import('./mqtt.ts');
// The same fleet on a 3-node nats-server cluster with a node killed, beside one mosquitto (bench/cluster.ts: cluster.json / cluster.md).
await import('./cluster.ts');
// Flash throughput over the paced sim UART (bench/flash.ts: writes flash.json / flash.md).
const { runFlashBench } = await import('./flash.ts');
await runFlashBench();
// CLI start-up CPU (bench/cli.ts: writes cli.json / cli.md).
const { runCliBench } = await import('./cli.ts');
await runCliBench();
// The engine on WAMR (fast interpreter, AOT) vs V8, interleaved, and the footprint (bench/runtime.ts: runtime.json / runtime.md).
const { runRuntimeBench } = await import('./runtime.ts');
await runRuntimeBench();
