/**
 * Physics-descriptor ablation under the grouped protocol (`dendra materials ablate`): the CIF
 * subset is cross-validated with the same folds and model seeds for each descriptor set (none,
 * each group alone, all, all but each group), and each variant's MAE is compared with the
 * no-physics variant by a paired bootstrap over rows of the seed-averaged absolute-error
 * difference (negative = the descriptors help).
 */

import { DEFAULT_CONFIG, type ModelConfig, type ModelKind } from './baselines.ts';
import { crossValPredict, makeFolds, scoreValue, summarize, type MetricsCi } from './cv.ts';
import { makeDataset, type Dataset } from './evaluate.ts';
import { ALL_PHYSICS, type PhysicsGroup } from './physics.ts';
import type { StructureFeatures } from './structure.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** One descriptor set. */
export interface Variant { readonly name: string; readonly groups: readonly PhysicsGroup[] }

/** none, each group alone, all, all minus each group. */
export function ablationVariants(): Variant[] {
  const out: Variant[] = [{ name: 'none', groups: [] }];
  for (const g of ALL_PHYSICS) out.push({ name: `+${g}`, groups: [g] });
  out.push({ name: 'all', groups: ALL_PHYSICS });
  for (const g of ALL_PHYSICS) out.push({ name: `all-${g}`, groups: ALL_PHYSICS.filter((x) => x !== g) });
  return out;
}

/** Paired difference of MAE against the `none` variant, with a 95% bootstrap interval. */
export interface Delta { value: number; lo: number; hi: number }

/** One ablation row. */
export interface AblationRow {
  readonly variant: string;
  readonly groups: readonly PhysicsGroup[];
  readonly model: ModelKind;
  /** Bounds scored as -15. */
  readonly all: MetricsCi;
  /** Bound rows excluded. */
  readonly exact: MetricsCi;
  /** MAE(variant) - MAE(none) on all rows (bounds = -15), paired bootstrap CI. */
  readonly deltaMae: Delta;
}

/** Options of {@link runAblation}. */
export interface AblationOptions {
  readonly seeds: number;
  readonly kinds: readonly ModelKind[];
  readonly variants?: readonly Variant[];
  readonly config?: ModelConfig;
  readonly nBoot?: number;
  readonly onStep?: () => void;
}

/** Fits {@link runAblation} performs. */
export function ablationSteps(o: AblationOptions): number {
  return (o.variants ?? ablationVariants()).length * o.seeds * 5 * o.kinds.length;
}

/** Seed-averaged absolute error per row (`preds`: one prediction array per seed). Never throws. */
export function absErrors(truth: readonly number[], preds: readonly number[][]): number[] {
  return truth.map((t, i) => preds.reduce((s, p) => s + Math.abs(p[i] - t), 0) / preds.length);
}

/** Mean of a - b with a paired row-bootstrap 95% interval (seeded). */
export function pairedDelta(a: readonly number[], b: readonly number[], nBoot = 1000, seed = 0): Delta {
  const d = a.map((x, i) => x - b[i]);
  const mean = (idx: readonly number[]): number => idx.reduce((s, i) => s + d[i], 0) / idx.length;
  const rand = mulberry32(seed + 4243);
  const boots: number[] = [];
  for (let k = 0; k < nBoot; k++) boots.push(mean(d.map(() => Math.floor(rand() * d.length))));
  boots.sort((x, y) => x - y);
  const q = (p: number): number => boots[Math.min(nBoot - 1, Math.max(0, Math.round(p * (nBoot - 1))))];
  return { value: mean(d.map((_, i) => i)), lo: q(0.025), hi: q(0.975) };
}

/**
 * Grouped 5-fold CV of each variant of the CIF subset `base` (same rows, folds and seeds for all).
 * @throws RangeError for seeds < 1 or an empty variant list.
 */
export function runAblation(base: Dataset, structures: ReadonlyMap<string, StructureFeatures>, o: AblationOptions): AblationRow[] {
  const variants = o.variants ?? ablationVariants();
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1) || variants.length === 0) throw new RangeError('ablation needs seeds >= 1 and at least one variant');
  const truth = base.targets.map(scoreValue);
  const exact = base.targets.map((t) => !t.censored);
  const folds = Array.from({ length: o.seeds }, (_, s) => makeFolds('grouped', base.rows, base.targets, s));
  const preds = new Map<string, number[][]>();
  for (const v of variants) {
    const data = makeDataset('cif', base.rows, { ...base.spec, physics: v.groups }, structures);
    for (let s = 0; s < o.seeds; s++) {
      const r = crossValPredict(o.kinds, data, folds[s], { vif: true, config: { ...(o.config ?? DEFAULT_CONFIG), seed: s }, onStep: o.onStep });
      for (const k of o.kinds) preds.set(`${v.name}|${k}`, [...(preds.get(`${v.name}|${k}`) ?? []), r.get(k)!]);
    }
  }
  const out: AblationRow[] = [];
  for (const v of variants) {
    for (const k of o.kinds) {
      const p = preds.get(`${v.name}|${k}`)!;
      const ref = preds.get(`${variants[0].name}|${k}`)!;
      out.push({ variant: v.name, groups: v.groups, model: k,
        all: summarize(truth, p, truth.map(() => true), o.nBoot ?? 1000), exact: summarize(truth, p, exact, o.nBoot ?? 1000),
        deltaMae: pairedDelta(absErrors(truth, p), absErrors(truth, ref), o.nBoot ?? 1000) });
    }
  }
  return out;
}

/** Text table of ablation rows. */
export function formatAblation(rows: readonly AblationRow[]): string[] {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'nan');
  const lines = [`${'variant'.padEnd(15)}${'model'.padEnd(10)}${'MAE (bounds=-15)'.padEnd(20)}${'ΔMAE vs none'.padEnd(22)}${'MAE (no bounds)'.padEnd(20)}R2`];
  for (const r of rows) {
    lines.push(`${r.variant.padEnd(15)}${r.model.padEnd(10)}${`${f(r.all.mae.value)} [${f(r.all.mae.lo)},${f(r.all.mae.hi)}]`.padEnd(20)}` +
      `${`${r.deltaMae.value >= 0 ? '+' : ''}${f(r.deltaMae.value)} [${f(r.deltaMae.lo)},${f(r.deltaMae.hi)}]`.padEnd(22)}` +
      `${`${f(r.exact.mae.value)} [${f(r.exact.mae.lo)},${f(r.exact.mae.hi)}]`.padEnd(20)}${f(r.all.r2.value)}`);
  }
  return lines;
}
