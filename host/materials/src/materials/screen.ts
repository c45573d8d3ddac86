/**
 * Screening of substitution candidates ({@link ./substitute.ts}): predicted conductivity from the
 * trained materials model (composition sub-model, see {@link ./model.ts}), an uncertainty, an
 * electrochemical-stability proxy and a mechanical-stiffness proxy, combined into one score.
 *
 * Uncertainty (log10 units): `sqrt(u_model^2 + (2 d)^2)`, where `u_model` is the model's own
 * uncertainty (grouped-CV RMSE for boosted trees, tree spread for a forest) and `d` in [0, 1] is
 * the distance to the nearest training composition (half the L1 distance between atomic-fraction
 * vectors). The `2 d` inflation is a heuristic of this module (2 log10 units for a composition
 * sharing nothing with the training set), not a calibrated interval.
 *
 * Stability proxy: width of the computed electrochemical window (V vs Li/Li+) of the parent's
 * family, from first-principles decomposition energies: Y. Zhu, X. He, Y. Mo, ACS Appl. Mater.
 * Interfaces 7 (2015) 23685 (LLZO 0.05-2.91, Li6PS5Cl 1.71-2.01, LGPS 1.71-2.14, LATP
 * 2.17-4.21, LLTO 1.75-3.71, Li3PS4 1.71-2.31, LiPON 0.68-2.63, Li3N 0-0.44) and for chlorides
 * S. Wang et al., Angew. Chem. Int. Ed. 58 (2019) 8039 (Li3YCl6 0.62-4.21). Families without an
 * entry fall back to their anion class (oxide -> LiPON, sulfide -> Li3PS4, halide -> Li3YCl6,
 * nitride -> Li3N). Score = min(1, width / 4 V) - 0.5 x (atomic fraction of easily reduced
 * cations among the cations, added by the substitution relative to the parent) — the reducible
 * set (Ti, V, Cr, Mn, Fe, Co, Cu, Nb, Mo, Sb, Bi, W, Ge, Sn, Pb, Ce) is a heuristic.
 *
 * Stiffness proxy: shear modulus G of the parent framework: LLZO 59.6 GPa (Ni et al., J. Mater.
 * Sci. 47 (2012) 7978, resonant ultrasound); sulfide electrolytes about 8 GPa (Deng et al.,
 * J. Electrochem. Soc. 163 (2016) A67, first-principles elastic constants of LGPS, Li3PS4 and
 * argyrodites); NASICON (LATP) about 45 GPa and perovskite LLTO about 80 GPa (approximate,
 * from reported Young's moduli ~115 and ~200 GPa with Poisson ratio ~0.25); other families by
 * anion class (oxide 50, sulfide 8, halide 10, other 20 GPa; assumed). Score =
 * log(G / G_Li) / log(60 GPa / G_Li), clipped to [0, 1], with G_Li = 4.25 GPa (Monroe & Newman,
 * J. Electrochem. Soc. 152 (2005) A396 use G_Li to state the dendrite-suppression criterion).
 *
 * Weighted score = 0.6 conductivity + 0.25 stability + 0.15 stiffness, where the conductivity
 * term maps the pessimistic prediction `log10 sigma - uncertainty` linearly from -8 (0) to -2 (1)
 * and clips. The weights put conductivity first (the model's target) and are a design choice.
 */

import { InputError } from '@dendra/core/errors.ts';
import type { MaterialRow } from './features.ts';
import { predictRows, type MaterialsModelFile } from './model.ts';
import { parseComposition } from './obelix.ts';
import type { Candidate } from './substitute.ts';

/** Weights of the score terms (sum 1). */
export const SCORE_WEIGHTS = { conductivity: 0.6, stability: 0.25, stiffness: 0.15 } as const;

/** One scored candidate. */
export interface ScoredCandidate {
  readonly candidate: Candidate;
  readonly log10Sigma: number;
  /** Total uncertainty in log10 units (see module comment). */
  readonly uncertainty: number;
  readonly modelUncertainty: number;
  /** Distance to the nearest training composition, in [0, 1]. */
  readonly domainDistance: number;
  readonly windowV: readonly [number, number];
  readonly stability: number;
  readonly shearModulusGPa: number;
  readonly stiffness: number;
  readonly score: number;
}

