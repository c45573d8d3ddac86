/**
 * Loader fuzzing: feeds seeded mutations of a model to the firmware engine's modelLoad (+ one
 * modelInvoke when the load succeeds) and classifies every outcome. Used by
 * tests/loader-fuzz.test.ts (CI size) and scripts/fuzz.ts (long runs).
 */
import { FW_STATUS } from '@dendra/core/status.ts';
import { openRawEngine, type RawEngine } from './engine.ts';
import { mutateModel } from './mutate.ts';

/** A case the firmware did not handle with a status code. */
export interface FuzzFailure {
  seed: number;
  steps: string[];
  /** 'trap' (wasm RuntimeError or abort) or 'status' (a code not in host/core/src/status.ts). */
  kind: 'trap' | 'status';
  detail: string;
}

/** Outcome counts of a fuzz run. */
export interface FuzzSummary {
  iterations: number;
  loaded: number;
  invoked: number;
  /** modelLoad statuses seen, by code. */
  statuses: Record<number, number>;
  /** modelInvoke statuses seen, by code. */
  invokeStatuses: Record<number, number>;
  failures: FuzzFailure[];
}

/**
 * Runs `iterations` mutations of `base` with seeds start .. start + iterations - 1.
 * A trap re-instantiates the engine (its state is undefined afterwards) and is recorded, as is
 * any status code that host/core/src/status.ts does not name. Never throws for a firmware fault.
 */
export async function fuzzLoader(
  base: Uint8Array,
  opts: { iterations: number; start?: number; simd?: boolean; arenaCap?: number; onProgress?: (done: number) => void },
): Promise<FuzzSummary> {
  const open = () => openRawEngine({ simd: opts.simd, arenaCap: opts.arenaCap ?? 64 * 1024, modelCap: base.length + 1024 });
  let eng: RawEngine = await open();
  const sum: FuzzSummary = { iterations: 0, loaded: 0, invoked: 0, statuses: {}, invokeStatuses: {}, failures: [] };
  const start = opts.start ?? 1;
  const note = (st: number, seed: number, steps: string[], what: string) => {
    const tally = what === 'modelLoad' ? sum.statuses : sum.invokeStatuses;
    tally[st] = (tally[st] ?? 0) + 1;
    if (!(st in FW_STATUS)) sum.failures.push({ seed, steps, kind: 'status', detail: `${what} returned ${st}` });
  };
  for (let i = 0; i < opts.iterations; i++) {
    const seed = start + i;
    const { bytes, steps } = mutateModel(base, seed);
    let phase = 'load';
    try {
      const st = eng.load(bytes);
      note(st, seed, steps, 'modelLoad');
      if (st === 0) {
        sum.loaded++;
        phase = 'invoke';
        note(eng.invoke(seed & 0x7f), seed, steps, 'modelInvoke');
        sum.invoked++;
      }
    } catch (e) {
      sum.failures.push({ seed, steps, kind: 'trap', detail: `${phase}: ${(e as Error).name}: ${(e as Error).message}` });
      eng = await open();
    }
    sum.iterations++;
    if (opts.onProgress && (i + 1) % 1000 === 0) opts.onProgress(i + 1);
  }
  return sum;
}
