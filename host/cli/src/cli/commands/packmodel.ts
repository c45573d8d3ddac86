/**
 * `dendra train pack` and `dendra eval pack`: the pack dendrite-risk graph model (simulated data,
 * GNN + baselines, int8 .tflite and card). Adds subcommands to the existing `train` command and to
 * an `eval` command (created here when nobody else registered one).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { UsageError } from '@dendra/core/errors.ts';
import type { PackMetricsTable, PackProgress } from '@dendra/models/pack/pipeline.ts';
// Heavy modules (TensorFlow.js) load inside the action, so `dendra --help` and other commands start fast.
import type { RiskMetrics } from '@dendra/models/pack/metrics.ts';

const DEFAULT_DIR = path.join(REPO_ROOT, 'models', 'pack');

/** Finds a top-level command by name or creates it. */
function findOrCreate(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Prints the metrics table. */
function printTable(t: PackMetricsTable): void {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : ' n/a ');
  const row = (name: string, m: RiskMetrics) =>
    console.log(`  ${name.padEnd(18)} AUC ${f(m.auc.value)} [${f(m.auc.lo)}, ${f(m.auc.hi)}]  F1 ${f(m.f1.value)} [${f(m.f1.lo)}, ${f(m.f1.hi)}]  lead ${f(m.medianLead.value)} [${f(m.medianLead.lo)}, ${f(m.medianLead.hi)}] cycles  missed ${f(m.missedFraction)}`);
  console.log('test split (held-out configurations), per-cell initiation within the horizon:');
  row('GNN float', t.gnnFloat);
  row('GNN int8', t.gnnInt8);
  row('per-cell (A = I)', t.perCellFloat);
  row('physics estimator', t.physicsRule);
  console.log(`  pack-level AUC float ${f(t.packAuc.float)}  int8 ${f(t.packAuc.int8)}; int8 AUC drop ${t.int8AucDropPoints.toFixed(2)} points`);
  const d = (name: string, c: { value: number; lo: number; hi: number }) => `${name} ${c.value >= 0 ? '+' : ''}${f(c.value)} [${f(c.lo)}, ${f(c.hi)}]`;
  console.log(`  AUC difference (paired bootstrap over packs): ${d('GNN - physics', t.aucGain.vsPhysics)}; ${d('GNN - per-cell', t.aucGain.vsPerCell)}`);
  const l = (name: string, x: PackMetricsTable['lead'][keyof PackMetricsTable['lead']]) => `${name} ${x.mae.value.toFixed(1)} [${x.mae.lo.toFixed(1)}, ${x.mae.hi.toFixed(1)}] (${x.alerts})`;
  console.log(`  lead_cycles MAE at first alert, cycles (alerts): ${l('board (int8 lead head)', t.lead.headInt8)}; ${l('constant horizon', t.lead.constantHorizon)}; ${l('validation constant', t.lead.constantOnVal)}; ${l('int8 hazard', t.lead.hazardInt8)}; ${l('calibrated', t.lead.hazardInt8Calibrated)}; ${l('physics', t.lead.physics)}`);
}

/** A progress callback driving one bar per stage. */
function progressPrinter(quiet: boolean): { on: (p: PackProgress) => void; stop: () => void } {
  const bar = makeProgress(quiet, 'step', ' | {info}');
  let stage = '';
  return {
    on(p) {
      const key = p.stage === 'train' ? `train ${p.model}` : p.stage;
      const total = p.stage === 'simulate' ? p.total : p.stage === 'train' ? p.epochs : 1;
      if (key !== stage) { bar.stop(); bar.start(total, key); stage = key; }
      if (p.stage === 'simulate') bar.update(p.done, { info: 'packs' });
      else if (p.stage === 'train') bar.update(p.epoch, { info: `loss ${p.loss.toFixed(4)} val ${p.valLoss.toFixed(4)}` });
      else bar.update(0, { info: p.what });
    },
    stop: () => bar.stop(),
  };
}

/** Registers `pack swapcost`: the grid/pack model switch on build/engine.wasm, both ways. */
function registerSwapCost(program: Command): void {
  findOrCreate(program, 'pack', 'solid-state pack tools')
    .command('swapcost')
    .description('time the firmware interpreter (build/engine.wasm) switching between the grid and the pack model in one shared arena, against one inference of each')
    .option('--grid <file>', 'grid model', path.join(REPO_ROOT, 'models', 'grid', 'grid.tflite'))
    .option('--pack <file>', 'pack model', path.join(DEFAULT_DIR, 'pack.tflite'))
    .option('--iterations <n>', 'swap cycles timed (median reported)', '200')
    .option('--json', 'print the result as JSON')
    .action(action(async (opts: { grid: string; pack: string; iterations: string; json?: boolean }) => {
      const { readModelFile } = await import('@dendra/device/flash/flash.ts');
      const { measureSwap } = await import('@dendra/device/engine/swapcost.ts');
      const r = await measureSwap(readModelFile(opts.grid), readModelFile(opts.pack), intOpt('--iterations', opts.iterations, 200, 1));
      if (opts.json) return printJson(r);
      console.log(`load (swap in) grid ${r.loadGridUs} us, pack ${r.loadPackUs} us; invoke grid ${r.invokeGridUs} us, pack ${r.invokePackUs} us (median of ${r.iterations}, Node WebAssembly)`);
      console.log(`arena grid ${r.arenaGrid} B, pack ${r.arenaPack} B (shared: max ${Math.max(r.arenaGrid, r.arenaPack)} B); outputs after swapping ${r.outputsUnchanged ? 'unchanged' : 'CHANGED'}`);
      console.log(`both loaded (grid + pack arenas and a parked state record): exchange ${r.swapUs} us; outputs ${r.swapOutputsUnchanged ? 'unchanged' : 'CHANGED'}`);
    }));
}

