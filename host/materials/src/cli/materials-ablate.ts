/**
 * `dendra materials ablate`: what each physics descriptor group adds under grouped CV on the CIF
 * subset (paired against the no-physics features on the same folds and seeds).
 */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { mergeCardSection, readReport } from './materials-common.ts';
import { MODEL_KINDS, DEFAULT_CONFIG, type ModelKind } from '../materials/baselines.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

interface AblateOpts { seeds: string; models: string; data: string; from?: string; card?: string; json?: boolean }

/** Saved output of `ablate --json`. */
interface AblationReport { seconds: number; seeds: number; rows: number; ablation: import('../materials/ablation.ts').AblationRow[] }

function isAblationReport(r: unknown): r is AblationReport {
  return typeof r === 'object' && r !== null && Array.isArray((r as AblationReport).ablation) && typeof (r as AblationReport).seeds === 'number';
}

function parseKinds(s: string): ModelKind[] {
  const ks = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const k of ks) if (!(MODEL_KINDS as readonly string[]).includes(k)) throw new UsageError(`--models: unknown model '${k}' (one of ${MODEL_KINDS.join(', ')})`);
  if (ks.length === 0) throw new UsageError('--models must name at least one model');
  return ks as ModelKind[];
}

/** Registers `materials ablate` under the `materials` command. Errors are one-line DendraErrors. */
export function registerMaterialsAblate(m: Command): void {
  m.command('ablate')
    .description('physics-descriptor ablation (BVSE barrier, Ewald site energies, Li network, anion packing) under grouped CV on the CIF subset')
    .option('--seeds <n>', 'seeds (fold assignments)', '3')
    .option('--models <list>', 'comma-separated model kinds', 'rf,gbt-cens')
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--from <json>', 'reuse the output of an earlier `ablate --json` instead of recomputing')
    .option('--card <dir>', 'also record the ablation in <dir>/materials.card.json')
    .option('--json', 'print the rows as JSON')
    .action(action(async (opts: AblateOpts) => {
      const { formatAblation } = await import('../materials/ablation.ts');
      const report = opts.from !== undefined ? readReport(opts.from, isAblationReport, 'materials ablate --json') : await compute(opts);
      const card = opts.card !== undefined
        ? mergeCardSection(opts.card, 'ablation', { protocol: 'grouped 5-fold CV, CIF subset, paired against no physics descriptors on the same folds and seeds', ...report })
        : null;
      if (opts.json) return printJson(report);
      for (const line of formatAblation(report.ablation)) console.log(line);
      console.log(`(grouped 5-fold CV, CIF subset n=${report.rows}, ${report.seeds} seeds; ΔMAE < 0 means the descriptors help; 95% paired bootstrap CIs; ${report.seconds.toFixed(0)} s)`);
      if (card !== null) console.log(`recorded in ${card}`);
    }));
}

/** Run the ablation (physics descriptors loaded or computed and cached first). */
async function compute(opts: AblateOpts): Promise<AblationReport> {
  const kinds = parseKinds(opts.models);
  const seeds = intOpt('--seeds', opts.seeds, 3, 1);
  const { loadDatasets } = await import('../materials/evaluate.ts');
  const { ablationSteps, runAblation } = await import('../materials/ablation.ts');
  const { initBackend } = await import('@dendra/core/tfjs.ts');
  await initBackend();
  const t0 = Date.now();
  const quiet = !!opts.json || !process.stderr.isTTY;
  const load = makeProgress(quiet, 'CIFs');
  let started = false;
  let sets;
  try {
    sets = loadDatasets(opts.data, (w) => process.stderr.write(`dendra: warning: ${w}\n`), { computePhysics: true,
      onProgress: (done, total) => { if (!started) { load.start(total, 'physics descriptors'); started = true; } load.update(done); } });
  } finally {
    load.stop();
  }
  const bar = makeProgress(quiet, 'fits');
  let done = 0;
  bar.start(ablationSteps({ seeds, kinds }), 'ablation');
  let rows;
  try {
    rows = runAblation(sets.cif, sets.structures, { seeds, kinds, config: DEFAULT_CONFIG, onStep: () => bar.update(++done) });
  } finally {
    bar.stop();
  }
  return { seconds: (Date.now() - t0) / 1000, seeds, rows: sets.cif.rows.length, ablation: rows };
}
