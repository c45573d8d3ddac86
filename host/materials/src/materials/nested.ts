/**
 * Nested grouped cross-validation behind `dendra materials eval`.
 *
 * Outer folds: groups.ts over all rows (DOI / normalized-formula components; no group is split).
 * Inside each outer training fold, select.ts runs an inner grouped CV over the training rows only
 * and chooses the descriptor set, model kind and hyper-parameters (one model for rows without a
 * CIF, one for rows with a CIF); the choice is refitted on the whole outer training fold and scored
 * on the outer test fold, which nothing before has seen. Only outer-fold errors are reported: MAE
 * over all test rows and over the test rows with a CIF (bounds scored as -15), per fold, with the
 * mean, standard deviation and pooled value over folds.
 *
 * Variants are the same procedure with a restricted candidate set, scored on the same folds
 * (ablations): `selected` (full grid), `no-forest` (no forest, alone or in a blend), `no-blend`,
 * `no-obelix-features` (no candidate on OBELiX's benchmark features), `no-physics`,
 * `no-structure` (CIF rows use an all-rows model), `no-censoring` (no censored loss: bounds
 * trained as -15), `fixed` (the design shipped before issue 16's nested run: gbt-cens default
 * settings with physics for CIF rows, no selection). The OBELiX benchmark forest
 * (obelix-rf.ts) is fitted on each outer training fold as the baseline. Conformal intervals
 * (conformal.ts) are calibrated on the inner out-of-fold predictions of the selected model and
 * their coverage is measured on the outer test fold.
 */
import { OBELIX_RF_TREES, obelixForestPredict } from './obelix-rf.ts';
import { coverage, LEVELS } from './conformal.ts';
import { groupedFolds } from './groups.ts';
import { allRows, calibrate, choose, compose, fitPredict, innerCv, maeOver, meanOf, type Candidate, type Choice, type FitHook, type FitPrediction, type InnerResult, type SelectData } from './select.ts';

/** Ablation variants (module comment). */
export const VARIANTS = ['selected', 'no-forest', 'no-blend', 'no-obelix-features', 'no-physics', 'no-structure', 'no-censoring', 'fixed'] as const;
export type Variant = (typeof VARIANTS)[number];

/** True when `c` or one of its blend members satisfies `p`. Never throws. */
function uses(c: Candidate, p: (c: Candidate) => boolean): boolean {
  return c.members ? c.members.some((m) => uses(m, p)) : p(c);
}

/** Candidates a variant may choose from. Never throws. */
export function allowedFor(v: Variant, cs: readonly Candidate[]): Candidate[] {
  switch (v) {
    case 'selected': return [...cs];
    case 'no-forest': return cs.filter((c) => !uses(c, (m) => m.kind === 'forest'));
    case 'no-blend': return cs.filter((c) => !c.members);
    case 'no-obelix-features': return cs.filter((c) => !uses(c, (m) => m.features === 'obelix'));
    case 'no-physics': return cs.filter((c) => !uses(c, (m) => m.features === 'phys'));
    case 'no-structure': return cs.filter(allRows);
    case 'no-censoring': return cs.filter((c) => !uses(c, (m) => m.kind === 'gbt-cens' || m.kind === 'mlp-cens'));
    case 'fixed': return cs.filter((c) => !c.members && c.kind === 'gbt-cens' && c.id.endsWith('/d3') && (c.features === 'comp' || c.features === 'phys'));
  }
}

/**
 * The choice of a variant: `fixed` takes its composition and physics candidates as they are, the
 * others choose by inner CV among their allowed candidates (select.ts `choose`).
 * @throws RangeError when the variant allows no composition candidate.
 */
export function choiceFor(v: Variant, data: SelectData, trainIdx: readonly number[], inner: InnerResult, cs: readonly Candidate[]): Choice {
  const allowed = allowedFor(v, cs);
  const comp = allowed.find((c) => c.features === 'comp' && !c.members);
  const phys = allowed.find((c) => c.features === 'phys' && !c.members);
  if (v === 'fixed' && comp && phys) return { comp, cif: phys };
  return choose(data, trainIdx, inner, allowed);
}

/** Options of {@link nestedCv}. */
export interface NestedOptions {
  readonly candidates: readonly Candidate[];
  readonly outerK: number;
  readonly innerK: number;
  readonly seed: number;
  readonly variants?: readonly Variant[];
  /** Trees of the OBELiX forest baseline; 0 leaves it out. */
  readonly baselineTrees?: number;
  readonly onStep?: () => void;
  /** Sees every fit with its outer fold (tests assert that no inner fit touches the outer test rows). */
  readonly hook?: (outerFold: number, ...fit: Parameters<FitHook>) => void;
}

