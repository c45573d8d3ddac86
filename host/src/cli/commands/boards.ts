/** `dendra boards`: the boards described in boards/ (data only: adding a board adds a file). */
import type { Command } from 'commander';
import { action, printJson } from '../run.ts';
import { listBoards, loadBoard } from '../../sim/board.ts';

/** Registers the command. */
export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description('list the boards in boards/ with RAM, flash layout, arena limit and UART')
    .option('--json', 'print JSON for scripts')
    .action(action(async (opts: { json?: boolean }) => {
      const boards = listBoards().map((n) => loadBoard(n));
      if (opts.json) return printJson(boards);
      for (const b of boards) {
        const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
        console.log(`${b.name}: ${b.description ?? ''}`);
        console.log(`  RAM ${kib(b.ramBytes)}, arena limit ${kib(b.arenaLimitBytes)}, flash ${kib(b.flash.sizeBytes)}, UART ${b.uart.defaultBaud}..${b.uart.maxBaud} baud`);
        for (const [name, r] of Object.entries(b.flash.regions)) {
          console.log(`  ${name.padEnd(8)} 0x${r.addr.toString(16).padStart(6, '0')} ${kib(r.size)}`);
        }
      }
    }));
}
