/**
 * `dendra materials eval | train | predict`: OBELiX ionic-conductivity baselines (training split
 * only; evaluation is cross-validation, the official test split is never used).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { REPO_ROOT, OBELIX_DIR } from '@dendra/core/paths.ts';

/** The committed materials model (independent of the working directory). */
const MATERIALS_DIR = join(REPO_ROOT, 'models', 'materials');
import { DEFAULT_CONFIG, MODEL_KINDS, type ModelKind } from '../materials/baselines.ts';
import { ALL_PHYSICS, type PhysicsGroup } from '../materials/physics.ts';
import { initBackend } from '@dendra/core/tfjs.ts';

import type { Protocol } from '../materials/cv.ts';
import { evalSteps, formatTable, loadDatasets, runEval, type EvalRow } from '../materials/evaluate.ts';
import { loadMaterials } from '../materials/features.ts';
import { CARD_FILE, MODEL_FILE, predictRows, readModelFile, trainSubModel, type MaterialsModelFile } from '../materials/model.ts';
import { loadStructures } from '../materials/structure.ts';
import { asMedian, readCard, resolveNamedModel, withMedianUncertainty } from '../materials/named.ts';
import { readCif } from '../materials/cif.ts';
import { writeDftInputs, type DftFormat } from '../materials/dft.ts';
import { importDftFile } from '../materials/importdft.ts';
import { formatScreen, screenCandidates } from '../materials/screen.ts';
import { enumerateCandidates } from '../materials/substitute.ts';
import { registerMaterialsGnn } from './materials-gnn.ts';
import { DEFAULT_PHYSICS_OPT, physicsOpt } from './materials-common.ts';
import { registerMaterialsAblate } from './materials-ablate.ts';
import { activationEnergies, arrheniusFields, EA_PLAUSIBLE_EV, registerMaterialsArrhenius } from './materials-arrhenius.ts';
import { ROOM_T } from '../materials/arrhenius.ts';

interface EvalOpts { protocol?: string; seeds: string; trees: string; physics: string; data: string; json?: boolean }
interface TrainOpts { out: string; seeds: string; trees: string; physics: string; data: string; json?: boolean }
interface PredictOpts { cifs?: string; model: string; temperature: string; json?: boolean }

function protocols(p: string | undefined): Protocol[] {
  if (p === undefined) return ['grouped', 'random'];
  if (p === 'grouped' || p === 'random') return [p];
  throw new UsageError(`--protocol must be 'grouped' or 'random', got '${p}'`);
}

async function evaluate(opts: { protocols: Protocol[]; seeds: number; trees: number; physics: PhysicsGroup[]; data: string; quiet: boolean; kinds?: ModelKind[] }): Promise<{ rows: EvalRow[]; sets: ReturnType<typeof loadDatasets> }> {
  await initBackend();
  const quiet = opts.quiet || !process.stderr.isTTY;
  const load = makeProgress(quiet, 'CIFs');
  let started = false;
  let sets: ReturnType<typeof loadDatasets>;
  try {
    sets = loadDatasets(opts.data, (m) => process.stderr.write(`dendra: warning: ${m}\n`), { physics: opts.physics,
      onProgress: (d, t) => { if (!started) { load.start(t, 'structures'); started = true; } load.update(d); } });
  } finally {
    load.stop();
  }
  const o = { protocols: opts.protocols, seeds: opts.seeds, kinds: opts.kinds, config: { ...DEFAULT_CONFIG, rfTrees: opts.trees } };
  const bar = makeProgress(quiet, 'fits');
  let done = 0;
  bar.start(evalSteps(o), 'cross-validation');
  try {
    return { rows: runEval([sets.all, sets.cif], { ...o, onStep: () => bar.update(++done) }), sets };
  } finally {
    bar.stop();
  }
}

