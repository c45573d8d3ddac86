/**
 * Bench helpers for wasm builds: compile an AssemblyScript entry with given flags (sizes, the
 * dot-product peak) and time the peak loop.
 */
import asc from 'assemblyscript/asc';
import { readFileSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Compiles `entry` to `out` with `--runtime stub --noAssert` plus `flags`; returns its size.
 * @throws Error with asc's output when compilation fails.
 */
export async function compileAs(entry: string, out: string, flags: string[]): Promise<number> {
  mkdirSync(path.dirname(out), { recursive: true });
  let err = '';
  const { error } = await asc.main([entry, '--outFile', out, '--runtime', 'stub', '--noAssert', ...flags], {
    stderr: { write: (s: string) => { err += s; return true; } },
  });
  if (error) throw new Error(`asc ${entry}: ${error.message}\n${err}`);
  return statSync(out).size;
}

/**
 * Peak int8 MACs per nanosecond of the SIMD dot loop in `wasmFile` (bench/assembly/peak.ts):
 * median of 7 rounds of `reps` dot products of length `n`.
 */
export async function dotPeakMacPerNs(wasmFile: string, n = 4096, reps = 2000): Promise<number> {
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), { env: { abort() { throw new Error('abort'); } } });
  const x = instance.exports as unknown as { memory: WebAssembly.Memory; alloc(n: number): number; peak(a: number, b: number, n: number, reps: number): number };
  const a = x.alloc(n);
  const b = x.alloc(n);
  const mem = new Int8Array(x.memory.buffer);
  for (let i = 0; i < n; i++) { mem[a + i] = (i * 37) % 255 - 127; mem[b + i] = (i * 91) % 255 - 127; }
  x.peak(a, b, n, reps); // warm
  const per: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    x.peak(a, b, n, reps);
    per.push(Number(process.hrtime.bigint() - t0));
  }
  per.sort((p, q) => p - q);
  return (n * reps) / per[3];
}
