/**
 * What time-sharing the one firmware interpreter between the grid and the pack model costs
 * (firmware/assembly/app/slot.ts slotUse): each switch re-runs `modelLoad` (parse + plan +
 * prepare) on the other model's RAM window. Measured on the firmware's own interpreter
 * (build/engine.wasm, the same code as the board's), in Node's WebAssembly, against one inference.
 */
import { performance } from 'node:perf_hooks';
import { DendraError } from '@dendra/core/errors.ts';
import { instantiateEngine } from './engine.ts';
import { median } from '@dendra/core/stats.ts';

/** Median microseconds per call of each step, arenas, and whether swapping changed an output. */
export interface SwapCost {
  loadGridUs: number;
  loadPackUs: number;
  invokeGridUs: number;
  invokePackUs: number;
  arenaGrid: number;
  arenaPack: number;
  /** Grid and pack outputs after a full swap cycle equal those before it. */
  outputsUnchanged: boolean;
  iterations: number;
}

/**
 * Loads both models into their own windows of one engine instance with one shared arena of
 * `arenaCap` bytes, then times `iterations` rounds of load grid / invoke / load pack / invoke.
 * Inputs are a fixed seeded pattern.
 * @throws DendraError `E_BUILD` when build/engine.wasm is missing, `E_MODEL` when the firmware
 *   refuses a model (its status in the message).
 */
export async function measureSwap(grid: Uint8Array, pack: Uint8Array, iterations = 200, arenaCap = 65536): Promise<SwapCost> {
  const x = await instantiateEngine(false);
  const arena = x.engineAlloc(arenaCap);
  const wins = [grid, pack].map((m) => {
    const p = x.engineAlloc(m.length);
    new Uint8Array(x.memory.buffer, p, m.length).set(m);
    return { p, n: m.length };
  });
  const arenas: number[] = [];
  const load = (i: number) => {
    const st = x.modelLoad(wins[i].p, wins[i].n, arena, arenaCap);
    if (st !== 0) throw new DendraError('E_MODEL', `firmware refused ${i === 0 ? 'the grid' : 'the pack'} model: status ${st}`);
    arenas[i] = x.modelArenaBytes();
  };
  const run = (i: number): Int8Array => {
    const inp = new Int8Array(x.memory.buffer, x.modelInputPtr(), x.modelInputBytes());
    for (let k = 0; k < inp.length; k++) inp[k] = ((k * 37 + i * 11) % 97) - 48;
    if (x.modelInvoke() !== 0) throw new DendraError('E_MODEL', 'invoke failed');
    return new Int8Array(x.memory.buffer, x.modelOutputPtr(), x.modelOutputBytes()).slice();
  };
  load(0); const g0 = run(0);
  load(1); const p0 = run(1);
  const t = { lg: [] as number[], lp: [] as number[], ig: [] as number[], ip: [] as number[] };
  let g1 = g0, p1 = p0;
  for (let it = 0; it < iterations; it++) {
    let a = performance.now(); load(0); t.lg.push(performance.now() - a);
    a = performance.now(); g1 = run(0); t.ig.push(performance.now() - a);
    a = performance.now(); load(1); t.lp.push(performance.now() - a);
    a = performance.now(); p1 = run(1); t.ip.push(performance.now() - a);
  }
  const same = (u: Int8Array, v: Int8Array) => u.length === v.length && u.every((b, k) => b === v[k]);
  const us = (a: number[]) => Math.round(median(a) * 1000 * 10) / 10;
  return {
    loadGridUs: us(t.lg), loadPackUs: us(t.lp), invokeGridUs: us(t.ig), invokePackUs: us(t.ip),
    arenaGrid: arenas[0], arenaPack: arenas[1], outputsUnchanged: same(g0, g1) && same(p0, p1), iterations,
  };
}