function evalCommand(m: Command): void {
  m.command('eval')
    .description('cross-validate median / random forest / boosted trees / MLP on OBELiX (grouped = primary, random = optimistic)')
    .option('--protocol <p>', "'grouped' or 'random' (default: both)")
    .option('--seeds <n>', 'seeds (fold assignments) per protocol (2 keeps the default run under 15 min on 2 cores)', '2')
    .option('--trees <n>', 'random-forest trees', String(DEFAULT_CONFIG.rfTrees))
    .option('--physics <groups>', `physics descriptors for the CIF subset: none, all, or a list of ${ALL_PHYSICS.join(',')}`, DEFAULT_PHYSICS_OPT)
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--json', 'print the results as JSON')
    .action(action(async (opts: EvalOpts) => {
      const t0 = Date.now();
      const { rows } = await evaluate({ protocols: protocols(opts.protocol), seeds: intOpt('--seeds', opts.seeds, 2, 1),
        trees: intOpt('--trees', opts.trees, DEFAULT_CONFIG.rfTrees, 1), physics: physicsOpt(opts.physics), data: opts.data, quiet: !!opts.json });
      if (opts.json) return printJson({ seconds: (Date.now() - t0) / 1000, rows });
      for (const line of formatTable(rows)) console.log(line);
      console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s; log10 S/cm; bounds=-15: upper-bound rows scored at -15; no bounds: those rows excluded; 95% bootstrap CIs)`);
    }));
}

function trainCommand(m: Command): void {
  m.command('train')
    .description('pick the best model by grouped-CV MAE, train it on all rows, write the model and its card')
    .option('--out <dir>', 'output directory', MATERIALS_DIR)
    .option('--seeds <n>', 'grouped-CV seeds for model selection and the card', '1')
    .option('--trees <n>', 'random-forest trees', '500')
    .option('--physics <groups>', `physics descriptors for the structure sub-model: none, all, or a list of ${ALL_PHYSICS.join(',')}`, DEFAULT_PHYSICS_OPT)
    .option('--data <dir>', 'OBELiX folder (train.csv, cifs/)', OBELIX_DIR)
    .option('--json', 'print the card as JSON')
    .action(action(async (opts: TrainOpts) => {
      const trees = intOpt('--trees', opts.trees, 500, 1);
      const seeds = intOpt('--seeds', opts.seeds, 1, 1);
      const physics = physicsOpt(opts.physics);
      const { rows: cv, sets } = await evaluate({ protocols: ['grouped', 'random'], seeds, trees: Math.min(trees, DEFAULT_CONFIG.rfTrees), physics, data: opts.data, quiet: !!opts.json });
      const grouped = cv.filter((r) => r.protocol === 'grouped');
      const byModel = (k: ModelKind): number => grouped.filter((r) => r.model === k && r.subset === 'all')[0].all.mae.value;
      const best = [...MODEL_KINDS].sort((a, b) => byModel(a) - byModel(b))[0];
      const rmse = (s: 'all' | 'cif'): number => grouped.find((r) => r.model === best && r.subset === s)!.exact.rmse.value;
      const config = { ...DEFAULT_CONFIG, rfTrees: trees };
      const file: MaterialsModelFile = { format: 'dendra-materials-model', version: 1, kind: best,
        composition: trainSubModel(best, sets.all, config, rmse('all')), structure: trainSubModel(best, sets.cif, config, rmse('cif')) };
      const card = { model: best, target: 'log10 ionic conductivity (S/cm), room temperature', data: 'OBELiX training split (Therrien et al. 2025, CC BY 4.0)',
        rows: { all: sets.all.rows.length, cif: sets.cif.rows.length, bounds: sets.all.targets.filter((t) => t.censored).length },
        censoring: 'metrics: upper bounds scored as -15 (benchmark convention); "exact" excludes them',
        boundsTraining: best.endsWith('-cens') ? 'censored squared loss on the bound (only predictions above the bound are penalized)' : 'bounds set to log10 sigma = -15 (OBELiX processed-table convention)',
        physics: { groups: physics, source: 'host/materials/src/materials/physics.ts (BVSE barrier in D0 units, Ewald Li site energies, Li network, anion packing)' },
        protocols: { grouped: 'primary: grouped 5-fold CV (DOI / composition connected components)', random: 'OPTIMISTIC: stratified random 5-fold CV on the binned target (seed protocol); near-duplicates from one paper straddle folds' },
        activationEnergy: 'not learned (OBELiX has no Ea labels); predict --json gives activationEnergyEv from an Ea (eV) column, else the softBV BVSE 3D barrier in eV from the CIF (bvse-ev.ts, an approximate estimate: see docs/materials.md), with sigma at --temperature; pack simulate --material uses it; materials arrhenius fits Ea from a temperature series',
        selection: 'lowest grouped-CV MAE on all rows', config, cv, created: new Date().toISOString() };
      const dir = resolve(opts.out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, MODEL_FILE), JSON.stringify(file));
      writeFileSync(join(dir, CARD_FILE), JSON.stringify(card, null, 2) + '\n');
      if (opts.json) return printJson(card);
      for (const line of formatTable(cv)) console.log(line);
      console.log(`best: ${best}; wrote ${join(dir, MODEL_FILE)} and ${CARD_FILE}`);
    }));
}

function predictCommand(m: Command): void {
  m.command('predict <csv>')
    .description('predict log10 conductivity for a CSV in the OBELiX layout (structure model where a CIF with the row ID exists)')
    .option('--cifs <dir>', 'folder with <ID>.cif files')
    .option('--model <dir|name>', 'model directory, or the name of a model the card lists (the shipped kind or median; the others have no committed weights)', MATERIALS_DIR)
    .option('--temperature <K>', "also give sigma at this temperature (Arrhenius) where Ea is known: the CSV's 'Ea (eV)' column, else the softBV barrier of the row's CIF", String(ROOM_T))
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
      const preds = (named.use === 'median' ? asMedian(raw, named) : withMedianUncertainty(raw, card)).map((p) => ({ ...p, ...arrheniusFields(p.log10Sigma, ea.get(p.id)?.ev, tK, ea.get(p.id)?.source) }));
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
      if (global) console.log('* global uncertainty: the grouped-CV RMSE of the sub-model, the same for every row (no ensemble spread in this model)');
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
  evalCommand(m);
  trainCommand(m);
  predictCommand(m);
  screenCommand(m);
  importDftCommand(m);
  registerMaterialsGnn(m);
  registerMaterialsAblate(m);
  registerMaterialsArrhenius(m);
}
