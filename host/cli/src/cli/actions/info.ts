/** `dendra info` (the work; the definition is ../commands/info.ts): HELLO, STATUS and INFO of a board. */
import { intOpt, printJson } from '@dendra/core/run.ts';
import { formatBoardInfo, queryBoard } from '@dendra/device/flash/info.ts';

/** Options of `dendra info`. */
export interface InfoOpts {
  port: string;
  baud: string;
  timeout: string;
  retries: string;
  json?: boolean;
}

/** Asks the board and prints what it said. @throws FlashError (one line) for the port or the board. */
export async function infoAction(opts: InfoOpts): Promise<void> {
  const info = await queryBoard(opts.port, {
    baud: intOpt('--baud', opts.baud, 115200, 1),
    timeoutMs: intOpt('--timeout', opts.timeout, 1000, 1),
    retries: intOpt('--retries', opts.retries, 3, 0),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (opts.json) return printJson(info);
  for (const line of formatBoardInfo(info)) console.log(line);
}
