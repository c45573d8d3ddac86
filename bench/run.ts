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
const result = {
  date: new Date().toISOString(),
  model: 'models/grid/grid.tflite',
  modelBytes: bytes.length,
  arenaBytes: ref.arenaBytes,
  latencyUs: us,
  ratios: {
    simdSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareSimd,
    referenceSpeedupOverTfjsTflite: us.tfjsTflite / us.firmwareReference,
    simdSpeedupOverReference: us.firmwareReference / us.firmwareSimd,
    arenaFractionOfSimBoardLimit: ref.arenaBytes / 65536,
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
  '',
  `Absolute latencies (us, this machine, for orientation only): ${JSON.stringify(us)}`,
  '',
].join('\n');
writeFileSync(path.join(OUT, 'bench.md'), md);
process.stdout.write(md);
