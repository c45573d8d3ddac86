/**
 * `dendra boards`: the boards described in boards/ (data only: adding a board adds a file), and
 * for each board whether every model in models/ fits, with estimated latency and energy per
 * inference (see host/src/boards/fit.ts for the formulas; the estimates are not measurements).
 */
import type { Command } from 'commander';
import { action, printJson } from '../run.ts';
import { listBoards, loadBoard, type Board } from '../../sim/board.ts';
import { firmwareSize, fitModel, listModelCards, readModelCard, type FitCheck, type FitReport } from '../../boards/fit.ts';

interface BoardsOpts {
  json?: boolean;
  firmware?: string;
}

const kib = (n: number): string => `${Math.round(n / 1024)} KiB`;

function checkText(label: string, c: FitCheck): string {
  if (c.need === null) return `${label} ? / ${c.have}`;
  return `${label} ${c.need} / ${c.have} ${c.ok ? 'ok' : 'TOO BIG'}`;
}

function fitLine(f: FitReport): string {
  const est = f.latencyMs === null
    ? 'latency n/a (no cyclesPerMac)'
    : `~${f.latencyMs.toPrecision(3)} ms, ~${f.energyUj!.toPrecision(3)} uJ per inference (estimate, ${f.runtime}, ${f.cyclesPerMac} cycles/MAC)`;
  return `  model ${f.model}: ${f.fits ? 'FITS' : 'DOES NOT FIT'} | ${checkText('weights', f.weights)}, ${checkText('arena', f.arena)}, ${checkText('firmware', f.firmware)} | ${est}`;
}

function printBoard(b: Board, fits: FitReport[]): void {
  console.log(`${b.name}: ${b.description ?? ''}`);
  console.log(`  ${b.cpu.arch} ${b.cpu.clockMHz} MHz, RAM ${kib(b.ramBytes)}, arena limit ${kib(b.arenaLimitBytes)}, flash ${kib(b.flash.sizeBytes)}, UART ${b.uart.defaultBaud}..${b.uart.maxBaud} baud`);
  for (const [name, r] of Object.entries(b.flash.regions)) {
    console.log(`  ${name.padEnd(8)} 0x${r.addr.toString(16).padStart(6, '0')} ${kib(r.size)}`);
  }
  for (const f of fits) console.log(fitLine(f));
}

/** Registers the command. Board or model-card errors are one-line InputErrors (exit 1). */
export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description('list the boards in boards/ with RAM, flash layout, arena limit, UART, and whether each model in models/ fits (estimated latency/energy)')
    .option('--firmware <wasm>', 'firmware .wasm whose size is checked against the firmware slot (default build/firmware.wasm)')
    .option('--json', 'print JSON for scripts')
    .action(action(async (opts: BoardsOpts) => {
      const boards = listBoards().map((n) => loadBoard(n));
      const models = listModelCards().map((p) => readModelCard(p));
      const fw = firmwareSize(opts.firmware);
      const rows = boards.map((b) => ({ board: b, fits: models.map((m) => fitModel(b, m, fw)) }));
      if (opts.json) return printJson(rows.map((r) => ({ ...r.board, fits: r.fits })));
      if (fw === undefined) console.log('(no firmware .wasm found: firmware size not checked; run `npm run asbuild`)');
      for (const r of rows) printBoard(r.board, r.fits);
    }));
}
