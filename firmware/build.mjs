// Builds the firmware with the AssemblyScript compiler's JS API (works from a clean clone after
// `npm ci`; run from anywhere: `node firmware/build.mjs`).
//
//   build/firmware.wasm       board firmware (firmware/assembly/main.ts), reference kernels
//   build/firmware-simd.wasm  the same with the WebAssembly SIMD kernels (--enable simd)
//   build/engine.wasm         the interpreter alone (firmware/assembly/engine.ts, no HAL imports)
//   build/engine-simd.wasm    the same with SIMD
//
// Flags: --runtime stub (bump allocator, nothing is freed; all buffers are allocated at init),
// --noAssert, -Oz. The kernels' inner loops inline their helpers in the source (@inline on the
// dot products, the fixed-point requantization and the parameter reads), so -Oz costs them no
// calls: measured against -O3 in interleaved rounds (bench/results/bench.md), the grid and pack
// inferences stay within a few percent while the images shrink (engine.wasm 31,665 B -> ~22 KB,
// firmware.wasm 73,331 B -> ~49 KB). These are the files the board flashes and the bench measures.
// Memory is exported. SIMD builds never enable relaxed-simd (wrong results measured on Node 20).
// Before compiling, firmware/assembly/texts.ts is regenerated from texts.json (firmware/texts.mjs).
import asc from 'assemblyscript/asc';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTexts } from './texts.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build');

/** The flags of every shipped build (bench/wasm.ts reads them too). */
export const COMMON = ['--runtime', 'stub', '--noAssert', '-Oz'];
const TARGETS = [
  { entry: 'firmware/assembly/main.ts', out: 'firmware.wasm', simd: false },
  { entry: 'firmware/assembly/main.ts', out: 'firmware-simd.wasm', simd: true },
  { entry: 'firmware/assembly/engine.ts', out: 'engine.wasm', simd: false },
  { entry: 'firmware/assembly/engine.ts', out: 'engine-simd.wasm', simd: true },
];

async function build(t) {
  const args = [
    path.join(ROOT, t.entry),
    '--outFile', path.join(OUT, t.out),
    ...COMMON,
    ...(t.simd ? ['--enable', 'simd'] : []),
  ];
  let errText = '';
  const { error } = await asc.main(args, {
    stdout: process.stdout,
    stderr: { write: (s) => { errText += s; return true; } },
  });
  if (error) {
    process.stderr.write(errText);
    throw new Error(`asc failed for ${t.out}: ${error.message}`);
  }
  if (errText.trim()) process.stderr.write(errText);
  return statSync(path.join(OUT, t.out)).size;
}

/** Size goals of the shipped images (issue 15): engine alone and the image a board flashes. */
export const SIZE_GOALS = { 'engine.wasm': 24 * 1024, 'firmware.wasm': 48 * 1024 };

/** Builds every target into build/; returns { file: bytes }. Throws on a compile error. */
export async function buildAll() {
  generateTexts();
  mkdirSync(OUT, { recursive: true });
  const sizes = {};
  for (const t of TARGETS) sizes[t.out] = await build(t);
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const sizes = await buildAll();
    for (const [f, n] of Object.entries(sizes)) {
      const goal = SIZE_GOALS[f];
      console.log(`build/${f}  ${n} bytes${goal ? `  (goal ${goal}: ${n <= goal ? 'met' : `${n - goal} B over`})` : ''}`);
    }
  } catch (e) {
    console.error(`firmware build: ${e.message}`);
    process.exit(1);
  }
}
