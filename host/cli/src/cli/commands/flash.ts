/**
 * `dendra flash`: send a model (.tflite) or a signed model image (.dimg) to a board over a serial
 * port, with a progress bar (throughput and ETA), --json, --resume to continue an interrupted
 * transfer where the board stopped, and --pubkey to verify a signed image locally first. A board
 * refusal (bad signature, untrusted key, other family, downgrade, ...) is one `dendra:` line, exit 1.
 */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { flashModel, DEFAULT_WINDOW, FLASH_DEFAULTS, type FlashOptions, type FlashProgress } from '@dendra/device/flash/flash.ts';
import { checkBaud, parseBaud } from '@dendra/device/flash/baud.ts';
import { isSignedImage, readFlashImage } from '@dendra/device/flash/image.ts';
import { readPublicKeyFile, type PublicKey } from '@dendra/device/image/keys.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { loadModelFile } from '../modelfile.ts';
import { existsSync, readFileSync } from 'node:fs';
import { loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';
import { InputError } from '@dendra/core/errors.ts';
import { assertModelFits } from '@dendra/device/boards/fit.ts';
import { estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';
import { fileIsFirmware, runFirmwareFlash, type FirmwareCliOpts } from './flashfw.ts';

/** The flash command's options: the firmware path's, plus the model-only ones. */
interface FlashOpts extends FirmwareCliOpts {
  resume?: boolean;
  slot?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** True when `file` starts with "DIMG" (unreadable files are left to the model loader's errors). */
function looksSigned(file: string): boolean {
  try {
    return isSignedImage(new Uint8Array(readFileSync(file).subarray(0, 4)));
  } catch {
    return false;
  }
}

/**
 * Checks the file before touching the port: a .tflite (or a signed image's payload) that parses,
 * verified against `keys` when given. Returns the model and the bytes that will be sent.
 * @throws InputError as loadModelFile / readFlashImage / readTflite.
 */
function precheck(file: string, keys: PublicKey[] | undefined): { model: QModel; sent: number; family: string | null } {
  if (!looksSigned(file) && !keys) {
    const { model, bytes } = loadModelFile(file);
    return { model, sent: bytes.length, family: null };
  }
  const img = readFlashImage(file, keys);
  return { model: readTflite(img.model), sent: img.bytes.length, family: img.header?.family ?? null };
}

/**
 * Checks, before the port is opened, that a file named `.wasm` is WebAssembly (random bytes named
 * .wasm are not "a .tflite model") and that a signed image names the `--board`'s family.
 * @throws InputError `E_NOT_FIRMWARE`, `E_FAMILY` (one line each).
 */
export function precheckImage(file: string, family: string | null, board: Board): void {
  if (family !== null && family !== boardFamily(board)) {
    throw new InputError('E_FAMILY', `${file} is signed for board family ${family}, but board ${board.name} is family ${boardFamily(board)} (it would refuse it)`, file);
  }
}

/** What the progress line says beyond bytes, rate and ETA: resends, the current frame size and timeout. */
export const PROGRESS_EXTRA = ' | {retries} resends | frames {chunk} B | timeout {rto} ms';

/** The progress line's fields from a progress report ('-' until the transfer reports them). */
export function progressFields(p: FlashProgress): Record<string, string | number> {
  return { retries: p.retries ?? '-', chunk: p.chunk ?? '-', rto: p.rtoMs ?? '-' };
}

/**
 * The line options shared by model and firmware flashes, with the defaults of flash.ts FLASH_DEFAULTS.
 * @throws DendraError `E_USAGE` (exit 2) for a bad value.
 */
export function lineOptions(opts: FirmwareCliOpts): Pick<FlashOptions, 'windowSize' | 'timeoutMs' | 'retries' | 'resumes' | 'budgetMs'> {
  return {
    windowSize: intOpt('--window', opts.window, DEFAULT_WINDOW, 1),
    timeoutMs: intOpt('--timeout', opts.timeout, FLASH_DEFAULTS.timeoutMs, 1),
    retries: intOpt('--retries', opts.retries, FLASH_DEFAULTS.retries, 0),
    resumes: opts.resumes === undefined ? undefined : intOpt('--resumes', opts.resumes, 0, 0),
    budgetMs: intOpt('--budget', opts.budget, FLASH_DEFAULTS.budgetS, 1) * 1000,
  };
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
    .option('--timeout <ms>', 'largest response timeout per attempt; below it the timeout follows the measured round trip', String(FLASH_DEFAULTS.timeoutMs))
    .option('--retries <n>', 'retries per command (HELLO, BEGIN, STATUS, FINISH)', String(FLASH_DEFAULTS.retries))
    .option('--resume', 'ask the board where an interrupted transfer of this model stopped and continue from there')
    .option('--budget <seconds>', 'time budget: resume automatically when the transfer breaks (line lost, board reset) until this much time is spent', String(FLASH_DEFAULTS.budgetS))
    .option('--resumes <n>', 'at most this many automatic resumes (default: as many as the budget allows)')
    .option('--chunk <bytes>', 'largest WRITE payload (default: the board\'s max frame - 4); frames shrink and grow below it with the line\'s losses')
    .option('--pubkey <file>', 'verify the signed image against this public key before sending (repeat for several)', collect)
    .option('--slot <grid|pack>', 'model slot: grid (0) or pack (2); default: the model\'s metadata kind')
    .option('--no-compress', 'send every chunk as a plain WRITE (default: WRITEZ, raw deflate, when smaller)')
    .option('--confirm-timeout <ms>', 'firmware: how long to wait for the board to come back and confirm the new firmware', '10000')
    .option('--json', 'print the result as JSON (no progress bar)')
    .action(action(async (file: string, opts: FlashOpts) => {
      // A firmware (.wasm, or a DIMG of type firmware) goes to the inactive A/B slot (flashfw.ts).
      if (fileIsFirmware(file)) return runFirmwareFlash(file, opts);
      if (/\.wasm$/i.test(file) && existsSync(file)) {
        throw new InputError('E_NOT_FIRMWARE', `${file} is not a WebAssembly module (no "\\0asm" magic and version 1 at byte 0)`, file);
      }
      // Refuse a file that is not a valid .tflite, an unknown board, or a model that does not fit,
      // before touching the port.
      const keys = opts.pubkey?.map((p) => readPublicKeyFile(p));
      const { model, sent, family } = precheck(file, keys);
      const boardInfo = loadBoard(opts.board);
      precheckImage(file, family, boardInfo);
      assertModelFits(boardInfo, sent, estimateArenaBytes(model));
      const baud = opts.baud === undefined ? undefined : parseBaud(opts.baud);
      if (typeof baud === 'number') checkBaud(baud, boardInfo.uart.maxBaud, `board ${boardInfo.name}`);
      const bar = makeProgress(!!opts.json, 'B', PROGRESS_EXTRA);
      let started = false;
      let base = 0;
      let t0 = 0;
      const result = await flashModel({
        port: opts.port,
        file,
        trustedKeys: keys,
        baud,
        lineBaud: boardInfo.uart.defaultBaud,
        ...lineOptions(opts),
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
          bar.update(p.bytes, { rate: dt > 0 ? Math.round((p.bytes - base) / dt) : 0, ...progressFields(p) });
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
      console.log(`flashed ${result.signed ? 'signed image, ' : ''}${result.bytes} bytes to ${result.board.boardId} in ${(result.ms / 1000).toFixed(2)} s, ${kbs} KiB/s at ${result.baud} baud (sha256 ${result.sha256.slice(0, 16)}..., ${result.retries} retries${resumed})`);
    }));
}
