/**
 * `dendra materials eval | train | predict`: OBELiX ionic-conductivity baselines (training split
 * only; evaluation is cross-validation, the official test split is never used).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { REPO_ROOT, OBELIX_DIR } from '@dendra/core/paths.ts';

/** The committed materials model (independent of the working directory). */
const MATERIALS_DIR = join(REPO_ROOT, 'models', 'materials');

import { loadMaterials } from '../materials/features.ts';
import { predictRows, readModelFile } from '../materials/model.ts';
import { loadStructures } from '../materials/structure.ts';
import { asMedian, obelixPredictions, readCard, resolveNamedModel, withMedianUncertainty } from '../materials/named.ts';
import { readCif } from '../materials/cif.ts';
import { writeDftInputs, type DftFormat } from '../materials/dft.ts';
import { importDftFile } from '../materials/importdft.ts';
import { formatScreen, screenCandidates } from '../materials/screen.ts';
import { enumerateCandidates } from '../materials/substitute.ts';
import { registerMaterialsGnn } from './materials-gnn.ts';
import { registerMaterialsAblate } from './materials-ablate.ts';
import { registerMaterialsEval } from './materials-eval.ts';
import { registerMaterialsTrain } from './materials-train.ts';
import { activationEnergies, arrheniusFields, EA_PLAUSIBLE_EV, registerMaterialsArrhenius } from './materials-arrhenius.ts';
import { ROOM_T } from '../materials/arrhenius.ts';
import { OBELIX_RF_TREES } from '../materials/obelix-rf.ts';

interface PredictOpts { cifs?: string; model: string; temperature: string; forestTrees?: string; json?: boolean }

/** Trees of --model obelix-rf: the option, else the card's evaluated baseline, else 500. @throws DendraError E_USAGE for a bad option. */
function forestTrees(opt: string | undefined, card: Record<string, unknown>): number {
  const fromCard = (card.evaluation as { baselineTrees?: unknown } | undefined)?.baselineTrees;
  return intOpt('--forest-trees', opt, typeof fromCard === 'number' && fromCard >= 1 ? fromCard : OBELIX_RF_TREES, 1);
}

function predictCommand(m: Command): void {
  m.command('predict <csv>')
    .description('predict log10 conductivity for a CSV in the OBELiX layout (structure model where a CIF with the row ID exists)')
    .option('--cifs <dir>', 'folder with <ID>.cif files')
    .option('--model <dir|name>', 'model directory, or a model the card lists: selected (the shipped model), median, obelix-rf (the OBELiX-features forest, trained on the OBELiX training split at first use: seconds, then cached)', MATERIALS_DIR)
    .option('--temperature <K>', "also give sigma at this temperature (Arrhenius) where Ea is known: the CSV's 'Ea (eV)' column, else the softBV barrier of the row's CIF", String(ROOM_T))
    .option('--forest-trees <n>', "trees of --model obelix-rf (default: the card's evaluated baseline, else 500)")
    .option('--json', 'print predictions as JSON')
    .action(action((csv: string, opts: PredictOpts) => {
      const tK = Number(opts.temperature);
      if (!(tK > 0 && tK < 2000)) throw new UsageError(`--temperature must be in (0, 2000) K, got '${opts.temperature}'`);
      const isDir = existsSync(opts.model) && statSync(opts.model).isDirectory();
      const dir = isDir ? opts.model : MATERIALS_DIR;
      const file = readModelFile(dir);
      const card = readCard(dir);
      const named = isDir ? { name: file.kind, use: 'file' as const } : resolveNamedModel(opts.model, file, card);
      const rows = loadMaterials(csv);
      const bar = makeProgress(!!opts.json || !process.stderr.isTTY, 'CIFs');
      let ea: ReturnType<typeof activationEnergies>;
      try {
        // a CIF that cannot be read is reported once, by loadStructures below
        ea = activationEnergies(csv, rows.map((r) => r.id), opts.cifs, () => {}, (d, t) => { if (d === 0) bar.start(t, 'softBV Ea'); bar.update(d); });
      } finally {
        bar.stop();
      }
      const physics = (file.structure.spec.physics?.length ?? 0) > 0;
      const structures = opts.cifs ? loadStructures(rows.map((r) => r.id), opts.cifs, (id, e) => process.stderr.write(`dendra: warning: ${id}.cif: ${e}\n`), physics) : new Map();
      const raw = predictRows(file, rows, structures);
      const base = named.use === 'median' ? asMedian(raw, named) : named.use === 'obelix-rf' ? obelixPredictions(raw, rows, loadMaterials(join(OBELIX_DIR, 'train.csv')), (m) => process.stderr.write(`dendra: ${m}\n`), forestTrees(opts.forestTrees, card))
        : withMedianUncertainty(raw, card);
      const preds = base.map((p) => ({ ...p, ...arrheniusFields(p.log10Sigma, ea.get(p.id)?.ev, tK, ea.get(p.id)?.source) }));
      if (opts.json) return printJson(preds);
      const global = preds.some((p) => p.uncertaintyScope === 'global');
      console.log(`ID        log10 sigma  ± unc${global ? '*' : ' '}  features     measured  Ea (eV)  Ea from  log10 sigma(${tK} K)`);
      for (const p of preds) {
        const meas = p.measured === null ? '-' : `${p.measuredIsBound ? '<' : ''}${p.measured.toFixed(2)}`;
        const f2 = (v: number | null, w: number) => (v === null ? '-' : v.toFixed(2)).padStart(w);
        console.log(`${p.id.padEnd(10)}${f2(p.log10Sigma, 11)}  ${f2(p.uncertainty, 5)}  ${p.features.padEnd(12)} ${meas.padEnd(9)} ` +
          `${p.activationEnergyEv === null ? '-'.padStart(7) : p.activationEnergyEv.toFixed(3).padStart(7)}  ${(p.activationEnergySource ?? '-').padEnd(7)}  ${p.log10SigmaAtT === null ? '-' : p.log10SigmaAtT.toFixed(2)}` +
          `${p.flag ? `  [${p.flag}: Ea outside ${EA_PLAUSIBLE_EV.min}-${EA_PLAUSIBLE_EV.max} eV, not used]` : ''}${p.error ? `  [error: ${p.error}; ${p.fallback ? `fallback ${p.fallback}` : 'no fallback'}]` : ''}`);
      }
      if (preds.some((p) => p.interval90 !== null)) console.log('± unc: half-width of the per-row conformal 68% interval (the 90% interval is in --json)');
      if (global) console.log('* global uncertainty on rows without an interval (fallbacks, older model files): an RMSE, the same for every such row');
    }));
}

