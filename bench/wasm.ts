/**
 * Bench helpers for wasm builds: compile an AssemblyScript entry with given flags (the dot-product
 * peak loop, the -O3 peer of the shipped engine), size the shipped files, and time runners in
 * interleaved rounds.
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

/** Size in bytes of a shipped build file (what `make build` wrote). @throws when it is missing. */
export function shippedSize(file: string): number {
  return statSync(file).size;
}

/**
 * The SIMD int8 dot loop of `wasmFile` (bench/assembly/peak.ts) as a timed runner: each call runs
 * `reps` dot products of length `n` and returns its MAC count, so that MAC/ns = macs / ns.
 */
export async function dotPeakRunner(wasmFile: string, n = 4096, reps = 200): Promise<() => number> {
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), { env: { abort() { throw new Error('abort'); } } });
  const x = instance.exports as unknown as { memory: WebAssembly.Memory; alloc(n: number): number; peak(a: number, b: number, n: number, reps: number): number };
  const a = x.alloc(n);
  const b = x.alloc(n);
  const mem = new Int8Array(x.memory.buffer);
  for (let i = 0; i < n; i++) { mem[a + i] = (i * 37) % 255 - 127; mem[b + i] = (i * 91) % 255 - 127; }
  return () => { x.peak(a, b, n, reps); return n * reps; };
}

/**
 * Times runners in interleaved rounds (round r runs every runner once, in turn, `calls[k]` calls
 * each) after one warm round; returns each runner's median time per call in microseconds. Shared,
 * noisy machines slow every runner of a round alike, so ratios of these medians are stable.
 */
export function timeInterleaved(runners: Record<string, () => unknown>, calls: Record<string, number>, rounds = 9): Record<string, number> {
  const names = Object.keys(runners);
  const per: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = -1; r < rounds; r++) {
    for (const k of names) {
      const f = runners[k];
      const n = calls[k] ?? 1;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) f();
      if (r >= 0) per[k].push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    }
  }
  return Object.fromEntries(names.map((k) => {
    const v = per[k].sort((a, b) => a - b);
    return [k, v[Math.floor(v.length / 2)]];
  }));
}
