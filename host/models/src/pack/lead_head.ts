/**
 * The lead head trained alone on a frozen trunk (the risk rows do not change): the head is a
 * linear layer on the last hidden state H3 of a cell, lead = LEAD_MAX sigmoid(w . h + b). Fitted
 * by full-batch Adam on a chosen set of training windows and loss (censored L1 in cycles or in
 * log-cycles, optionally on a clipped target), then recalibrated on validation with
 * lead = LEAD_MAX sigmoid(alpha z + beta) (alpha = 0 is a constant lead), and compared with the
 * validation constant by cross-validation over validation packs.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dendra/core/tfjs.ts';
import { MAX_CELLS } from './dataset.ts';
import { disposeParams, forwardAll, HIDDEN, importWeights, LEAD_MAX, type PackWeights } from './model.ts';
import { gatherBatch, type SplitTensors } from './train.ts';
import { packBootstrap } from './lead.ts';

/** Float hidden states H3 [S * 16 * HIDDEN] and cell risk probabilities [S * 16] of a split. */
export async function hiddenStates(w: PackWeights, st: SplitTensors, batch = 512): Promise<{ h: Float32Array; risk: Float32Array }> {
  await initBackend();
  const p = importWeights(w);
  const h = new Float32Array(st.split.size * MAX_CELLS * HIDDEN);
  const risk = new Float32Array(st.split.size * MAX_CELLS);
  try {
    for (let i = 0; i < st.split.size; i += batch) {
      const idx = Array.from({ length: Math.min(batch, st.split.size - i) }, (_, k) => i + k);
      const t = gatherBatch(st, idx, false);
      tf.tidy(() => {
        const a = forwardAll(p, t.x, t.a, t.m);
        h.set(a.H3.dataSync(), i * MAX_CELLS * HIDDEN);
        risk.set(tf.sigmoid(a.Zc).dataSync(), i * MAX_CELLS);
      });
      Object.values(t).forEach((v) => v.dispose());
    }
  } finally {
    disposeParams(p);
  }
  return { h, risk };
}

/** One training row of the head: cell index j (into H3), target cycles, observed (1) or a lower bound (0), weight. */
export interface HeadRow { j: number; t: number; obs: number; w: number }

/** Loss of {@link trainLeadHead}: censored L1 in cycles or in log(1 + cycles); `clip` caps the target (cycles). */
export interface HeadLoss { log: boolean; clip: number }

/** Linear head weights (HIDDEN) and bias. */
export interface Head { w: number[]; b: number }

const sig = (z: number) => 1 / (1 + Math.exp(-z));
/** The head's logit on cell j of the hidden states. */
export function headLogit(hd: Head, h: Float32Array, j: number): number {
  let z = hd.b;
  for (let k = 0; k < HIDDEN; k++) z += hd.w[k] * h[j * HIDDEN + k];
  return z;
}

/**
 * Fits the head by full-batch Adam (`steps`, learning rate `lr`) from w = 0 and b at the weighted
 * median target: deterministic. Throws RangeError when there is no row with positive weight.
 */