interface ScreenOpts { top: string; exportDft?: string; out: string; model: string; data: string; json?: boolean }

function screenCommand(m: Command): void {
  m.command('screen')
    .description('enumerate substitution candidates on OBELiX frameworks, score them (conductivity model + stability/stiffness proxies), print the top N')
    .option('--top <n>', 'how many candidates to print / export', '50')
    .option('--export-dft <fmt>', "write DFT inputs for the top N: 'vasp' or 'qe'")
    .option('--out <dir>', 'output directory for DFT inputs', 'dft-inputs')
    .option('--model <dir>', 'model directory', MATERIALS_DIR)
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--json', 'print the top candidates as JSON')
    .action(action((opts: ScreenOpts) => {
      const top = intOpt('--top', opts.top, 50, 1);
      const fmt = opts.exportDft;
      if (fmt !== undefined && fmt !== 'vasp' && fmt !== 'qe') throw new UsageError(`--export-dft must be 'vasp' or 'qe', got '${fmt}'`);
      const file = readModelFile(opts.model);
      const rows = loadMaterials(join(opts.data, 'train.csv'));
      const cands = enumerateCandidates(rows);
      const bar = makeProgress(!!opts.json || !process.stderr.isTTY, 'candidates');
      bar.start(cands.length, 'screening');
      let scored;
      try {
        scored = screenCandidates(file, cands, rows, (done) => bar.update(done));
      } finally {
        bar.stop();
      }
      const best = scored.slice(0, top);
      const written: string[] = [];
      if (fmt !== undefined) {
        best.forEach((s, i) => {
          const dir = join(resolve(opts.out), `${String(i + 1).padStart(3, '0')}_${s.candidate.id}`);
          writeDftInputs(s.candidate, readCif(join(opts.data, 'cifs', `${s.candidate.parentId}.cif`)), fmt as DftFormat, dir);
          written.push(dir);
        });
      }
      if (opts.json) {
        return printJson({ candidates: cands.length, top: best.map((s) => ({ ...s, candidate: { ...s.candidate, amounts: Object.fromEntries(s.candidate.amounts),
          states: Object.fromEntries(s.candidate.states) } })), dft: written });
      }
      console.log(`${cands.length} candidates scored (log10 S/cm; ± = model CV error inflated by distance to training compositions)`);
      for (const line of formatScreen(best)) console.log(line);
      if (written.length > 0) console.log(`wrote ${fmt} inputs for ${written.length} candidates under ${resolve(opts.out)}`);
    }));
}

function importDftCommand(m: Command): void {
  m.command('import-dft <files...>')
    .description('parse DFT results: VASP OUTCAR / vasprun.xml, Bader ACF.dat, NEB image energies, QE pw.x output')
    .option('--json', 'print results as JSON')
    .action(action((files: string[], opts: { json?: boolean }) => {
      const res = files.map(importDftFile);
      if (opts.json) return printJson(res);
      for (const r of res) {
        const parts = [`${r.kind}`];
        if (r.energyEv !== null) parts.push(`E = ${r.energyEv.toFixed(6)} eV`);
        if (r.bandGapEv !== null) parts.push(`gap = ${r.bandGapEv.toFixed(3)} eV`);
        if (r.barrierEv !== undefined) parts.push(`barrier = ${r.barrierEv.toFixed(3)} eV (reverse ${r.reverseBarrierEv!.toFixed(3)})`);
        if (r.charges) parts.push(`${r.charges.length} Bader charges, total ${r.charges.reduce((a, b) => a + b, 0).toFixed(3)} e`);
        if (!r.complete) parts.push('(file looks truncated)');
        console.log(`${r.path}: ${parts.join('; ')}`);
      }
    }));
}

/** Registers `materials eval|train|predict|screen|import-dft|gnn` (the lead wires it into main.ts). Errors are one-line DendraErrors. */
export function registerMaterials(program: Command): void {
  const m = program.command('materials').description('OBELiX ionic-conductivity baselines (cross-validated on the training split)');
  registerMaterialsEval(m);
  registerMaterialsTrain(m);
  predictCommand(m);
  screenCommand(m);
  importDftCommand(m);
  registerMaterialsGnn(m);
  registerMaterialsAblate(m);
  registerMaterialsArrhenius(m);
}
