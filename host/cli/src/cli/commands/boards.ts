/** `dendra boards` (definition; the work is in ../actions/boards.ts): boards, slots, model fit. */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';

/** Registers the command. Board or model-card errors are one-line InputErrors (exit 1). */
export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description('list the boards in boards/ with RAM, flash layout, arena limit, UART, and whether each model in models/ fits (estimated latency/energy)')
    .option('--firmware <wasm>', 'firmware .wasm whose size is checked against the firmware slot (default build/firmware.wasm)')
    .option('--json', 'print JSON for scripts')
    .action(lazyAction(() => import('../actions/boards.ts'), (m) => m.boardsAction));
}
