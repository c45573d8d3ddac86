/** `dendra inspect` (definition; the work is in ../actions/inspect.ts). */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';

/** Registers the command. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show the operators, tensors and Dendra metadata of a .tflite model')
    .argument('<model>', '.tflite file')
    .option('--json', 'print JSON for scripts')
    .action(lazyAction(() => import('../actions/inspect.ts'), (m) => m.inspectAction));
}