/** One outer fold. */
export interface FoldResult {
  readonly fold: number;
  readonly nTest: number;
  readonly nTestCif: number;
  /** Chosen candidate ids per variant. */
  readonly choices: Record<string, { comp: string; cif: string }>;
  /** MAE per model (variants and `obelix-rf`): all test rows and the test rows with a CIF. */
  readonly mae: Record<string, { all: number; cif: number }>;
  /** Empirical coverage of the 68% / 90% intervals of the coverage variant ({@link coverageVariant}) on exact test rows. */
  readonly coverage: { levels: number[]; all: number[]; cif: number[]; nExact: number; nExactCif: number };
}

/** Fits per outer fold (for a progress bar): inner fits, the refits of at most 2 per variant, and the baseline. */
export function nestedSteps(o: Pick<NestedOptions, 'candidates' | 'innerK' | 'outerK' | 'variants' | 'baselineTrees'>): number {
  return o.outerK * (o.innerK * o.candidates.filter((c) => !c.members).length + 2 * (o.variants ?? VARIANTS).length + ((o.baselineTrees ?? OBELIX_RF_TREES) > 0 ? 1 : 0));
}

/**
 * Run one outer fold (see module comment). @throws RangeError from fold building or fitting.
 */
function outerFold(data: SelectData, folds: readonly number[], f: number, o: NestedOptions): FoldResult {
  const n = data.rows.length;
  const trainIdx = folds.flatMap((g, i) => (g !== f ? [i] : []));
  const testIdx = folds.flatMap((g, i) => (g === f ? [i] : []));
  const testCif = testIdx.filter((i) => data.hasCif[i]);
  const hook: FitHook | undefined = o.hook ? (c, fitOn, predicted) => o.hook!(f, c, fitOn, predicted) : undefined;
  const inner = innerCv(data, trainIdx, o.candidates, o.innerK, o.seed + 1000 * (f + 1), o.onStep, hook);
  const refits = new Map<string, FitPrediction>();
  const refit = (c: Candidate): FitPrediction => {
    let r = refits.get(c.id);
    if (!r && c.members) {
      r = meanOf(c.members.map(refit));
      refits.set(c.id, r);
    }
    if (!r) {
      const p = fitPredict(c, data, trainIdx, testIdx, o.seed, hook);
      r = { pred: new Array<number>(n).fill(NaN), dist: new Array<number>(n).fill(NaN) };
      const rr = r;
      testIdx.forEach((i, j) => { rr.pred[i] = p.pred[j]; rr.dist[i] = p.dist[j]; });
      refits.set(c.id, r);
    }
    o.onStep?.();
    return r;
  };
  const choices: FoldResult['choices'] = {};
  const mae: FoldResult['mae'] = {};
  let cov: FoldResult['coverage'] = { levels: [...LEVELS], all: [], cif: [], nExact: 0, nExactCif: 0 };
  const covVariant = coverageVariant(o.variants ?? VARIANTS);
  for (const v of o.variants ?? VARIANTS) {
    const choice = choiceFor(v, data, trainIdx, inner, o.candidates);
    refit(choice.comp); refit(choice.cif);
    const pred = new Array<number>(n).fill(NaN);
    for (const r of compose(data, choice, (id) => refits.get(id)!, testIdx)) pred[r.i] = r.pred;
    choices[v] = { comp: choice.comp.id, cif: choice.cif.id };
    mae[v] = { all: maeOver(data, pred, testIdx), cif: maeOver(data, pred, testCif) };
    if (v === covVariant) {
      const scales = calibrate(data, choice, inner.oof, trainIdx);
      const exact = compose(data, choice, (id) => refits.get(id)!, testIdx.filter((i) => !data.targets[i].censored));
      const hits = exact.map((r) => {
        const s = data.hasCif[r.i] ? scales.cif : scales.comp;
        return coverage(s, [data.targets[r.i].value - r.pred], [r.dist]);
      });
      const frac = (hs: number[][]) => LEVELS.map((_, l) => (hs.length === 0 ? NaN : hs.reduce((a, h) => a + h[l], 0) / hs.length));
      const cifHits = hits.filter((_, j) => data.hasCif[exact[j].i]);
      cov = { levels: [...LEVELS], all: frac(hits), cif: frac(cifHits), nExact: exact.length, nExactCif: cifHits.length };
    }
  }
  const trees = o.baselineTrees ?? OBELIX_RF_TREES;
  if (trees > 0) {
    const p = obelixForestPredict(trainIdx.map((i) => data.rows[i]), testIdx.map((i) => data.rows[i]), trees, o.seed);
    const pred = new Array<number>(n).fill(NaN);
    testIdx.forEach((i, j) => { pred[i] = p[j]; });
    mae['obelix-rf'] = { all: maeOver(data, pred, testIdx), cif: maeOver(data, pred, testCif) };
    o.onStep?.();
  }
  return { fold: f, nTest: testIdx.length, nTestCif: testCif.length, choices, mae, coverage: cov };
}

