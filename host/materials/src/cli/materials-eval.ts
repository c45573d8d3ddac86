/**
 * `dendra materials eval`: nested grouped CV (materials/nested.ts) of Dendra's model selection
 * beside the OBELiX benchmark forest on the same outer folds; only outer-fold errors are reported.
 */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DEFAULT_PHYSICS_OPT, physicsOpt, readReport } from './materials-common.ts';
import { OBELIX_RF_TREES } from '../materials/obelix-rf.ts';
import { VARIANTS, type NestedResult, type Variant } from '../materials/nested.ts';
import { UsageError } from '@dendra/core/errors.ts';
import type { PhysicsGroup } from '../materials/physics.ts';

interface EvalOpts { firstSeed: string; outerFolds?: string; merge?: string; seeds: string; outer: string; inner: string; baselineTrees: string; physics: string; data: string; from?: string; save?: string; variants: string; json?: boolean }

/** What `eval --json` prints (and `train --from` reads). */
export interface EvalReport { seconds: number; physics: string[]; baselineTrees: number; runs: NestedResult[] }

/** True for the output of `materials eval --json`. */
export function isEvalReport(r: unknown): r is EvalReport {
  const x = r as EvalReport;
  return typeof r === 'object' && r !== null && typeof x.seconds === 'number' && Array.isArray(x.runs) && x.runs.length > 0
    && x.runs.every((n) => Array.isArray(n?.folds) && Array.isArray(n.summary) && typeof n.coverage === 'object');
}

/** Options of {@link runNestedEval}. */
export interface NestedEvalOptions { firstSeed?: number; onlyFolds?: number[]; variants?: readonly Variant[]; seeds: number; outerK: number; innerK: number; baselineTrees: number; physics: PhysicsGroup[]; data: string; quiet: boolean }

/**
 * Load OBELiX (with a progress bar over the CIFs) and run the nested CV for seeds 0..seeds-1.
 * @throws InputError for unreadable data; RangeError when folds cannot be built.
 */
export async function runNestedEval(o: NestedEvalOptions): Promise<EvalReport> {
  const t0 = Date.now();
  const { loadMaterials, elementVocabulary } = await import('../materials/features.ts');
  const { loadStructures } = await import('../materials/structure.ts');
  const { buildSelectData, defaultCandidates } = await import('../materials/select.ts');
  const { allowedFor, nestedCv, nestedSteps, VARIANTS } = await import('../materials/nested.ts');
  const quiet = o.quiet || !process.stderr.isTTY;
  const rows = loadMaterials(join(o.data, 'train.csv'));
  const load = makeProgress(quiet, 'CIFs');
  let started = false;
  let structures;
  try {
    structures = loadStructures(rows.map((r) => r.id), join(o.data, 'cifs'), (id, m) => process.stderr.write(`dendra: warning: ${id}.cif: ${m}\n`), true,
      (d, t) => { if (!started) { load.start(t, 'structures'); started = true; } load.update(d); });
  } finally {
    load.stop();
  }
  const data = buildSelectData(rows, structures, elementVocabulary(rows), o.physics);
  const variants = o.variants ?? VARIANTS;
  const all = defaultCandidates();
  // only the candidates some requested variant may use are fitted
  const used = new Set(variants.flatMap((v) => allowedFor(v, all).map((c) => c.id)));
  const candidates = all.filter((c) => used.has(c.id));
  const bar = makeProgress(quiet, 'fits');
  let done = 0;
  const per = nestedSteps({ candidates, innerK: o.innerK, outerK: o.outerK, baselineTrees: o.baselineTrees, variants });
  bar.start(per * o.seeds, 'nested cv');
  const runs: NestedResult[] = [];
  try {
    for (let seed = o.firstSeed ?? 0; seed < (o.firstSeed ?? 0) + o.seeds; seed++) {
      runs.push(nestedCv(data, { onlyFolds: o.onlyFolds, candidates, variants, outerK: o.outerK, innerK: o.innerK, seed, baselineTrees: o.baselineTrees, onStep: () => bar.update(++done) }));
    }
  } finally {
    bar.stop();
  }
  return { seconds: (Date.now() - t0) / 1000, physics: o.physics, baselineTrees: o.baselineTrees, runs };
}

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** The outer-fold table of a report (one block per seed). Never throws. */
export function formatNested(r: EvalReport): string[] {
  const lines: string[] = [];
  for (const run of r.runs) {
    lines.push(`nested grouped CV, seed ${run.seed}: outer ${run.outerK} folds, inner ${run.innerK} folds, ${run.candidates.length} candidates; outer-fold MAE (log10 S/cm, bounds scored as -15)`);
    lines.push(`${'model'.padEnd(20)}${'all: pooled'.padEnd(13)}${'mean ± sd'.padEnd(13)}${'per fold'.padEnd(32)}${'CIF: pooled'.padEnd(13)}${'mean ± sd'.padEnd(13)}per fold`);
    for (const s of run.summary) {
      const part = (p: typeof s.all) => `${f2(p.pooled).padEnd(13)}${`${f2(p.mean)} ± ${f2(p.sd)}`.padEnd(13)}${p.folds.map(f2).join(' ').padEnd(32)}`;
      lines.push(`${s.model.padEnd(20)}${part(s.all)}${part(s.cif).trimEnd()}`);
    }
    lines.push(`rows per outer test fold: ${run.folds.map((f) => `${f.nTest} (${f.nTestCif} CIF)`).join(', ')}`);
    const pct = (xs: number[]) => xs.map((x) => `${(100 * x).toFixed(0)}%`).join(' / ');
    lines.push(`conformal intervals of '${run.coverageVariant ?? 'selected'}' (${run.coverage.levels.map((l) => `${l * 100}%`).join(' / ')}): outer-fold coverage on exact rows ${pct(run.coverage.all)}, CIF rows ${pct(run.coverage.cif)}`);
    const v = run.coverageVariant ?? 'selected';
    for (const f of run.folds) lines.push(`fold ${f.fold} ${v}: no CIF -> ${f.choices[v]?.comp}, CIF -> ${f.choices[v]?.cif}`);
  }
  lines.push(r.baselineTrees > 0 ? `(obelix-rf: OBELiX benchmark features, ${r.baselineTrees}-tree random forest; ${r.seconds.toFixed(0)} s)` : `(no obelix-rf baseline: --baseline-trees 0; ${r.seconds.toFixed(0)} s)`);
  return lines;
}