/**
 * Registers `train pack` (on the existing or a new `train` command) and `eval pack` (on the
 * existing or a new `eval` command). Errors are reported by the CLI's `action` wrapper.
 */
export function registerPackModel(program: Command): void {
  const train = findOrCreate(program, 'train', 'train a model (float, TensorFlow.js)');
  train
    .command('pack')
    .description('simulate packs, train the pack dendrite-risk GNN and its baselines, quantize to int8 and write the model card')
    .option('--seed <n>', 'seed of the simulated data set, weights and bootstrap', '1')
    .option('--epochs <n>', 'maximum epochs per model (early stopping on validation loss)', '20')
    .option('--out <dir>', 'where pack.float.json, pack.tflite and pack.card.json go', DEFAULT_DIR)
    .option('--json', 'print the metrics as JSON (no progress bar)')
    .action(action(async (opts: { seed: string; epochs: string; out: string; json?: boolean }) => {
      const { trainPack } = await import('@dendra/models/pack/pipeline.ts');
      const p = progressPrinter(!!opts.json);
      const r = await trainPack({
        outDir: opts.out, seed: intOpt('--seed', opts.seed, 1), epochs: intOpt('--epochs', opts.epochs, 20, 1), onProgress: p.on,
      }).finally(p.stop);
      if (opts.json) return printJson({ outDir: r.outDir, files: r.files, metrics: r.table, comparisons: r.card.comparisons });
      console.log(`wrote ${Object.values(r.files).join(', ')} to ${r.outDir}`);
      printTable(r.table);
      for (const c of r.card.comparisons) console.log(`  ${c}`);
    }));
  findOrCreate(program, 'pack', 'solid-state pack tools')
    .command('quantize')
    .description('rebuild pack.tflite from the stored float model (no retraining) with the current metadata layout; updates the card\'s bytes and sha256')
    .option('--model <dir>', 'directory with pack.float.json, pack.tflite and pack.card.json', DEFAULT_DIR)
    .option('--json', 'print the result as JSON')
    .action(action(async (opts: { model: string; json?: boolean }) => {
      const { requantizePack } = await import('@dendra/models/pack/pipeline.ts');
      const r = requantizePack(opts.model);
      if (opts.json) return printJson(r);
      console.log(`${opts.model}/pack.tflite: ${r.bytes} bytes, sha256 ${r.sha256}${r.changed ? '' : ' (unchanged)'}`);
    }));
  registerSwapCost(program);
  const ev = findOrCreate(program, 'eval', 'evaluate a trained model');
  ev
    .command('pack')
    .description('re-simulate the held-out test packs and score the pack model (float, int8) and its baselines; with --data, score a BMS export instead (CSV: cycle,cell,v,i,t,impedance[,label]; docs/bms.md): risk per cell per cycle as the board computes it, and with a label column Pearson, Mann-Whitney U and Bland-Altman agreement; bad rows are reported and skipped')
    .option('--model <dir>', 'directory with pack.float.json and pack.tflite', DEFAULT_DIR)
    .option('--data <csv>', 'a BMS export to score (docs/bms.md) instead of the simulated test packs')
    .option('--electrolyte <id>', 'with --data: electrolyte preset of the cells (static features: conductivity, shear modulus, CCD)', 'llzo')
    .option('--pressure <MPa>', "with --data: stack pressure (default: the preset's CCD reference pressure)")
    .option('--json', 'print the metrics as JSON (no progress bar)')
    .action(action(async (opts: { model: string; json?: boolean; data?: string; electrolyte: string; pressure?: string }) => {
      if (opts.data !== undefined) return evalBmsCommand(opts as typeof opts & { data: string });
      const { evalPack } = await import('@dendra/models/pack/pipeline.ts');
      const p = progressPrinter(!!opts.json);
      const r = await evalPack(opts.model, p.on).finally(p.stop);
      if (opts.json) return printJson(r);
      printTable(r.table);
      console.log(`  ${opts.model}/pack.tflite ${r.tfliteMatches ? 'matches' : 'does NOT match'} a rebuild from the stored weights`);
    }));
}

/** `eval pack --data`: validates the options, scores the BMS export and prints it (text or JSON). */
async function evalBmsCommand(opts: { model: string; json?: boolean; data: string; electrolyte: string; pressure?: string }): Promise<void> {
  const { ELECTROLYTE_IDS } = await import('@dendra/models/physics/electrolytes.ts');
  if (!(ELECTROLYTE_IDS as string[]).includes(opts.electrolyte)) throw new UsageError(`--electrolyte must be one of ${ELECTROLYTE_IDS.join(', ')}, got '${opts.electrolyte}'`);
  const pressure = opts.pressure === undefined ? undefined : Number(opts.pressure);
  if (pressure !== undefined && !(pressure > 0 && pressure < 1000)) throw new UsageError(`--pressure must be in (0, 1000) MPa, got '${opts.pressure}'`);
  const { loadBms } = await import('@dendra/models/pack/bms.ts');
  const { evalBms, formatBmsEval } = await import('@dendra/models/pack/bms_eval.ts');
  const report = evalBms(loadBms(opts.data), { model: path.join(opts.model, 'pack.tflite'), electrolyte: opts.electrolyte as never, stackPressureMPa: pressure });
  if (opts.json) return printJson(report);
  for (const line of formatBmsEval(report)) console.log(line);
}
