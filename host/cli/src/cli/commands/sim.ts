/** `dendra sim` (definition; the work is in ../actions/sim.ts): the simulated board. */
import type { Command } from 'commander';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
import { CA_OPTION } from '../caopt.ts';
import { lazyAction } from '../lazy.ts';
import { brokerOption, profileOption } from '../options.ts';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Registers the command. Every option shows at most one default (the value commander prints). */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run a simulated board: firmware .wasm in Node, UART on a pseudo-terminal, flash in a file, ETT replay on DMA')
    .addOption(profileOption('--board <name>', 'board from boards/', 'board', { def: 'sim' }))
    .option('--flash <file>', 'flash image file, kept across restarts and locked while a sim uses it (default: .dendra/<board>-<device>.flash)')
    .option('--link <path>', 'make PATH a symbolic link to the pty (a stable name for --port; removed on exit)')
    .option('--data <csv>', 'ETT-layout CSV replayed by the sensors', DEFAULT_ETT)
    .option('--start <row>', 'first CSV row of window 0 (11520: the ETTh1 test split)', '11520')
    .option('--ms-per-hour <ms>', 'real milliseconds per simulated hour', '1000')
    .addOption(brokerOption('MQTT broker the board publishes to', null, 'publishes are dropped'))
    .addOption(profileOption('--site <id>', 'site id in topics', 'site', { def: 'site1' }))
    .addOption(profileOption('--device <id>', 'device id in topics (refused while another sim runs the same site/device on the broker)', 'device', { def: 'board1' }))
    .addOption(profileOption('--username <name>', 'device account on a secured broker, <site>/<device> (password from $DENDRA_MQTT_PASSWORD)', 'username'))
    .addOption(profileOption(...CA_OPTION, 'ca'))
    .option('--trust <keyfile>', 'provision a trusted public key (dendra keys new) in the board\'s flash; repeat for several (max 8). Without: keys already in the flash file are kept', collect)
    .option('--no-pack', 'no pack front-end on DMA channel 1 (otherwise a simulated pack is replayed there, one cycle per --pack-hours)')
    .option('--pack-seed <n>', 'seed of the simulated pack replayed on DMA channel 1', '1')
    .option('--electrolyte <id>', 'electrolyte of the replayed pack: llzo, lgps, argyrodite, peo', 'llzo')
    .option('--pack-duty <duty>', 'grid duty of the replayed pack: peak-shaving, solar-smoothing, constant', 'peak-shaving')
    .option('--pack-ccd <fraction>', 'nominal current density of the replayed pack as a fraction of its critical current density (higher: cells fail sooner)', '0.5')
    .option('--pack-hours <h>', 'simulated hours per pack cycle (one DMA frame each)', '1')
    .option('--no-pace', 'do not pace the UART at its baud (otherwise bytes cross the pty at baud/10 bytes/s each way, following SET_BAUD)')
    .option('--json', 'print the pty path as one JSON line (NDJSON)')
    .action(lazyAction(() => import('../actions/sim.ts'), (m) => m.simAction));
}
