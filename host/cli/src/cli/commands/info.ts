/** `dendra info`: HELLO and model slot status of a board, read over its serial port. */
import type { Command } from 'commander';
import { action, intOpt, printJson } from '@dendra/core/run.ts';
import { formatBoardInfo, queryBoard } from '@dendra/device/flash/info.ts';

interface InfoOpts {
  port: string;
  baud: string;
  timeout: string;
  retries: string;
  json?: boolean;
}

/** Registers the command (the lead wires it into main.ts). Errors are one-line FlashErrors. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('ask a board who it is, what its model slot holds and which firmware slot runs (HELLO + STATUS + INFO; changes nothing)')
    .requiredOption('--port <tty>', 'serial port, e.g. /dev/ttyUSB0 or the pty printed by dendra sim')
    .option('--baud <n>', 'baud rate', '115200')
    .option('--timeout <ms>', 'response timeout per attempt', '1000')
    .option('--retries <n>', 'retries per command', '3')
    .option('--json', 'print the result as JSON')
    .action(action(async (opts: InfoOpts) => {
      const info = await queryBoard(opts.port, {
        baud: intOpt('--baud', opts.baud, 115200, 1),
        timeoutMs: intOpt('--timeout', opts.timeout, 1000, 1),
        retries: intOpt('--retries', opts.retries, 3, 0),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      if (opts.json) return printJson(info);
      for (const line of formatBoardInfo(info)) console.log(line);
    }));
}