export function trainLeadHead(h: Float32Array, rows: readonly HeadRow[], loss: HeadLoss, steps = 400, lr = 0.02): Head {
  const use = rows.filter((r) => r.w > 0);
  if (use.length === 0) throw new RangeError('lead head: no training rows');
  const tgt = use.map((r) => Math.min(r.t, loss.clip, LEAD_MAX - 1));
  const f = (c: number) => (loss.log ? Math.log1p(c) : c / LEAD_MAX);
  const sorted = [...tgt].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)];
  const p = new Float64Array(HIDDEN + 1);
  p[HIDDEN] = Math.log((med + 0.5) / (LEAD_MAX - med - 0.5));
  const m = new Float64Array(HIDDEN + 1), v = new Float64Array(HIDDEN + 1);
  const wsum = use.reduce((a, r) => a + r.w, 0);
  for (let s = 1; s <= steps; s++) {
    const g = new Float64Array(HIDDEN + 1);
    use.forEach((r, i) => {
      const o = r.j * HIDDEN;
      let z = p[HIDDEN];
      for (let k = 0; k < HIDDEN; k++) z += p[k] * h[o + k];
      const u = sig(z);
      const lead = LEAD_MAX * u;
      const d = f(lead) - f(tgt[i]);
      const sg = d > 0 ? (r.obs > 0 ? 1 : 0) : d < 0 ? -1 : 0;
      if (sg === 0) return;
      const dl = loss.log ? LEAD_MAX / (1 + lead) : 1; // d f(lead) / d u
      const c = (r.w * sg * dl * u * (1 - u)) / wsum;
      for (let k = 0; k < HIDDEN; k++) g[k] += c * h[o + k];
      g[HIDDEN] += c;
    });
    for (let k = 0; k <= HIDDEN; k++) {
      m[k] = 0.9 * m[k] + 0.1 * g[k];
      v[k] = 0.999 * v[k] + 0.001 * g[k] * g[k];
      p[k] -= (lr * (m[k] / (1 - 0.9 ** s))) / (Math.sqrt(v[k] / (1 - 0.999 ** s)) + 1e-8);
    }
  }
  return { w: Array.from(p.subarray(0, HIDDEN)), b: p[HIDDEN] };
}

/** An observation for recalibration: head logit z, true cycles to initiation t, pack. */
export interface RecalObs { z: number; t: number; pack: number }

/** lead = LEAD_MAX sigmoid(alpha z + beta). */
export interface Recal { alpha: number; beta: number }

/**
 * The (alpha, beta) minimising the mean absolute error over `obs`: a grid (alpha 0..2 step 0.1,
 * beta -6..6 step 0.25) refined around its best (step 0.01 and 0.025); alpha = 0 is a constant
 * lead; over at most 2000 observations (every k-th beyond). Identity when `all` is empty; never throws.
 */
export function fitRecal(all: readonly RecalObs[]): Recal {
  const stride = Math.ceil(all.length / 2000);
  const obs = stride > 1 ? all.filter((_, i) => i % stride === 0) : all;
  let best = { alpha: 1, beta: 0 }, be = Infinity;
  if (obs.length === 0) return best;
  const tryAt = (alpha: number, beta: number) => {
    if (alpha < 0) return;
    let e = 0;
    for (const o of obs) e += Math.abs(LEAD_MAX * sig(alpha * o.z + beta) - o.t);
    if (e < be) { be = e; best = { alpha, beta }; }
  };
  for (let a = 0; a <= 20; a++) for (let b = -24; b <= 24; b++) tryAt(a * 0.1, b * 0.25);
  const c = best;
  for (let a = -10; a <= 10; a++) for (let b = -10; b <= 10; b++) tryAt(c.alpha + a * 0.01, c.beta + b * 0.025);
  return best;
}

/** The recalibrated lead of a logit. */
export const recalLead = (r: Recal, z: number): number => LEAD_MAX * sig(r.alpha * z + r.beta);

/** Median of t (the constant minimising the MAE); `fallback` when empty. */
export function medianLead(obs: readonly { t: number }[], fallback: number): number {
  const s = obs.map((o) => o.t).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : fallback;
}

/**
 * Grouped K-fold cross-validation over packs of a lead predictor fitted on `fitObs` and scored on
 * `scoreObs` (both carry the pack): the out-of-fold absolute error of every scored observation,
 * in `scoreObs` order. Folds: pack index modulo k.
 */
export function groupedCvErrors(fitObs: readonly RecalObs[], scoreObs: readonly RecalObs[], fit: (obs: readonly RecalObs[]) => (z: number) => number, k = 6): number[] {
  const e = new Array<number>(scoreObs.length).fill(NaN);
  for (let f = 0; f < k; f++) {
    const pred = fit(fitObs.filter((o) => o.pack % k !== f));
    scoreObs.forEach((o, i) => { if (o.pack % k === f) e[i] = Math.abs(pred(o.z) - o.t); });
  }
  return e;
}

