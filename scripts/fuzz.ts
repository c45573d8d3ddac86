// Long-running loader fuzz target: seeded mutations of a .tflite through the firmware engine.
//   node --import tsx scripts/fuzz.ts [--iterations N] [--start SEED] [--simd] [--model PATH]
// Exits 1 and prints each failing seed (reproducible: same seed, same bytes) when a case traps
// or returns a status host/core/src/status.ts does not name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fuzzLoader } from '@dendra/device/engine/fuzz.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100000' },
    start: { type: 'string', default: '1' },
    simd: { type: 'boolean', default: false },
    model: { type: 'string', default: path.join(ROOT, 'models/grid/grid.tflite') },
  },
});
const iterations = Number(values.iterations);
const start = Number(values.start);
if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(start)) {
  console.error('fuzz: --iterations must be a positive integer and --start an integer');
  process.exit(2);
}
const base = new Uint8Array(readFileSync(values.model!));
const t0 = Date.now();
const sum = await fuzzLoader(base, {
  iterations, start, simd: values.simd,
  onProgress: (n) => { if (n % 10000 === 0) process.stderr.write(`fuzz: ${n}/${iterations}\n`); },
});
const codes = Object.entries(sum.statuses).map(([k, v]) => `${k}:${v}`).join(' ');
const invCodes = Object.entries(sum.invokeStatuses).map(([k, v]) => `${k}:${v}`).join(' ');
console.log(`fuzz: ${sum.iterations} cases (seeds ${start}..${start + iterations - 1}) in ${Date.now() - t0} ms; ` +
  `${sum.loaded} loaded, ${sum.invoked} invoked; load statuses ${codes}; invoke statuses ${invCodes}; ${sum.failures.length} failures`);
for (const f of sum.failures) console.log(`FAIL seed ${f.seed} [${f.steps.join(' ')}] ${f.kind}: ${f.detail}`);
process.exit(sum.failures.length ? 1 : 0);
