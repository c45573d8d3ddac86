/**
 * `dendra flash`: send a model (.tflite) or a signed model image (.dimg) to a board over a serial
 * port, with a progress bar (throughput and ETA), --json, --resume to continue an interrupted
 * transfer where the board stopped, and --pubkey to verify a signed image locally first. A board
 * refusal (bad signature, untrusted key, other family, downgrade, ...) is one `dendra:` line, exit 1.
 */
import { formatRate, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { checkFlashOptions, flashModel, openSerialLink, type FlashOptions, type FlashResult } from '@dendra/device/flash/flash.ts';
import { checkBaud, parseBaud } from '@dendra/device/flash/baud.ts';
import { flashImageFrom, isSignedImage, type FlashImage } from '@dendra/device/flash/image.ts';
import { isFirmwareFile } from '@dendra/device/flash/firmware.ts';
import { readPublicKeyFile, type PublicKey } from '@dendra/device/image/keys.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { parseModelBytes, readModelBytes } from '../modelfile.ts';
import { loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';
import { InputError } from '@dendra/core/errors.ts';
import { assertModelFits } from '@dendra/device/boards/fit.ts';
import { estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';
import { lineOptions, progressFields, PROGRESS_EXTRA, runFirmwareFlash, type FirmwareCliOpts } from './flashfw.ts';

/** The flash command's options: the firmware path's, plus the model-only ones. */
export interface FlashOpts extends FirmwareCliOpts {
  resume?: boolean;
  slot?: string;
}

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

/**
 * Checks, before the port is opened, that a signed image names the `--board`'s family.
 * @throws InputError `E_FAMILY` (one line).
 */
export function precheckImage(file: string, family: string | null, board: Board): void {
  if (family !== null && family !== boardFamily(board)) {
    throw new InputError('E_FAMILY', `${file} is signed for board family ${family}, but board ${board.name} is family ${boardFamily(board)} (it would refuse it)`, file);
  }
}

/**
 * `dendra flash FILE`: a firmware goes to flashfw.ts; a model is checked (parses, fits the board)
 * before the port is opened, then sent with a progress bar, and summarised in one line naming the
 * slot and bank written and the board. Failures are thrown (DendraError: one line).
 */
export async function flashAction(file: string, opts: FlashOpts): Promise<void> {
  // The file is read once; a firmware (.wasm, or a DIMG of type firmware) goes to the inactive
  // A/B slot (flashfw.ts).
  const bytes = readModelBytes(file);
  if (isFirmwareFile(bytes)) return runFirmwareFlash(file, opts);
  // Random bytes named .wasm are not "a .tflite model".
  if (/\.wasm$/i.test(file)) {
    throw new InputError('E_NOT_FIRMWARE', `${file} is not a WebAssembly module (no "\\0asm" magic and version 1 at byte 0)`, file);
  }
  // Refuse a file that is not a valid .tflite, an unknown board, or a model that does not fit,
  // before touching the port.
  const keys = opts.pubkey?.map((p) => readPublicKeyFile(p));
  const { img, model } = precheck(bytes, file, keys);
  const boardInfo = loadBoard(opts.board);
  precheckImage(file, img.header?.family ?? null, boardInfo);
  assertModelFits(boardInfo, img.bytes.length, estimateArenaBytes(model));
  const baud = opts.baud === undefined ? undefined : parseBaud(opts.baud);
  if (typeof baud === 'number') checkBaud(baud, boardInfo.uart.maxBaud, `board ${boardInfo.name}`);
  // One meter for the bar and the summary: a resumed transfer counts only what this run sends.
  const bar = makeProgress(!!opts.json, 'B', PROGRESS_EXTRA);
  let started = false;
  const flashOpts: FlashOptions = {
    baud,
    lineBaud: boardInfo.uart.defaultBaud,
    ...lineOptions(opts),
    chunkBytes: opts.chunk === undefined ? undefined : intOpt('--chunk', opts.chunk, 1020, 1),
    resume: !!opts.resume,
    slot: opts.slot,
    compress: opts.compress !== false,
    onProgress: (p) => {
      if (!started) {
        bar.start(p.total, 'flash', p.bytes);
        started = true;
      } else {
        bar.update(p.bytes, progressFields(p));
      }
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
  console.log(flashSummary(result, opts.port, bar.rate()));
}

/**
 * The one-line summary of a model flash: bytes, the slot and bank written, the board (HELLO's id
 * on its port), time, and the rate the progress bar showed last (`rate`, B/s).
 */
export function flashSummary(r: FlashResult, port: string, rate: number): string {
  const where = `slot ${r.slot}${r.bank === null ? '' : ` (bank ${r.bank})`} of board ${r.board.boardId} on ${port}`;
  if (r.alreadyCommitted) return `${where} already holds this model (sha256 ${r.sha256.slice(0, 16)}...): nothing sent`;
  const resumed = r.resumes > 0 || r.startedAt.some((o) => o > 0) ? `, resumed at ${r.startedAt.join('/')} B` : '';
  return `flashed ${r.signed ? 'signed image, ' : ''}${r.bytes} B to ${where} in ${(r.ms / 1000).toFixed(2)} s, ${formatRate(rate, 'B')} at ${r.baud} baud (sha256 ${r.sha256.slice(0, 16)}..., ${r.retries} retries${resumed})`;
}