/** Mean of {@link groupedCvErrors}; NaN when nothing is scored. */
export function groupedCvMae(fitObs: readonly RecalObs[], scoreObs: readonly RecalObs[], fit: (obs: readonly RecalObs[]) => (z: number) => number, k = 6): number {
  const e = groupedCvErrors(fitObs, scoreObs, fit, k);
  return e.length ? e.reduce((a, b) => a + b, 0) / e.length : NaN;
}

/**
 * Mean paired difference a - b of per-observation errors with a seeded bootstrap 95 % interval
 * over packs (200 resamples). Throws RangeError when the lengths differ.
 */
export function pairedPackBootstrap(a: readonly number[], b: readonly number[], packs: readonly number[], seed = 1, reps = 200): { value: number; ci95: [number, number] } {
  if (a.length !== b.length || a.length !== packs.length) throw new RangeError(`pairedPackBootstrap: ${a.length}, ${b.length}, ${packs.length} values`);
  const by = new Map<number, number[]>();
  a.forEach((v, i) => (by.get(packs[i]) ?? by.set(packs[i], []).get(packs[i])!).push(v - b[i]));
  const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
  const ci95 = packBootstrap(by, mean, seed, reps);
  return { value: mean(a.map((v, i) => v - b[i])), ci95 };
}

/** Which training windows the head sees: every valid cell window, only alerted ones (float risk >= threshold), or all weighted by the risk. */
export type HeadWindows = 'all' | 'alert' | 'soft';
/** How the head is recalibrated on validation: not at all, on first alerts, or on every alerted window before initiation. */
export type RecalOn = 'none' | 'first' | 'alerts';
/** A lead recipe: training windows, loss, recalibration. */
export interface LeadRecipe { windows: HeadWindows; loss: HeadLoss; recal: RecalOn }

/** The training rows of a split's valid cell windows for `windows` (`risk` float cell risk per flat cell index). */
export function headRows(s: SplitTensors['split'], risk: ArrayLike<number>, threshold: number, windows: HeadWindows): HeadRow[] {
  const out: HeadRow[] = [];
  for (let j = 0; j < s.size * MAX_CELLS; j++) {
    if (!(s.wCell[j] > 0)) continue;
    const w = windows === 'all' ? 1 : windows === 'soft' ? risk[j] : risk[j] >= threshold ? 1 : 0;
    if (w > 0) out.push({ j, t: s.ttc[j], obs: s.ttcObserved[j], w });
  }
  return out;
}

/**
 * Validation observations of a split at the int8 risk's alerts (score >= threshold, before an
 * observed initiation): `first` each initiating cell's first alert, `alerts` every such window.
 * `z(j)` is the head's logit of flat cell index j.
 */
export function alertObs(s: SplitTensors['split'], score: ArrayLike<number>, threshold: number, z: (j: number) => number): { first: RecalObs[]; alerts: RecalObs[] } {
  const first = new Map<string, { j: number; cycle: number; pack: number; t: number }>();
  const alerts: RecalObs[] = [];
  for (let i = 0; i < s.size; i++) {
    for (let k = 0; k < MAX_CELLS; k++) {
      const j = i * MAX_CELLS + k;
      const init = s.initiation[s.pack[i]][k];
      if (!(s.wCell[j] > 0) || init === null || s.cycle[i] >= init || score[j] < threshold) continue;
      const o = { j, cycle: s.cycle[i], pack: s.pack[i], t: init - s.cycle[i] };
      alerts.push({ z: z(j), t: o.t, pack: o.pack });
      const key = `${o.pack}:${k}`;
      const f = first.get(key);
      if (!f || o.cycle < f.cycle) first.set(key, o);
    }
  }
  return { first: [...first.values()].map((o) => ({ z: z(o.j), t: o.t, pack: o.pack })), alerts };
}

