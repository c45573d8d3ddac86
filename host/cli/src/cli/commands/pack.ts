/** `dendra pack simulate` (definition; the work is in ../actions/pack.ts). */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';
import { ELECTROLYTE_IDS } from '@dendra/models/physics/electrolytes.ts';
import { DUTIES } from '@dendra/models/pack/profiles.ts';

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
    .option('--ambient <C>', 'mean ambient temperature, degrees C (default: the preset operating temperature)')
    .option('--material <file>', "a 'dendra materials predict --json' output: its row --material-id sets sigma (298.15 K) and Ea")
    .option('--material-id <id>', 'the row ID to take from --material')
    .option('--out <file>', 'write the result to FILE (.csv for CSV, otherwise JSON)')
    .option('--json', 'print the full JSON result on stdout')
    .action(lazyAction(() => import('../actions/pack.ts'), (m) => m.simulateAction));
}
