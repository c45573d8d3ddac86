/**
 * `dendra materials gnn`: grouped 5-fold CV of the crystal-graph network (graph only, with the
 * descriptor state vector, and as a graph correction of a baseline) beside the tree baselines on
 * the same folds (materials/cgnn-cv.ts). `--card` records the result in the model card.
 */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { MODEL_KINDS, type ModelKind } from '../materials/baselines.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';
import { ALL_PHYSICS } from '../materials/physics.ts';
import type { GnnCvResult, GnnVariant } from '../materials/cgnn-cv.ts';
import { DEFAULT_CGNN } from '../materials/cgnn.ts';
import { DEFAULT_PHYSICS_OPT, mergeCardSection, physicsOpt, readReport } from './materials-common.ts';

interface GnnOpts {
  lr: string; seeds: string; epochs: string; hidden: string; dropout: string; cutoff: string; bounds: string; data: string;
  variants: string; ensemble: string; prior: string; physics: string; elementFeatures: boolean; from?: string; card?: string; cardKey: string; json?: boolean;
}

/** What `gnn --json` prints and `--card` records. */
/** `elementFeatures` absent (reports from before the option) means true. */
type GnnReport = GnnCvResult & { totalSeconds: number; physics: string[]; elementFeatures?: boolean };

const GNN_VARIANTS: readonly GnnVariant[] = ['graph', 'state', 'resid'];

/** Variant list from a comma list. @throws UsageError for an unknown variant. */
function variantsOpt(v: string): GnnVariant[] {
  const vs = v.split(',').map((x) => x.trim());
  for (const x of vs) if (!(GNN_VARIANTS as readonly string[]).includes(x)) throw new UsageError(`--variants: unknown variant '${x}' (a list of ${GNN_VARIANTS.join(', ')})`);
  return vs as GnnVariant[];
}

function isGnnReport(r: unknown): r is GnnReport {
  const x = r as GnnReport;
  return typeof r === 'object' && r !== null && Array.isArray(x.rows) && typeof x.n === 'number' && Array.isArray(x.epochs) && typeof x.totalSeconds === 'number'
    && typeof x.prior === 'string' && Array.isArray(x.physics)
    && x.rows.every((row) => typeof row?.model === 'string' && typeof row.all?.mae?.value === 'number' && typeof row.exact?.mae?.value === 'number' && typeof row.deltaMae?.value === 'number');
}

/** "median (min-max)" of a non-empty list. */
function spread(xs: readonly number[]): string {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? '-' : `median ${v[v.length >> 1]} (${v[0]}-${v[v.length - 1]})`;
}

function formatGnn(r: GnnCvResult): string[] {
  const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'nan');
  const est = (e: { value: number; lo: number; hi: number }): string => `${f2(e.value)} [${f2(e.lo)},${f2(e.hi)}]`.padEnd(20);
  const sg = (x: number): string => (x >= 0 ? '+' : '') + f2(x);
  const delta = (e: { value: number; lo: number; hi: number }): string => `${sg(e.value)} [${sg(e.lo)},${sg(e.hi)}]`.padEnd(22);
  const lines = [`${'model'.padEnd(18)}${'n'.padStart(4)}  ${'MAE (bounds=-15)'.padEnd(20)}${`ΔMAE vs ${r.prior}`.padEnd(22)}${'RMSE'.padEnd(20)}${'R2'.padEnd(20)}${'MAE (no bounds)'.padEnd(20)}R2 (no bounds)`];
  for (const x of r.rows) lines.push(`${x.model.padEnd(18)}${String(x.all.n).padStart(4)}  ${est(x.all.mae)}${delta(x.deltaMae)}${est(x.all.rmse)}${est(x.all.r2)}${est(x.exact.mae)}${est(x.exact.r2).trimEnd()}`);
  return lines;
}