/** A fitted lead: the head (already recalibrated: alpha and beta folded) or a constant (w = 0). */
export interface FittedLead {
  head: Head; constant: boolean; cvMae: number; cvMaeConstant: number; valMae: number; recal: Recal; valConstant: number;
  /** Head minus constant out-of-fold error at validation first alerts, bootstrap over validation packs. */
  cvDiff: { value: number; ci95: [number, number] };
}

/** What the float model file and the card record of the lead: the recipe and the fitted choice. */
export type LeadChoice = Omit<FittedLead, 'head'> & { recipe: LeadRecipe };

/** The trunk's weights with the lead head replaced. */
export function withHead(w: PackWeights, h: Head): PackWeights {
  return { ...w, Wl: { shape: [1, h.w.length], data: [...h.w] }, bl: { shape: [1], data: [h.b] } };
}

/**
 * Fits a recipe on a frozen trunk: the head on the training rows, the recalibration on validation
 * alerts, and compares its grouped-CV MAE over validation packs (at first alerts) with the
 * validation constant's; returns the constant (w = 0, b = logit of the median) when the constant
 * is not worse. `hTrain`/`hVal` are the float H3 of the splits, `riskTrain` the float risk,
 * `scoreVal` the int8 risk on validation, `threshold` the int8 alert threshold; `trained` skips
 * the head's training (a head of the same windows and loss). Throws RangeError when the recipe
 * selects no training row.
 */
export function fitLead(r: LeadRecipe, d: { train: SplitTensors['split']; val: SplitTensors['split']; hTrain: Float32Array; hVal: Float32Array; riskTrain: ArrayLike<number>; scoreVal: ArrayLike<number>; threshold: number }, trained?: Head): FittedLead & { raw: Head } {
  const raw = trained ?? trainLeadHead(d.hTrain, headRows(d.train, d.riskTrain, d.threshold, r.windows), r.loss);
  const obs = alertObs(d.val, d.scoreVal, d.threshold, (j) => headLogit(raw, d.hVal, j));
  const fitOn = (o: { first: RecalObs[]; alerts: RecalObs[] }) => (r.recal === 'first' ? o.first : o.alerts);
  const recalOf = (o: readonly RecalObs[]): Recal => (r.recal === 'none' ? { alpha: 1, beta: 0 } : fitRecal(o));
  // grouped CV: the recalibration is refitted without the held-out fold's packs
  const byPack = (o: readonly RecalObs[]) => (z: number) => recalLead(recalOf(o), z);
  const eHead = groupedCvErrors(r.recal === 'none' ? obs.first : fitOn(obs), obs.first, byPack);
  const eConst = groupedCvErrors(obs.first, obs.first, (o) => { const c = medianLead(o, 20); return () => c; });
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  const [cvMae, cvMaeConstant] = [mean(eHead), mean(eConst)];
  const cvDiff = pairedPackBootstrap(eHead, eConst, obs.first.map((o) => o.pack));
  const recal = recalOf(fitOn(obs));
  const valMae = obs.first.reduce((a, o) => a + Math.abs(recalLead(recal, o.z) - o.t), 0) / Math.max(1, obs.first.length);
  const valConstant = medianLead(obs.first, 20);
  if (!(cvMae < cvMaeConstant)) return { head: constantHead(valConstant), constant: true, cvMae, cvMaeConstant, valMae, recal, raw, valConstant, cvDiff };
  return { head: { w: raw.w.map((x) => recal.alpha * x), b: recal.alpha * raw.b + recal.beta }, constant: false, cvMae, cvMaeConstant, valMae, recal, raw, valConstant, cvDiff };
}

/** A head that outputs `cycles` for every cell: w = 0, b = logit((cycles + 0.5) / LEAD_MAX). */
export function constantHead(cycles: number): Head {
  const u = (cycles + 0.5) / LEAD_MAX;
  return { w: new Array(HIDDEN).fill(0), b: Math.log(u / (1 - u)) };
}
