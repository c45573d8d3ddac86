/** `dendra ports` (definition; the work is in ../actions/ports.ts): serial ports with USB ids. */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';

/** Registers the command. */
export function registerPorts(program: Command): void {
  program
    .command('ports')
    .description('list the serial ports with their USB vendor:product ids, manufacturer and serial number')
    .option('--json', 'print the ports as a JSON array')
    .action(lazyAction(() => import('../actions/ports.ts'), (m) => m.portsAction));
}
