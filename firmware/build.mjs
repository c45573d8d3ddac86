// Builds the firmware with the AssemblyScript compiler's JS API (works from a clean clone after
// `npm ci`; run from anywhere: `node firmware/build.mjs`).
//
//   build/firmware.wasm       board firmware (firmware/assembly/main.ts), reference kernels
//   build/firmware-simd.wasm  the same with the WebAssembly SIMD kernels (--enable simd)
//   build/engine.wasm         the interpreter alone (firmware/assembly/engine.ts, no HAL imports)
//   build/engine-simd.wasm    the same with SIMD
//
// Flags: --runtime stub (bump allocator, nothing is freed; all buffers are allocated at init),
// --noAssert, -O3: the inference loop is the hot path on the board, and -O3 inlines the
// fixed-point helpers into the kernels' inner loops; the size cost over -Oz is a few KB
// (see the sizes printed below), which is small next to the model slot. Memory is exported.
// SIMD builds never enable relaxed-simd (wrong results measured on Node 20).
import asc from 'assemblyscript/asc';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build');

const COMMON = ['--runtime', 'stub', '--noAssert', '-O3'];
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

mkdirSync(OUT, { recursive: true });
for (const t of TARGETS) {
  try {
    const size = await build(t);
    console.log(`build/${t.out}  ${size} bytes`);
  } catch (e) {
    console.error(`firmware build: ${e.message}`);
    process.exit(1);
  }
}