/** The variant whose intervals are calibrated and scored: `selected` when run, else the first. Never throws. */
export function coverageVariant(vs: readonly Variant[]): Variant {
  return vs.includes('selected') ? 'selected' : vs[0];
}

/** Outer-fold summary of one model. */
export interface ModelSummary {
  readonly model: string;
  /** Pooled MAE (every outer test row once), mean and standard deviation of the fold MAEs. */
  readonly all: { pooled: number; mean: number; sd: number; folds: number[] };
  readonly cif: { pooled: number; mean: number; sd: number; folds: number[] };
}

/** Result of {@link nestedCv}. */
export interface NestedResult {
  readonly seed: number;
  readonly outerK: number;
  readonly innerK: number;
  readonly candidates: string[];
  readonly folds: FoldResult[];
  readonly summary: ModelSummary[];
  /** Coverage of the coverage variant's intervals pooled over outer folds (exact rows). */
  readonly coverage: { levels: number[]; all: number[]; cif: number[] };
  /** Which variant the coverage is of (absent in reports from before the option: `selected`). */
  readonly coverageVariant?: string;
}

function sd(xs: readonly number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Summaries per model over fold results (pooled weights by test-row counts). Never throws. */
export function summarize(folds: readonly FoldResult[]): ModelSummary[] {
  const models = Object.keys(folds[0]?.mae ?? {});
  const part = (vals: number[], w: number[]) => ({ pooled: vals.reduce((s, v, i) => s + v * w[i], 0) / w.reduce((a, b) => a + b, 0),
    mean: vals.reduce((a, b) => a + b, 0) / vals.length, sd: sd(vals), folds: vals });
  return models.map((m) => ({ model: m, all: part(folds.map((f) => f.mae[m].all), folds.map((f) => f.nTest)),
    cif: part(folds.map((f) => f.mae[m].cif), folds.map((f) => f.nTestCif)) }));
}

/** Pooled coverage over fold results (exact rows, weighted by their counts). Never throws. */
function pooledCoverage(results: readonly FoldResult[]): NestedResult['coverage'] {
  const pool = (k: 'all' | 'cif') => LEVELS.map((_, l) => {
    let hit = 0, tot = 0;
    for (const r of results) {
      const w = k === 'all' ? r.coverage.nExact : r.coverage.nExactCif;
      if (w > 0) { hit += r.coverage[k][l] * w; tot += w; }
    }
    return tot > 0 ? hit / tot : NaN;
  });
  return { levels: [...LEVELS], all: pool('all'), cif: pool('cif') };
}

/**
 * Nested grouped CV (module comment). `onlyFolds` runs a subset of the outer folds of the same
 * assignment (one process per fold; {@link mergeNested} joins them). Deterministic for given data
 * and options. @throws RangeError when the folds cannot be built (too few groups), a fold index is
 * out of range, or a fit has too few rows.
 */
export function nestedCv(data: SelectData, o: NestedOptions & { onlyFolds?: readonly number[] }): NestedResult {
  const folds = groupedFolds(data.rows, o.outerK, o.seed);
  const which = o.onlyFolds ?? Array.from({ length: o.outerK }, (_, f) => f);
  for (const f of which) if (!(Number.isInteger(f) && f >= 0 && f < o.outerK)) throw new RangeError(`outer fold ${f} is not in 0..${o.outerK - 1}`);
  const results: FoldResult[] = [];
  for (const f of which) results.push(outerFold(data, folds, f, o));
  return { seed: o.seed, outerK: o.outerK, innerK: o.innerK, candidates: o.candidates.map((c) => c.id), folds: results, summary: summarize(results),
    coverage: pooledCoverage(results), coverageVariant: coverageVariant(o.variants ?? VARIANTS) };
}

/**
 * Joins partial runs (same seed, folds and candidates; each holding some outer folds) into one,
 * folds in order. @throws RangeError when the runs disagree or a fold is missing or repeated.
 */
export function mergeNested(parts: readonly NestedResult[]): NestedResult {
  const a = parts[0];
  if (!a) throw new RangeError('nothing to merge');
  for (const p of parts) {
    if (p.seed !== a.seed || p.outerK !== a.outerK || p.innerK !== a.innerK || p.candidates.join() !== a.candidates.join() || p.coverageVariant !== a.coverageVariant) {
      throw new RangeError('partial runs differ in seed, folds, candidates or coverage variant');
    }
  }
  const folds = parts.flatMap((p) => p.folds).sort((x, y) => x.fold - y.fold);
  if (folds.length !== a.outerK || folds.some((f, i) => f.fold !== i)) throw new RangeError(`partial runs hold folds ${folds.map((f) => f.fold).join(',')}, need 0..${a.outerK - 1} once each`);
  return { ...a, folds, summary: summarize(folds), coverage: pooledCoverage(folds) };
}