const WINDOWS: Record<string, [number, number]> = {
  garnet: [0.05, 2.91], 'garnet-like': [0.05, 2.91], argyrodites: [1.71, 2.01], argyrodite: [1.71, 2.01], LGPS: [1.71, 2.14],
  NASICON: [2.17, 4.21], perovskites: [1.75, 3.71], 'thio-LISICON': [1.71, 2.31], sulfides: [1.71, 2.31], 'thio-phosphate': [1.71, 2.31],
  LIPON: [0.68, 2.63], halides: [0.62, 4.21], chlorides: [0.62, 4.21], cholorides: [0.62, 4.21], nitrides: [0, 0.44], nitride: [0, 0.44],
};
const SHEAR: Record<string, number> = { garnet: 59.6, 'garnet-like': 59.6, argyrodites: 8, argyrodite: 8, LGPS: 8, 'thio-LISICON': 8, sulfides: 8, 'thio-phosphate': 8, NASICON: 45, perovskites: 80 };
const REDUCIBLE = new Set(['Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Cu', 'Nb', 'Mo', 'Sb', 'Bi', 'W', 'Ge', 'Sn', 'Pb', 'Ce']);
const G_LI = 4.25;

type AnionClass = 'sulfide' | 'halide' | 'nitride' | 'oxide' | 'other';

/** Anion class of a composition: sulfide/selenide first, then oxide, halide, nitride. */
export function anionClass(amounts: ReadonlyMap<string, number>): AnionClass {
  if (amounts.has('S') || amounts.has('Se')) return 'sulfide';
  if (amounts.has('O')) return 'oxide';
  if (['F', 'Cl', 'Br', 'I'].some((e) => amounts.has(e))) return 'halide';
  return amounts.has('N') ? 'nitride' : 'other';
}

/** Electrochemical window (V) for a parent family, falling back to the anion class. */
export function windowFor(family: string, amounts: ReadonlyMap<string, number>): [number, number] {
  const w = WINDOWS[family.trim()];
  if (w) return w;
  const byClass: Record<AnionClass, [number, number]> = { oxide: [0.68, 2.63], sulfide: [1.71, 2.31], halide: [0.62, 4.21], nitride: [0, 0.44], other: [0, 0] };
  return byClass[anionClass(amounts)];
}

/** Shear modulus (GPa) for a parent family, falling back to the anion class. */
export function shearFor(family: string, amounts: ReadonlyMap<string, number>): number {
  const g = SHEAR[family.trim()];
  if (g !== undefined) return g;
  return { oxide: 50, sulfide: 8, halide: 10, nitride: 20, other: 20 }[anionClass(amounts)];
}

function reducibleFraction(amounts: ReadonlyMap<string, number>, states: ReadonlyMap<string, number>): number {
  let cat = 0, red = 0;
  for (const [e, n] of amounts) {
    if ((states.get(e) ?? 0) <= 0 || e === 'Li') continue;
    cat += n;
    if (REDUCIBLE.has(e)) red += n;
  }
  return cat > 0 ? red / cat : 0;
}

const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * Proxies of one candidate given its parent's amounts (per formula unit). The family is the
 * framework rule's (garnet, argyrodite, LGPS) or, for isovalent candidates, the parent row's
 * `Family` label (some rows have none: then the anion class decides).
 */
export function proxies(c: Candidate, parentAmounts: ReadonlyMap<string, number>): Pick<ScoredCandidate, 'windowV' | 'stability' | 'shearModulusGPa' | 'stiffness'> {
  const family = c.family === 'isovalent' ? c.parentFamily : c.family;
  const w = windowFor(family, c.amounts);
  const extra = Math.max(0, reducibleFraction(c.amounts, c.states) - reducibleFraction(parentAmounts, c.states));
  const g = shearFor(family, c.amounts);
  return { windowV: w, stability: clip01(Math.min(1, (w[1] - w[0]) / 4) - 0.5 * extra), shearModulusGPa: g,
    stiffness: clip01(Math.log(g / G_LI) / Math.log(60 / G_LI)) };
}

/** Weighted score from the pessimistic prediction and the two proxies. */
export function weightedScore(log10Sigma: number, uncertainty: number, stability: number, stiffness: number): number {
  const cond = clip01((log10Sigma - uncertainty + 8) / 6);
  return SCORE_WEIGHTS.conductivity * cond + SCORE_WEIGHTS.stability * stability + SCORE_WEIGHTS.stiffness * stiffness;
}

