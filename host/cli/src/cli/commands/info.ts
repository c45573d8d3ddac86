/** `dendra info` (definition; the work is in ../actions/info.ts): HELLO and slot status of a board. */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';
import { serialPortOption } from '../options.ts';

/** Registers the command. Errors are one-line FlashErrors. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('ask a board who it is, what its model slots hold and which firmware slot runs (HELLO + STATUS + INFO; changes nothing)')
    .addOption(serialPortOption())
    .option('--baud <n>', 'baud rate', '115200')
    .option('--timeout <ms>', 'response timeout per attempt', '1000')
    .option('--retries <n>', 'retries per command', '3')
    .option('--json', 'print the result as JSON')
    .action(lazyAction(() => import('../actions/info.ts'), (m) => m.infoAction));
}
