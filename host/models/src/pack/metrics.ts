/**
 * Metrics of the pack dendrite-risk model: ROC-AUC, F1 at an operating threshold chosen on
 * validation, median warning lead (cycles from a cell's first alert to its initiation) and seeded
 * bootstrap 95 % confidence intervals that resample whole packs (samples of one pack are
 * correlated, so resampling windows would understate the spread).
 */
import { mulberry32 } from '@dendra/core/random.ts';
import { median } from '@dendra/core/stats.ts';

/** One scored per-cell sample. */
export interface Scored {
  score: number;
  label: 0 | 1;
  /** Pack index within the split (the bootstrap unit). */
  pack: number;
  /** Cell index within the pack. */
  cell: number;
  /** Last observed cycle of the window. */
  cycle: number;
}

/**
 * ROC-AUC by the rank-sum (Mann-Whitney) formula, ties counted half. Returns NaN when either class
 * is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]] === 1) { nPos++; rankSum += rank; }
    i = j + 1;
  }
  const nNeg = idx.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** F1 of the rule score >= threshold; 0 when there are no true positives. */
export function f1At(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): number {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const alert = scores[i] >= threshold;
    if (alert && labels[i] === 1) tp++;
    else if (alert) fp++;
    else if (labels[i] === 1) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/**
 * The threshold (one of the scores) that maximises F1 on these samples; the lowest such on ties.
 * Returns Infinity (never alert) when there is no positive.
 */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const pos = Array.from(labels).filter((l) => l === 1).length;
  if (pos === 0) return Infinity;
  let tp = 0, fp = 0, best = -1, thr = Infinity;
  for (let i = 0; i < idx.length; i++) {
    if (labels[idx[i]] === 1) tp++; else fp++;
    if (i + 1 < idx.length && scores[idx[i + 1]] === scores[idx[i]]) continue;
    const f1 = (2 * tp) / (tp + fp + pos);
    if (f1 > best) { best = f1; thr = scores[idx[i]]; }
  }
  return thr;
}

/**
 * Warning leads: for every cell that initiates (a positive window exists) the cycles from its first
 * alert (score >= threshold, any window before initiation) to its initiation cycle. Cells never
 * alerted before initiation are counted as missed. `initiation[pack][cell]` is the cycle.
 */
export function warningLeads(items: readonly Scored[], threshold: number, initiation: readonly (readonly (number | null)[])[]): { leads: number[]; missed: number } {
  const first = new Map<string, number>();
  const positives = new Set<string>();
  for (const it of items) {
    const key = `${it.pack}:${it.cell}`;
    if (it.label === 1) positives.add(key);
    if (it.score >= threshold && (first.get(key) ?? Infinity) > it.cycle) first.set(key, it.cycle);
  }
  const leads: number[] = [];
  let missed = 0;
  for (const key of positives) {
    const [p, c] = key.split(':').map(Number);
    const init = initiation[p][c];
    const a = first.get(key);
    if (init === null || a === undefined) missed++;
    else leads.push(init - a);
  }
  return { leads, missed };
}

/** A point estimate with its bootstrap 95 % interval. */
export interface WithCi {
  value: number;
  lo: number;
  hi: number;
}

/** Metrics of one scorer on one split. */
export interface RiskMetrics {
  auc: WithCi;
  f1: WithCi;
  /** Median cycles from first alert to initiation, over the alerted initiating cells. */
  medianLead: WithCi;
  /** Initiating cells never alerted before initiation / all initiating cells. */
  missedFraction: number;
  threshold: number;
  samples: number;
  positives: number;
}

/** Point metrics of one set of items at a threshold. */
function pointMetrics(items: readonly Scored[], threshold: number, initiation: readonly (readonly (number | null)[])[]): [number, number, number] {
  const s = items.map((i) => i.score);
  const l = items.map((i) => i.label);
  return [rocAuc(s, l), f1At(s, l, threshold), median(warningLeads(items, threshold, initiation).leads)];
}

/** 2.5th and 97.5th percentiles of the finite values. */
function interval(v: number[]): [number, number] {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return [NaN, NaN];
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
  return [at(0.025), at(0.975)];
}

/**
 * Metrics with bootstrap 95 % intervals: `reps` resamples of the packs (with replacement, seeded);
 * a pack drawn twice contributes its samples twice (its cells get distinct bootstrap keys).
 */
export function evaluateRisk(
  items: readonly Scored[], threshold: number, initiation: readonly (readonly (number | null)[])[], seed: number, reps = 200,
): RiskMetrics {
  const [auc, f1, lead] = pointMetrics(items, threshold, initiation);
  const byPack = new Map<number, Scored[]>();
  for (const it of items) (byPack.get(it.pack) ?? byPack.set(it.pack, []).get(it.pack)!).push(it);
  const packs = [...byPack.keys()];
  const rand = mulberry32(seed);
  const stats: [number[], number[], number[]] = [[], [], []];
  for (let r = 0; r < reps; r++) {
    const sample: Scored[] = [];
    const init: (number | null)[][] = [];
    for (let k = 0; k < packs.length; k++) {
      const p = packs[Math.floor(rand() * packs.length)];
      init.push([...initiation[p]]);
      for (const it of byPack.get(p)!) sample.push({ ...it, pack: k });
    }
    pointMetrics(sample, threshold, init).forEach((v, i) => stats[i].push(v));
  }
  const ci = (v: number, s: number[]): WithCi => { const [lo, hi] = interval(s); return { value: v, lo, hi }; };
  const { leads, missed } = warningLeads(items, threshold, initiation);
  return {
    auc: ci(auc, stats[0]), f1: ci(f1, stats[1]), medianLead: ci(lead, stats[2]),
    missedFraction: missed / Math.max(1, leads.length + missed), threshold,
    samples: items.length, positives: items.filter((i) => i.label === 1).length,
  };
}
