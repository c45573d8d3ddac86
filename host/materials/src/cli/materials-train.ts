/**
 * `dendra materials train`: the card's generator. Runs the selection of the nested CV once on all
 * rows (materials/ship.ts), writes the model file, and writes the card with the nested outer-fold
 * table (from `--from eval.json` or computed), the OBELiX-forest baseline and the ablation rows.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { OBELIX_DIR, REPO_ROOT } from '@dendra/core/paths.ts';
import { DEFAULT_PHYSICS_OPT, physicsOpt, readReport } from './materials-common.ts';
import { formatNested, isEvalReport, runNestedEval, type EvalReport } from './materials-eval.ts';
import { CARD_FILE, MODEL_FILE, fileMedian, packModelFile, readModelFile, type MaterialsModelFile } from '../materials/model.ts';
import type { Selection } from '../materials/ship.ts';
import { OBELIX_RF_TREES } from '../materials/obelix-rf.ts';
import { buildCard } from '../materials/card.ts';
import { allowedFor, VARIANTS, type Variant } from '../materials/nested.ts';
import { UsageError } from '@dendra/core/errors.ts';

interface TrainOpts { cardOnly?: boolean; out: string; folds: string; seed: string; physics: string; data: string; from?: string; coverageFrom?: string; baselineTrees: string; variant: string; json?: boolean }

/** Registers `materials train`. Errors are one-line DendraErrors. */
export function registerMaterialsTrain(m: Command): void {
  m.command('train')
    .description('choose descriptors, model kind and settings by grouped CV on all rows, train, calibrate conformal intervals, write the model and its card (with the nested-CV table)')
    .option('--out <dir>', 'output directory', join(REPO_ROOT, 'models', 'materials'))
    .option('--folds <k>', 'grouped-CV folds of the selection (3, as inside each outer fold of materials eval)', '3')
    .option('--seed <n>', 'fold assignment and model seed', '0')
    .option('--physics <groups>', 'physics descriptor groups of the phys descriptor set: none, all, or a list', DEFAULT_PHYSICS_OPT)
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--from <json>', 'the nested-CV table for the card from an earlier `materials eval --json` (else it is computed: 1 seed)')
    .option('--coverage-from <json>', "an `eval --variants V --json` report measuring the shipped variant's interval coverage, for the card")
    .option('--baseline-trees <n>', 'trees of the OBELiX-features forest when the table is computed', String(OBELIX_RF_TREES))
    .option('--variant <v>', `what to ship, one of the nested-CV variants (${VARIANTS.join(', ')}); 'selected' is the procedure nested CV evaluates`, 'selected')
    .option('--card-only', 'rewrite only the card from the model file already in --out (its recorded selection) and the reports; no fitting')
    .option('--json', 'print the card as JSON')
    .action(action(async (opts: TrainOpts) => {
      const physics = physicsOpt(opts.physics);
      if (!(VARIANTS as readonly string[]).includes(opts.variant)) throw new UsageError(`--variant must be one of ${VARIANTS.join(', ')}, got '${opts.variant}'`);
      const variant = opts.variant as Variant;
      const k = intOpt('--folds', opts.folds, 3, 2), seed = intOpt('--seed', opts.seed, 0, 0);
      const quiet = !!opts.json || !process.stderr.isTTY;
      const nested: EvalReport = opts.from !== undefined ? readReport(opts.from, isEvalReport, 'materials eval --json')
        : await runNestedEval({ seeds: 1, outerK: 5, innerK: 3, baselineTrees: intOpt('--baseline-trees', opts.baselineTrees, OBELIX_RF_TREES, 0), physics, data: opts.data, quiet });
      const { loadMaterials, elementVocabulary } = await import('../materials/features.ts');
      const { loadStructures } = await import('../materials/structure.ts');
      const { buildSelectData, defaultCandidates } = await import('../materials/select.ts');
      const { trainSelected } = await import('../materials/ship.ts');
      const rows = loadMaterials(join(opts.data, 'train.csv'));
      const structures = loadStructures(rows.map((r) => r.id), join(opts.data, 'cifs'), (id, e) => process.stderr.write(`dendra: warning: ${id}.cif: ${e}\n`), true);
      const vocabulary = elementVocabulary(rows);
      const data = buildSelectData(rows, structures, vocabulary, physics);
      const candidates = defaultCandidates();
      const dir = resolve(opts.out);
      let trained: { file: MaterialsModelFile; selection: Selection };
      if (opts.cardOnly) {
        const file = readModelFile(dir);
        if (!file.selection) throw new UsageError(`--card-only: ${join(dir, MODEL_FILE)} records no selection (train it without --card-only first)`);
        trained = { file, selection: file.selection };
      } else {
        const bar = makeProgress(quiet, 'fits');
        let done = 0;
        bar.start(k * allowedFor(variant, candidates).length + 1, 'selection');
        try {
          trained = trainSelected(data, candidates, vocabulary, physics, { k, seed, variant, onStep: () => bar.update(++done) });
        } finally {
          bar.stop();
        }
      }
      const med = fileMedian(trained.file) ?? 0;
      const exact = data.targets.filter((t) => !t.censored);
      const medianRmse = Math.sqrt(exact.reduce((s, t) => s + (t.value - med) ** 2, 0) / exact.length);
      const coverage = opts.coverageFrom !== undefined ? readReport(opts.coverageFrom, isEvalReport, 'materials eval --json') : undefined;
      const card = buildCard({ medianRmse, medianIntervals: trained.file.medianIntervals, coverage, nested, selection: trained.selection, physics, rows: { all: rows.length, cif: data.hasCif.filter(Boolean).length,
        bounds: data.targets.filter((t) => t.censored).length }, candidates: candidates.map((c) => c.id) });
      mkdirSync(dir, { recursive: true });
      const outputs = [[MODEL_FILE, JSON.stringify(packModelFile(trained.file))], [CARD_FILE, JSON.stringify(card, null, 2) + '\n']] as const;
      for (const [name, text] of outputs.filter(([name]) => !opts.cardOnly || name === CARD_FILE)) {
        writeFileSync(join(dir, `${name}.tmp`), text);
        renameSync(join(dir, `${name}.tmp`), join(dir, name));
      }
      if (opts.json) return printJson(card);
      for (const line of formatNested(nested)) console.log(line);
      console.log(`shipped: no CIF -> ${trained.selection.composition}, CIF -> ${trained.selection.structure}; wrote ${opts.cardOnly ? '' : `${join(dir, MODEL_FILE)} and `}${join(dir, CARD_FILE)}`);
    }));
}