/** `--outer-folds`: undefined when absent. @throws UsageError for a non-integer entry. */
function foldsOpt(v: string | undefined, outerK: number): number[] | undefined {
  if (v === undefined) return undefined;
  const fs = v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (fs.length === 0 || fs.some((x) => !/^\d+$/.test(x) || Number(x) >= outerK)) throw new UsageError(`--outer-folds must be a comma list of fold numbers 0..${outerK - 1}, got '${v}'`);
  return fs.map(Number);
}

/**
 * Joins partial reports (`--merge`): per seed, their runs' folds (nested.ts mergeNested); seconds add up.
 * @throws UsageError when a file is not a report or the parts do not fit together.
 */
async function mergeReports(paths: string[]): Promise<EvalReport> {
  const { mergeNested } = await import('../materials/nested.ts');
  if (paths.length === 0) throw new UsageError('--merge needs at least one report');
  const parts = paths.map((p) => readReport(p, isEvalReport, 'materials eval --json'));
  const seeds = [...new Set(parts.flatMap((p) => p.runs.map((r) => r.seed)))].sort((a, b) => a - b);
  try {
    return { seconds: parts.reduce((s, p) => s + p.seconds, 0), physics: parts[0].physics, baselineTrees: parts[0].baselineTrees,
      runs: seeds.map((s) => mergeNested(parts.flatMap((p) => p.runs.filter((r) => r.seed === s)))) };
  } catch (e) {
    throw new UsageError(`--merge: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Variants from a comma list. @throws UsageError naming an unknown one. */
function variantsOpt(v: string): Variant[] {
  const vs = v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const x of vs) if (!(VARIANTS as readonly string[]).includes(x)) throw new UsageError(`--variants: unknown variant '${x}' (a list of ${VARIANTS.join(', ')})`);
  if (vs.length === 0) throw new UsageError('--variants must name at least one variant');
  return vs as Variant[];
}

/** Registers `materials eval`. Errors are one-line DendraErrors. */
export function registerMaterialsEval(m: Command): void {
  m.command('eval')
    .description('nested grouped CV: model kind, settings and descriptors chosen inside each outer fold; outer-fold MAE beside the OBELiX-features forest')
    .option('--seeds <n>', 'outer fold assignments (seeds first..first+n-1)', '1')
    .option('--first-seed <n>', 'first seed of --seeds', '0')
    .option('--outer <k>', 'outer folds', '5')
    .option('--inner <k>', 'inner folds (selection inside each outer training fold)', '3')
    .option('--baseline-trees <n>', `trees of the OBELiX-features forest (0: no baseline; fold predictions are cached in .dendra/cache)`, String(OBELIX_RF_TREES))
    .option('--physics <groups>', 'physics descriptor groups of the phys descriptor set: none, all, or a list', DEFAULT_PHYSICS_OPT)
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--from <json>', 'print an earlier `eval --json` report instead of recomputing')
    .option('--outer-folds <list>', 'run only these outer folds (comma list; one process per fold, joined with --merge)')
    .option('--merge <jsons>', 'join partial reports (comma list of `eval --outer-folds --save` files) into one and print it')
    .option('--variants <list>', `nested variants to run (comma list of ${VARIANTS.join(', ')}); the coverage is of 'selected' when run, else the first`, VARIANTS.join(','))
    .option('--save <json>', 'also write the report as JSON to this file (for `materials train --from`)')
    .option('--json', 'print the report as JSON')
    .action(action(async (opts: EvalOpts) => {
      const r = opts.merge !== undefined ? await mergeReports(opts.merge.split(',').filter((x) => x !== ''))
        : opts.from !== undefined ? readReport(opts.from, isEvalReport, 'materials eval --json') : await runNestedEval({ firstSeed: intOpt('--first-seed', opts.firstSeed, 0, 0), onlyFolds: foldsOpt(opts.outerFolds, intOpt('--outer', opts.outer, 5, 2)),
        seeds: intOpt('--seeds', opts.seeds, 1, 1), outerK: intOpt('--outer', opts.outer, 5, 2), innerK: intOpt('--inner', opts.inner, 3, 2),
        variants: variantsOpt(opts.variants), baselineTrees: intOpt('--baseline-trees', opts.baselineTrees, OBELIX_RF_TREES, 0), physics: physicsOpt(opts.physics), data: opts.data, quiet: !!opts.json });
      if (opts.save !== undefined) writeFileSync(opts.save, JSON.stringify(r, null, 1) + '\n');
      if (opts.json) return printJson(r);
      for (const line of formatNested(r)) console.log(line);
    }));
}
