/** `dendra demo` (definition; the work is in ../actions/demo.ts): the whole path in one process. */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';
import path from 'node:path';
import { DEFAULT_ETT, GRID_MODEL, REPO_ROOT } from '@dendra/core/paths.ts';

/** Registers the command. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('broker + simulated board + flash the grid and pack models over a pty + replay ETTh1 and a simulated pack + operator alerts (both kinds)')
    .option('--model <file>', 'model to flash', GRID_MODEL)
    .option('--pack-model <file>', 'pack model flashed into the pack slot (2); the board replays a simulated pack on DMA channel 1', path.join(REPO_ROOT, 'models', 'pack', 'pack.tflite'))
    .option('--no-pack', 'grid model only (no pack model, no pack replay)')
    .option('--data <csv>', 'ETT-layout CSV the board replays', DEFAULT_ETT)
    .option('--start <row>', 'first CSV row of window 0 (8760: 2017-07-01, summer of the validation split)', '8760')
    .option('--ot-limit <degC>', "the site's oil-temperature alert limit (default: 95th percentile over the replayed hours)")
    .option('--windows <n>', 'simulated hours to replay before stopping', '720')
    .option('--ms-per-hour <ms>', 'real milliseconds per simulated hour', '60')
    .option('--forever', 'run until Ctrl-C')
    .option('--json', 'print the summary as JSON at the end')
    .action(lazyAction(() => import('../actions/demo.ts'), (m) => m.demoAction));
}
