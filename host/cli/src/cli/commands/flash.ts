/**
 * `dendra flash`: send a model (.tflite) or a signed model image (.dimg) to a board over a serial
 * port, with a progress bar (throughput and ETA), --json, --resume to continue an interrupted
 * transfer where the board stopped, and --pubkey to verify a signed image locally first. A board
 * refusal (bad signature, untrusted key, other family, downgrade, ...) is one `dendra:` line, exit 1.
 */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { checkFlashOptions, flashModel, openSerialLink, DEFAULT_WINDOW, type FlashOptions } from '@dendra/device/flash/flash.ts';
import { checkBaud, parseBaud } from '@dendra/device/flash/baud.ts';
import { flashImageFrom, isSignedImage, type FlashImage } from '@dendra/device/flash/image.ts';
import { isFirmwareFile } from '@dendra/device/flash/firmware.ts';
import { readPublicKeyFile, type PublicKey } from '@dendra/device/image/keys.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { parseModelBytes, readModelBytes } from '../modelfile.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { assertModelFits } from '@dendra/device/boards/fit.ts';
import { estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';
import { runFirmwareFlash, type FirmwareCliOpts } from './flashfw.ts';

/** The flash command's options: the firmware path's, plus the model-only ones. */
interface FlashOpts extends FirmwareCliOpts {
  resume?: boolean;
  slot?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * Checks the bytes read from `file` before touching the port: a .tflite (or a signed image's
 * payload) that parses, verified against `keys` when given. Returns the image to send, its model
 * parsed (once: the flasher reuses it for the slot).
 * @throws InputError as parseModelBytes / flashImageFrom / readTflite.
 */
function precheck(bytes: Uint8Array, file: string, keys: PublicKey[] | undefined): { img: FlashImage; model: QModel } {
  const plain = !isSignedImage(bytes) && !keys ? parseModelBytes(bytes, file) : undefined;
  const img = flashImageFrom(bytes, file, keys);
  const model = plain ?? readTflite(img.model);
  img.parsed = model;
  return { img, model };
}

/** Registers the command. */
export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description('flash a .tflite model, a signed model image, or a firmware (.wasm / signed firmware image: A/B slots, test boot, confirm) to a board over a serial port')
    .argument('<file>', '.tflite model, signed image (dendra sign --type model|firmware), or firmware .wasm')
    .requiredOption('--port <tty>', 'serial port, e.g. /dev/ttyUSB0 or the pty printed by dendra sim')
    .option('--board <name>', 'board descriptor in boards/ (the model must fit its model region and arena)', 'sim')
    .option('--baud <n|max>', 'transfer at this baud, or max (the board\'s): the board switches after HELLO (SET_BAUD) and back after FINISH; default: stay at the board\'s default baud')
    .option('--window <n>', 'WRITE frames in flight (1 = stop-and-wait, max 8)', String(DEFAULT_WINDOW))
    .option('--timeout <ms>', 'response timeout per attempt', '1000')
    .option('--retries <n>', 'retries per command', '3')
    .option('--resume', 'ask the board where an interrupted transfer of this model stopped and continue from there')
    .option('--resumes <n>', 'automatic resumes when the transfer breaks (line lost, board reset)', '3')
    .option('--chunk <bytes>', 'largest WRITE payload (default: the board\'s max frame - 4); smaller helps on noisy lines')
    .option('--pubkey <file>', 'verify the signed image against this public key before sending (repeat for several)', collect)
    .option('--slot <grid|pack>', 'model slot: grid (0) or pack (2); default: the model\'s metadata kind')
    .option('--no-compress', 'send every chunk as a plain WRITE (default: WRITEZ, raw deflate, when smaller)')
    .option('--confirm-timeout <ms>', 'firmware: how long to wait for the board to come back and confirm the new firmware', '10000')
    .option('--json', 'print the result as JSON (no progress bar)')
    .action(action(async (file: string, opts: FlashOpts) => {
      // The file is read once; a firmware (.wasm, or a DIMG of type firmware) goes to the inactive
      // A/B slot (flashfw.ts).
      const bytes = readModelBytes(file);
      if (isFirmwareFile(bytes)) return runFirmwareFlash(file, opts);
      // Refuse a file that is not a valid .tflite, an unknown board, or a model that does not fit,
      // before touching the port.
      const keys = opts.pubkey?.map((p) => readPublicKeyFile(p));
      const { img, model } = precheck(bytes, file, keys);
      const boardInfo = loadBoard(opts.board);
      assertModelFits(boardInfo, img.bytes.length, estimateArenaBytes(model));
      const baud = opts.baud === undefined ? undefined : parseBaud(opts.baud);
      if (typeof baud === 'number') checkBaud(baud, boardInfo.uart.maxBaud, `board ${boardInfo.name}`);
      const bar = makeProgress(!!opts.json, 'B');
      let started = false;
      let base = 0;
      let t0 = 0;
      const flashOpts: FlashOptions = {
        baud,
        lineBaud: boardInfo.uart.defaultBaud,
        windowSize: intOpt('--window', opts.window, DEFAULT_WINDOW, 1),
        timeoutMs: intOpt('--timeout', opts.timeout, 1000, 1),
        retries: intOpt('--retries', opts.retries, 3, 0),
        resumes: intOpt('--resumes', opts.resumes, 3, 0),
        chunkBytes: opts.chunk === undefined ? undefined : intOpt('--chunk', opts.chunk, 1020, 1),
        resume: !!opts.resume,
        slot: opts.slot,
        compress: opts.compress !== false,
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
      };
      checkFlashOptions(img, flashOpts); // window and slot, before the port is opened
      const link = await openSerialLink(opts.port, boardInfo.uart.defaultBaud);
      const result = await flashModel(img, link, flashOpts).finally(async () => {
        bar.stop();
        await link.close();
      });
      if (opts.json) return printJson(result);
      if (result.alreadyCommitted) {
        console.log(`${result.board.boardId} already runs this model (sha256 ${result.sha256.slice(0, 16)}...): nothing sent`);
        return;
      }
      const kbs = (result.bytesPerSec / 1024).toFixed(1);
      const resumed = result.resumes > 0 || result.startedAt.some((o) => o > 0) ? `, resumed at ${result.startedAt.join('/')} B` : '';
      console.log(`flashed ${result.signed ? 'signed image, ' : ''}${result.bytes} bytes to ${result.board.boardId} in ${(result.ms / 1000).toFixed(2)} s, ${kbs} KiB/s at ${result.baud} baud (sha256 ${result.sha256.slice(0, 16)}..., ${result.retries} retries${resumed})`);
    }));
}
