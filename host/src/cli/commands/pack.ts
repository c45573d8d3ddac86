/** `dendra pack simulate`: seeded solid-state pack simulation with dendrite labels (JSON or CSV). */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, printJson } from '../run.ts';
import { UsageError } from '../../errors.ts';
import { ELECTROLYTE_IDS } from '../../physics/electrolytes.ts';
import type { ElectrolyteId } from '../../physics/electrolytes.ts';
import { DUTIES } from '../../pack/profiles.ts';
import type { Duty } from '../../pack/profiles.ts';
import { simulatePack } from '../../pack/simulator.ts';
import type { PackConfig, PackResult } from '../../pack/simulator.ts';
import { packToCsv } from '../../pack/csv.ts';

interface SimulateOpts {
  cells: string;
  electrolyte: string;
  duty: string;
  cycles: string;
  seed: string;
  current: string;
  interface?: string;
  out?: string;
  json?: boolean;
}

/** Parses `SxP` (e.g. 4x4) or throws UsageError. */
function parseCells(v: string): { series: number; parallel: number } {
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  const series = m ? Number(m[1]) : NaN;
  const parallel = m ? Number(m[2]) : NaN;
  if (!(series >= 1 && series <= 1024 && parallel >= 1 && parallel <= 1024)) {
    throw new UsageError(`option --cells must be SERIESxPARALLEL with each 1..1024 (e.g. 4x4), got '${v}'`);
  }
  return { series, parallel };
}

/** Parses a number option in [min, max] (integer if asked) or throws UsageError. */
function num(name: string, v: string, min: number, max: number, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`option ${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got '${v}'`);
  }
  return n;
}

/** Turns the command-line options into a simulator config; every bad value is a UsageError. */
export function packConfigFromOptions(o: SimulateOpts): Partial<PackConfig> {
  const electrolyte = o.electrolyte.toLowerCase();
  if (!ELECTROLYTE_IDS.includes(electrolyte as ElectrolyteId)) {
    throw new UsageError(`option --electrolyte must be one of ${ELECTROLYTE_IDS.join(', ')}, got '${o.electrolyte}'`);
  }
  if (!DUTIES.includes(o.duty as Duty)) throw new UsageError(`option --duty must be one of ${DUTIES.join(', ')}, got '${o.duty}'`);
  const iface = o.interface ?? 'auto';
  if (!['auto', 'stable', 'unstable'].includes(iface)) throw new UsageError(`option --interface must be auto, stable or unstable, got '${iface}'`);
  return {
    ...parseCells(o.cells),
    electrolyte: electrolyte as ElectrolyteId,
    duty: o.duty as Duty,
    cycles: num('--cycles', o.cycles, 1, 100000, true),
    seed: num('--seed', o.seed, 0, 2 ** 32 - 1, true),
    currentDensity: num('--current', o.current, 0, 20, false),
    ...(iface === 'auto' ? {} : { instability: iface === 'stable' ? 0 : 1 }),
  };
}

/** One-line summary per cell for the terminal. */
function printSummary(r: PackResult): void {
  const c = r.config;
  console.log(`${r.electrolyteName}, ${c.series}x${c.parallel} cells, ${c.duty} at ${c.currentDensity} mA/cm^2, seed ${c.seed}`);
  console.log(`  interface instability ${c.instability.toFixed(2)}, CCD ${r.ccdNominal.toFixed(2)} mA/cm^2 at ${c.ambient.meanC} C, ${c.stackPressureMPa} MPa`);
  for (const cell of r.cells) {
    const n = cell.series.rInt.length;
    const init = cell.initiationCycle ?? '-';
    const short = cell.shortCycle ?? '-';
    console.log(`  cell ${String(cell.id).padStart(3)} (r${cell.row} c${cell.col}): initiation ${init}, short ${short}, R_int ${cell.series.rInt[n - 1] ?? '-'} ohm cm^2`);
  }
}

/** Registers `dendra pack simulate`. */
export function registerPack(program: Command): void {
  const pack = program.command('pack').description('solid-state pack simulator (labelled telemetry for the dendrite-risk model)');
  pack
    .command('simulate')
    .description('simulate a seeded pack and write per-cell, per-cycle telemetry with initiation/short labels')
    .option('--cells <SxP>', 'series x parallel cells', '4x4')
    .option('--electrolyte <id>', `electrolyte preset (${ELECTROLYTE_IDS.join(', ')})`, 'llzo')
    .option('--duty <name>', `grid duty (${DUTIES.join(', ')})`, 'peak-shaving')
    .option('--cycles <n>', 'cycles to simulate', '1000')
    .option('--seed <n>', 'random seed (same seed, same output)', '1')
    .option('--current <mA/cm2>', 'nominal per-cell current density', '0.25')
    .option('--interface <kind>', 'interface instability: auto (from the preset), stable, unstable', 'auto')
    .option('--out <file>', 'write the result to FILE (.csv for CSV, otherwise JSON)')
    .option('--json', 'print the full JSON result on stdout')
    .action(action(async (opts: SimulateOpts) => {
      const result = simulatePack(packConfigFromOptions(opts));
      if (opts.out) {
        const text = opts.out.toLowerCase().endsWith('.csv') ? packToCsv(result) : JSON.stringify(result) + '\n';
        try {
          writeFileSync(opts.out, text);
        } catch (err) {
          throw new UsageError(`cannot write ${opts.out}: ${(err as Error).message}`);
        }
      }
      if (opts.json) return printJson(result);
      printSummary(result);
      if (opts.out) console.log(`wrote ${opts.out}`);
    }));
}