/** Run the CV from the options (options are validated before any work). */
async function compute(opts: GnnOpts, quiet: boolean): Promise<GnnReport> {
  const variants = variantsOpt(opts.variants);
  if (!(MODEL_KINDS as readonly string[]).includes(opts.prior) || opts.prior === 'median') throw new UsageError(`--prior must be one of ${MODEL_KINDS.filter((k) => k !== 'median').join(', ')}, got '${opts.prior}'`);
  const physics = physicsOpt(opts.physics);
  const cutoff = Number(opts.cutoff);
  if (!(cutoff > 0 && cutoff <= 15)) throw new UsageError(`--cutoff must be in (0, 15] Å, got '${opts.cutoff}'`);
  if (opts.bounds !== 'censored' && opts.bounds !== 'score') throw new UsageError(`--bounds must be 'censored' or 'score', got '${opts.bounds}'`);
  const lr = Number(opts.lr);
  if (!(lr > 0 && lr < 1)) throw new UsageError(`--lr must be in (0, 1), got '${opts.lr}'`);
  const dropout = Number(opts.dropout);
  if (!(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout must be in [0, 1), got '${opts.dropout}'`);
  const cfg = { maxEpochs: intOpt('--epochs', opts.epochs, DEFAULT_CGNN.maxEpochs, 1), hidden: intOpt('--hidden', opts.hidden, DEFAULT_CGNN.hidden, 1), bounds: opts.bounds, learningRate: lr, dropout } as const;
  const seeds = intOpt('--seeds', opts.seeds, 1, 1), ensemble = intOpt('--ensemble', opts.ensemble, 3, 1);
  const { loadDatasets } = await import('../materials/evaluate.ts');
  const { cifDirOf, runGnnCv } = await import('../materials/cgnn-cv.ts');
  const t0 = Date.now();
  const sets = loadDatasets(opts.data, (w) => process.stderr.write(`dendra: warning: ${w}\n`), { physics });
  const bar = makeProgress(quiet, 'epochs', ' | {phase}');
  let started = false;
  try {
    const r = await runGnnCv(sets.cif, {
      cifDir: cifDirOf(opts.data), seeds, graph: { cutoff }, variants, ensemble, prior: opts.prior as ModelKind, cfg, elementFeatures: opts.elementFeatures,
      onProgress: (done, total, phase) => {
        if (!started) { bar.start(total, 'gnn cv'); started = true; }
        bar.update(done, { phase });
      },
    });
    return { totalSeconds: (Date.now() - t0) / 1000, physics, elementFeatures: opts.elementFeatures, ...r };
  } finally {
    bar.stop();
  }
}

/** Registers `materials gnn` under the `materials` command. Errors are one-line DendraErrors. */
export function registerMaterialsGnn(m: Command): void {
  m.command('gnn')
    .description('grouped 5-fold CV of the crystal-graph network on the CIF subset, beside rf / gbt / gbt-cens on the same folds')
    .option('--seeds <n>', 'seeds (fold assignment + model seed)', '1')
    .option('--epochs <n>', 'maximum epochs per network', String(DEFAULT_CGNN.maxEpochs))
    .option('--hidden <n>', 'hidden width', String(DEFAULT_CGNN.hidden))
    .option('--dropout <p>', 'dropout before the output layer', String(DEFAULT_CGNN.dropout))
    .option('--lr <x>', 'Adam peak learning rate (cosine decay to 10%)', String(DEFAULT_CGNN.learningRate))
    .option('--cutoff <A>', 'neighbour cutoff in Å', '5')
    .option('--bounds <mode>', "'censored' (censored loss on the bound) or 'score' (train bounds as -15)", 'censored')
    .option('--variants <list>', 'graph (graph only), state (graph + descriptor state vector), resid (graph correction of --prior)', 'graph,state,resid')
    .option('--ensemble <n>', 'networks averaged per fold and variant', '3')
    .option('--prior <kind>', 'baseline the resid variant corrects (out-of-fold inside each training fold)', 'gbt-cens')
    .option('--physics <groups>', `physics descriptors in the state vector and the baselines: none, all, or a list of ${ALL_PHYSICS.join(',')}`, DEFAULT_PHYSICS_OPT)
    .option('--no-element-features', 'ablation: zero the element properties of every node (occupancy and geometry remain)')
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--from <json>', 'reuse the output of an earlier `gnn --json` instead of recomputing')
    .option('--card <dir>', 'also record the result in <dir>/materials.card.json')
    .option('--card-key <field>', 'card field to record it under', 'gnn')
    .option('--json', 'print the results as JSON')
    .action(action(async (opts: GnnOpts) => {
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(opts.cardKey)) throw new UsageError(`--card-key must be a name of letters, digits, _ or -, got '${opts.cardKey}'`);
      const r = opts.from !== undefined ? readReport(opts.from, isGnnReport, 'materials gnn --json') : await compute(opts, !!opts.json || !process.stderr.isTTY);
      const { predictions: _p, ids: _i, ...summary } = r;
      const card = opts.card !== undefined ? mergeCardSection(opts.card, opts.cardKey, { protocol: 'grouped 5-fold CV, CIF subset; baselines on the same folds', ...summary }) : null;
      if (opts.json) return printJson(r);
      for (const line of formatGnn(r)) console.log(line);
      console.log(`(grouped 5-fold CV, CIF subset, physics ${r.physics.join(',') || 'none'}${r.elementFeatures === false ? ', NO element features' : ''}, ${r.ensemble} networks per fold; ${r.totalSeconds.toFixed(0)} s total: graphs ${r.seconds.graphs.toFixed(0)} s, gnn ${r.seconds.gnn.toFixed(0)} s, baselines ${r.seconds.baselines.toFixed(0)} s; ` +
        `${r.epochs.length} networks, epochs run ${spread(r.epochs.map((e) => e.run))}, best epoch ${spread(r.epochs.map((e) => e.best))}; log10 S/cm; 95% bootstrap CIs)`);
      if (card !== null) console.log(`recorded in ${card}`);
    }));
}
