/**
 * The alert's `lead_cycles` as a prediction, and how it is scored: the predicted cycles to
 * initiation at a cell's first alert against the simulator's truth (initiation cycle minus the
 * alert's cycle), MAE in cycles with a bootstrap 95 % interval over whole packs; and paired
 * bootstrap intervals of an AUC difference between two scorers on the same samples.
 */
import { mulberry32 } from '@dendra/core/random.ts';
import { rocAuc, type Scored, type WithCi } from './metrics.ts';

/**
 * Cycles to initiation from a risk p = P(initiation within `horizon` cycles) under a constant
 * hazard: the median of the exponential waiting time, horizon ln 2 / -ln(1 - p). p is clamped to
 * [1/256, 255/256] (the int8 output's range); never throws.
 */
export function hazardLead(p: number, horizon: number): number {
  const q = Math.min(255 / 256, Math.max(1 / 256, p));
  return (horizon * Math.LN2) / -Math.log(1 - q);
}

/** A scored sample with a predicted lead (cycles to initiation). */
export interface LeadItem extends Scored { lead: number }

/** Absolute errors |predicted - true cycles to initiation| at each initiating cell's first alert, keyed by pack. */
function firstAlertErrors(items: readonly LeadItem[], threshold: number, initiation: readonly (readonly (number | null)[])[]): Map<number, number[]> {
  const first = new Map<string, LeadItem>();
  for (const it of items) {
    const init = initiation[it.pack][it.cell];
    if (init === null || it.cycle >= init || it.score < threshold) continue;
    const key = `${it.pack}:${it.cell}`;
    const f = first.get(key);
    if (!f || it.cycle < f.cycle) first.set(key, it);
  }
  const out = new Map<number, number[]>();
  for (const it of first.values()) {
    const e = Math.abs(it.lead - (initiation[it.pack][it.cell]! - it.cycle));
    (out.get(it.pack) ?? out.set(it.pack, []).get(it.pack)!).push(e);
  }
  return out;
}

/** The scored lead: MAE (cycles) with its interval, and how many first alerts it is over. */
export interface LeadScore { mae: WithCi; alerts: number }

/**
 * MAE of the lead at the first alert (score >= threshold) of every cell that initiates, with a
 * seeded bootstrap over packs (`reps` resamples). NaN when no initiating cell was alerted.
 */
export function leadMae(items: readonly LeadItem[], threshold: number, initiation: readonly (readonly (number | null)[])[], seed: number, reps = 200): LeadScore {
  const by = firstAlertErrors(items, threshold, initiation);
  const all = [...by.values()].flat();
  const [lo, hi] = packBootstrap(by, mean, seed, reps);
  return { mae: { value: mean(all), lo, hi }, alerts: all.length };
}

const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

/**
 * Seeded bootstrap 95 % interval over whole packs: `reps` resamples of the packs of `byPack` (with
 * replacement, mulberry32(seed)), each scored by `stat` on the concatenation of the resampled
 * packs' items; non-finite scores are dropped. [NaN, NaN] when there are no packs. Never throws.
 */
export function packBootstrap<T>(byPack: ReadonlyMap<number, readonly T[]>, stat: (items: T[]) => number, seed: number, reps = 200): [number, number] {
  const packs = [...byPack.keys()];
  const rand = mulberry32(seed);
  const boots: number[] = [];
  for (let r = 0; r < reps && packs.length > 0; r++) {
    const s: T[] = [];
    for (let k = 0; k < packs.length; k++) s.push(...byPack.get(packs[Math.floor(rand() * packs.length)])!);
    boots.push(stat(s));
  }
  return percentiles(boots);
}

function percentiles(v: number[]): [number, number] {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return [NaN, NaN];
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
  return [at(0.025), at(0.975)];
}

/**
 * AUC(a) - AUC(b) on the same samples (a[i] and b[i] score the same cell window), with a paired
 * seeded bootstrap over packs. Throws RangeError when the lengths differ.
 */
export function aucDifference(a: readonly Scored[], b: readonly Scored[], seed: number, reps = 200): WithCi {
  if (a.length !== b.length) throw new RangeError(`aucDifference: ${a.length} vs ${b.length} samples`);
  const byPack = new Map<number, number[]>();
  a.forEach((it, i) => (byPack.get(it.pack) ?? byPack.set(it.pack, []).get(it.pack)!).push(i));
  const diff = (idx: number[]) => rocAuc(idx.map((i) => a[i].score), idx.map((i) => a[i].label)) - rocAuc(idx.map((i) => b[i].score), idx.map((i) => b[i].label));
  const [lo, hi] = packBootstrap(byPack, diff, seed, reps);
  return { value: diff(a.map((_, i) => i)), lo, hi };
}
