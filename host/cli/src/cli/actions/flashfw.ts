/**
 * Firmware on the A/B slots from the CLI: `dendra flash <firmware.wasm|fw.dimg>` (called by the
 * flash command when the file is a firmware, detected from its bytes: WebAssembly magic, or a
 * DIMG header of type firmware), `dendra confirm --port` and `dendra rollback --port`. Every
 * failure is one `dendra:` line and exit code 1 (FlashError / InputError).
 */
import { readFileSync } from 'node:fs';
import { formatRate, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { flashFirmware, isFirmwareFile, readFirmwareImage, type FirmwareFlashResult } from '@dendra/device/flash/firmware.ts';
import { checkBaud, parseBaud } from '@dendra/device/flash/baud.ts';
import { closePort, openPort, serialTransport, type FlashOptions, type FlashProgress } from '@dendra/device/flash/flash.ts';
import { DEFAULT_WINDOW, FLASH_DEFAULTS } from '@dendra/device/flash/defaults.ts';
import { BootClient } from '@dendra/device/flash/loader.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';
import { readPublicKeyFile } from '@dendra/device/image/keys.ts';
import { InputError } from '@dendra/core/errors.ts';

/** The flash command's options this path reads. */
export interface FirmwareCliOpts {
  port: string;
  board: string;
  baud?: string;
  window: string;
  timeout: string;
  retries: string;
  resumes?: string;
  budget?: string;
  chunk?: string;
  json?: boolean;
  pubkey?: string[];
  compress?: boolean;
  confirmTimeout?: string;
}

/** What the progress line says beyond bytes, rate and ETA: resends, the current frame size and timeout. */
export const PROGRESS_EXTRA = ' | {retries} resends | frames {chunk} B | timeout {rto} ms';

/** The progress line's fields from a progress report ('-' until the transfer reports them). */
export function progressFields(p: FlashProgress): Record<string, string | number> {
  return { retries: p.retries ?? '-', chunk: p.chunk ?? '-', rto: p.rtoMs ?? '-' };
}

/**
 * The line options shared by model and firmware flashes, with the defaults of flash/defaults.ts FLASH_DEFAULTS.
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

/** True when `file` holds a firmware (a .wasm or a firmware DIMG); false when unreadable. */
export function fileIsFirmware(file: string): boolean {
  try {
    return isFirmwareFile(new Uint8Array(readFileSync(file).subarray(0, 8)));
  } catch {
    return false;
  }
}

/**
 * `dendra flash` for a firmware: checks the file and the board's slot size before opening the
 * port, then flashFirmware with a progress bar (rate, ETA) or --json, and one summary line.
 */
export async function runFirmwareFlash(file: string, opts: FirmwareCliOpts): Promise<void> {
  const keys = opts.pubkey?.map((p) => readPublicKeyFile(p));
  const img = readFirmwareImage(file, keys);
  const board = loadBoard(opts.board);
  if (img.family !== null && img.family !== boardFamily(board)) {
    throw new InputError('E_FAMILY', `${file} is signed for board family ${img.family}, but board ${board.name} is family ${boardFamily(board)} (it would refuse it)`, file);
  }
  const slot = Math.min(board.flash.regions.slotA.size, board.flash.regions.slotB.size) - 4096;
  const budget = Math.min(slot, board.firmwareBudgetBytes ?? slot);
  if (img.bytes.length > budget) {
    throw new InputError('E_TOO_LARGE', `firmware image is ${img.bytes.length} bytes but board ${board.name}'s firmware slot holds ${budget}`, file);
  }
  const baud = opts.baud === undefined ? undefined : parseBaud(opts.baud);
  if (typeof baud === 'number') checkBaud(baud, board.uart.maxBaud, `board ${board.name}`);
  const bar = makeProgress(!!opts.json, 'B', PROGRESS_EXTRA);
  let started = false;
  const result = await flashFirmware({
    port: opts.port, file, trustedKeys: keys, baud, lineBaud: board.uart.defaultBaud,
    ...lineOptions(opts),
    chunkBytes: opts.chunk === undefined ? undefined : intOpt('--chunk', opts.chunk, 1020, 1),
    compress: opts.compress !== false,
    confirmTimeoutMs: intOpt('--confirm-timeout', opts.confirmTimeout, 10000, 100),
    onProgress: (p) => {
      if (!started) {
        bar.start(p.total, 'firmware', p.bytes);
        started = true;
      } else {
        bar.update(p.bytes, progressFields(p));
      }
      if (p.bytes === p.total) bar.stop();
    },
    log: (line) => process.stderr.write(`${line}\n`),
  }).finally(() => bar.stop());
  if (opts.json) return printJson(result);
  console.log(firmwareSummary(result, opts.port, bar.rate()));
}

/**
 * The one-line summary of a firmware flash: the firmware slot it runs from and the board (HELLO's
 * id on its port), time, the rate the progress bar showed last (`rate`, B/s); or that the board
 * already runs it. Never throws.
 */
export function firmwareSummary(r: FirmwareFlashResult, port: string, rate: number): string {
  const where = `firmware slot ${r.slot} of board ${r.board.boardId} on ${port}`;
  if (r.alreadyRunning) return `${where} already runs this firmware (sha256 ${r.sha256.slice(0, 16)}...): nothing sent`;
  const z = r.frames.writezs > 0 ? `, ${r.frames.writezs} compressed frame(s)` : '';
  return `flashed ${r.signed ? 'signed ' : ''}firmware, ${r.bytes} B, to ${where}: `
    + `booted and confirmed in ${(r.ms / 1000).toFixed(2)} s, ${formatRate(rate, 'B')} (sha256 ${r.sha256.slice(0, 16)}..., ${r.retries} retries${z})`;
}

/** Options of `dendra confirm` / `dendra rollback`. */
export interface SlotCmdOpts {
  port: string;
  timeout: string;
  retries: string;
  json?: boolean;
}

/**
 * `dendra confirm` / `dendra rollback`: HELLO, INFO, then CONFIRM or ROLLBACK; one summary line.
 * @throws FlashError for the port or a board refusal (one line, exit 1).
 */
export async function slotCommand(opts: SlotCmdOpts, what: 'confirm' | 'rollback'): Promise<void> {
  const port = await openPort(opts.port);
  const c = new BootClient(serialTransport(port), {
    timeoutMs: intOpt('--timeout', opts.timeout, FLASH_DEFAULTS.timeoutMs, 1), retries: intOpt('--retries', opts.retries, FLASH_DEFAULTS.retries, 0),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    await c.hello();
    const before = await c.fwInfo();
    if (what === 'confirm') await c.confirm();
    else await c.rollback();
    const out = { ok: true, command: what, running: before.running < 0 ? 'factory' : before.slots[before.running].name, test: before.test };
    if (opts.json) return printJson(out);
    console.log(what === 'confirm'
      ? `confirmed: the board keeps ${out.running === 'factory' ? 'the factory image' : `slot ${out.running}`}`
      : `rolled back: the board leaves ${out.running === 'factory' ? 'the factory image' : `slot ${out.running}`} and resets into the previous firmware`);
  } finally {
    c.close();
    await closePort(port);
  }
}