function fractionVector(amounts: ReadonlyMap<string, number>): Map<string, number> {
  let t = 0;
  for (const n of amounts.values()) t += n;
  return new Map([...amounts].map(([e, n]) => [e, n / t]));
}

/** Half the L1 distance from `v` to the nearest of `train` (0 = identical, 1 = disjoint). */
export function nearestDistance(v: ReadonlyMap<string, number>, train: readonly ReadonlyMap<string, number>[]): number {
  let best = 1;
  for (const t of train) {
    let d = 0;
    for (const [e, f] of v) d += Math.abs(f - (t.get(e) ?? 0));
    for (const [e, f] of t) if (!v.has(e)) d += f;
    best = Math.min(best, d / 2);
  }
  return best;
}

/** A candidate as a row in the OBELiX layout, with its parent's lattice, Z and space group. */
export function candidateRow(c: Candidate, parent: MaterialRow): MaterialRow {
  return { id: c.id, reducedComposition: c.formula, z: parent.z, trueComposition: c.formula, conductivity: '',
    spaceGroupNumber: parent.spaceGroupNumber, family: parent.family, doi: '', hasCif: false, cell: parent.cell, line: 0 };
}

/**
 * Score every candidate (in chunks of `chunk`, calling `onProgress(done, total)` after each).
 * Returns all candidates sorted by score (best first; ties by ID).
 * @throws InputError `E_PARENT` when a candidate's parent is not among `training`; errors of
 *   InputError `E_ELEMENT` for a candidate the model cannot featurize (an element outside its set).
 */
export function screenCandidates(model: MaterialsModelFile, candidates: readonly Candidate[], training: readonly MaterialRow[],
  onProgress: (done: number, total: number) => void = () => {}, chunk = 1000): ScoredCandidate[] {
  const byId = new Map(training.map((r) => [r.id, r]));
  const trainFrac = training.map((r) => fractionVector(parseComposition(r.trueComposition)));
  const out: ScoredCandidate[] = [];
  for (let i = 0; i < candidates.length; i += chunk) {
    const part = candidates.slice(i, i + chunk);
    const rows = part.map((c) => {
      const p = byId.get(c.parentId);
      if (p === undefined) throw new InputError('E_PARENT', `candidate ${c.id}: parent ${c.parentId} is not in the training table`);
      return candidateRow(c, p);
    });
    const preds = predictRows(model, rows, new Map());
    part.forEach((c, k) => {
      const e = preds[k].error;
      if (e !== null || preds[k].log10Sigma === null || preds[k].uncertainty === null) throw new InputError('E_ELEMENT', `candidate ${c.id}: ${e ?? 'no prediction'}`);
      const parent = byId.get(c.parentId)!;
      const pa = new Map([...parseComposition(parent.trueComposition)].map(([e, n]): [string, number] => [e, n / parent.z]));
      const d = nearestDistance(fractionVector(c.amounts), trainFrac);
      const sigma = preds[k].log10Sigma!, mu = preds[k].uncertainty!;
      const u = Math.hypot(mu, 2 * d);
      const px = proxies(c, pa);
      out.push({ candidate: c, log10Sigma: sigma, uncertainty: u, modelUncertainty: mu, domainDistance: d,
        ...px, score: weightedScore(sigma, u, px.stability, px.stiffness) });
    });
    onProgress(Math.min(i + chunk, candidates.length), candidates.length);
  }
  return out.sort((a, b) => b.score - a.score || a.candidate.id.localeCompare(b.candidate.id));
}

/** Plain-text table of the top candidates (one line each, header first). */
export function formatScreen(top: readonly ScoredCandidate[]): string[] {
  const lines = ['rank  ID      formula                              family      log10 sigma ± unc   window V    G GPa  score'];
  top.forEach((s, i) => {
    lines.push(`${String(i + 1).padStart(4)}  ${s.candidate.id}  ${s.candidate.formula.slice(0, 36).padEnd(36)} ${s.candidate.family.padEnd(10)} ` +
      `${s.log10Sigma.toFixed(2).padStart(7)} ± ${s.uncertainty.toFixed(2)}  ${s.windowV[0].toFixed(2)}-${s.windowV[1].toFixed(2)}  ${s.shearModulusGPa.toFixed(0).padStart(5)}  ${s.score.toFixed(3)}`);
  });
  return lines;
}
