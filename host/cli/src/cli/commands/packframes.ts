/** `dendra pack frames` (definition; the work is in ../actions/packframes.ts). */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';
import { ELECTROLYTE_IDS } from '@dendra/models/physics/electrolytes.ts';
import { DUTIES } from '@dendra/models/pack/profiles.ts';

/** Registers `dendra pack frames` under the `pack` command (created when absent). */
export function registerPackFrames(program: Command): void {
  const pack = program.commands.find((c) => c.name() === 'pack') ?? program.command('pack');
  pack
    .command('frames')
    .description("write the pack frames `dendra sim` replays on DMA channel 1 as the native runtime's --pack-frames file (defaults: dendra sim's)")
    .option('--seed <n>', 'seed of the simulated pack (dendra sim --pack-seed)')
    .option('--electrolyte <id>', `electrolyte (${ELECTROLYTE_IDS.join(', ')}; dendra sim --electrolyte)`)
    .option('--duty <name>', `grid duty (${DUTIES.join(', ')}; dendra sim --pack-duty)`)
    .option('--ccd <fraction>', 'current density as a fraction of the critical current density (dendra sim --pack-ccd)')
    .option('--cells <SxP>', 'pack layout; the board frame holds 4x4', '4x4')
    .option('--cycles <n>', 'simulated cycles (frames = cycles - window + 1)')
    .option('--out <file>', 'write the frames to FILE (default: stdout)')
    .option('--json', 'with --out: print {out, frames, values, bytes, sha256} as JSON')
    .action(lazyAction(() => import('../actions/packframes.ts'), (m) => m.framesAction));
}
