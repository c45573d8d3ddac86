/**
 * `dendra flash`: send a model to a board over a serial port, with a progress bar (throughput and
 * ETA), --json, and --resume to continue an interrupted transfer where the board stopped.
 */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '../run.ts';
import { flashModel } from '../../flash/flash.ts';
import { loadModelFile } from '../modelfile.ts';
import { loadBoard } from '../../sim/board.ts';
import { assertModelFits } from '../../boards/fit.ts';
import { estimateArenaBytes } from '../../grid/card.ts';

interface FlashOpts {
  port: string;
  board: string;
  baud: string;
  timeout: string;
  retries: string;
  resumes: string;
  chunk?: string;
  resume?: boolean;
  json?: boolean;
}

/** Registers the command. */
export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description('flash a .tflite model to a board over a serial port (frames with CRC-32, acks, retries)')
    .argument('<model>', '.tflite model file')
    .requiredOption('--port <tty>', 'serial port, e.g. /dev/ttyUSB0 or the pty printed by dendra sim')
    .option('--board <name>', 'board descriptor in boards/ (the model must fit its model region and arena)', 'sim')
    .option('--baud <n>', 'baud rate', '115200')
    .option('--timeout <ms>', 'response timeout per attempt', '1000')
    .option('--retries <n>', 'retries per command', '3')
    .option('--resume', 'ask the board where an interrupted transfer of this model stopped and continue from there')
    .option('--resumes <n>', 'automatic resumes when the transfer breaks (line lost, board reset)', '3')
    .option('--chunk <bytes>', 'largest WRITE payload (default: the board\'s max frame - 4); smaller helps on noisy lines')
    .option('--json', 'print the result as JSON (no progress bar)')
    .action(action(async (file: string, opts: FlashOpts) => {
      // Refuse a file that is not a valid .tflite, an unknown board, or a model that does not fit,
      // before touching the port.
      const { model, bytes } = loadModelFile(file);
      assertModelFits(loadBoard(opts.board), bytes.length, estimateArenaBytes(model));
      const bar = makeProgress(!!opts.json, 'B');
      let started = false;
      let base = 0;
      let t0 = 0;
      const result = await flashModel({
        port: opts.port,
        file,
        baud: intOpt('--baud', opts.baud, 115200, 1),
        timeoutMs: intOpt('--timeout', opts.timeout, 1000, 1),
        retries: intOpt('--retries', opts.retries, 3, 0),
        resumes: intOpt('--resumes', opts.resumes, 3, 0),
        chunkBytes: opts.chunk === undefined ? undefined : intOpt('--chunk', opts.chunk, 1020, 1),
        resume: !!opts.resume,
        onProgress: (p) => {
          if (!started) {
            bar.start(p.total, 'flash');
            started = true;
            base = p.bytes; // a resumed transfer: the rate counts only what this run sends
            t0 = Date.now();
          }
          const dt = (Date.now() - t0) / 1000;
          bar.update(p.bytes, { rate: dt > 0 ? Math.round((p.bytes - base) / dt) : 0 });
        },
        log: (line) => process.stderr.write(`${line}\n`),
      }).finally(() => bar.stop());
      if (opts.json) return printJson(result);
      if (result.alreadyCommitted) {
        console.log(`${result.board.boardId} already runs this model (sha256 ${result.sha256.slice(0, 16)}...): nothing sent`);
        return;
      }
      const kbs = (result.bytesPerSec / 1024).toFixed(1);
      const resumed = result.resumes > 0 || result.startedAt.some((o) => o > 0) ? `, resumed at ${result.startedAt.join('/')} B` : '';
      console.log(`flashed ${result.bytes} bytes to ${result.board.boardId} in ${(result.ms / 1000).toFixed(2)} s, ${kbs} KiB/s (sha256 ${result.sha256.slice(0, 16)}..., ${result.retries} retries${resumed})`);
    }));
}
