/**
 * `flashFirmware`: puts a firmware .wasm (raw, development boards) or a signed firmware image
 * (DIMG of type firmware) into the board's inactive A/B firmware slot and switches to it
 * (docs/flash-protocol.md "Firmware slots"): HELLO, INFO, [SET_BAUD], BEGIN (slot 1), WRITE/WRITEZ
 * with a window, FINISH (the board verifies), ACTIVATE, RESET; then it waits for the board to come
 * back and checks, by INFO, that the new slot runs and confirmed itself (its self-test passed). An
 * interrupted session resumes from what INFO and STATUS report: nothing more to do, a RESET, an
 * ACTIVATE, WRITEs from where the board stopped, or a new BEGIN. A rollback (the new firmware did
 * not confirm) is FlashError `E_ROLLED_BACK`.
 */
import { performance } from 'node:perf_hooks';
import { InputError } from '@dendra/core/errors.ts';
import { compareVersions, decodeImage, formatVersion, parseVersion, HEADER_LEN, type Version } from '../image/format.ts';
import { verifyImage } from '../image/verify.ts';
import type { PublicKey } from '../image/keys.ts';
import { BootClient, FlashError, type FwInfo, type HelloInfo, type Transport } from './loader.ts';
import { IMAGE_FIRMWARE, IMAGE_SIGNED_FIRMWARE, PROTO_VERSION } from './frame.ts';
import { closePort, openPort, serialTransport, FIRST_HELLO_ATTEMPTS, type FlashFileOptions } from './flash.ts';
import { DEFAULT_WINDOW, DEFAULT_BUDGET_S } from './defaults.ts';
import { isSignedImage, sha256 } from './image.ts';
import { negotiateBaud, restoreBaud } from './baud.ts';
import { sendWindowed, type TransferStats, type WindowInfo } from './window.ts';
import { ChunkSizer, MIN_CHUNK, RttEstimator, RTO_CEILING_MS } from './adaptive.ts';
import { readFileSync, existsSync, statSync } from 'node:fs';

/** A firmware image ready to send. */
export interface FirmwareImage {
  bytes: Uint8Array;
  sha: Uint8Array;
  beginType: number;
  /** The .wasm the board will run, and its SHA-256 (what INFO reports, first 8 bytes). */
  wasm: Uint8Array;
  wasmSha: Uint8Array;
  signed: boolean;
  /** A signed image's board family and version (null for a raw .wasm). */
  family: string | null;
  version: Version | null;
}

/** Exports every Dendra firmware has: the runtime calls `fw_init` once and `fw_tick` in its loop. */
export const FIRMWARE_EXPORTS = ['fw_init', 'fw_tick'] as const;

/**
 * Checks that `wasm` compiles and exports what a board runs ({@link FIRMWARE_EXPORTS} as
 * functions, and a memory), without instantiating it.
 * @throws InputError `E_NOT_FIRMWARE` (one line naming `file`) when it does not compile or lacks them.
 */
export function checkFirmwareExports(wasm: Uint8Array, file: string): void {
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new InputError('E_NOT_FIRMWARE', `${file} is not a valid WebAssembly module: ${(e as Error).message.split('\n')[0]}`, file);
  }
  const ex = WebAssembly.Module.exports(mod);
  const has = (name: string, kind: string) => ex.some((e) => e.name === name && e.kind === kind);
  const missing = [...FIRMWARE_EXPORTS.filter((n) => !has(n, 'function')), ...(ex.some((e) => e.kind === 'memory') ? [] : ['memory'])];
  if (missing.length > 0) {
    throw new InputError('E_NOT_FIRMWARE', `${file} is a WebAssembly module but not a Dendra firmware: it does not export ${missing.join(', ')} (a board runs fw_init once, then fw_tick)`, file);
  }
}

const hex8 = (b: Uint8Array) => Buffer.from(b.subarray(0, 8)).toString('hex');

/** True when `b` starts with the WebAssembly magic and version 1. */
export function isWasm(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d && b[4] === 1 && b[5] === 0 && b[6] === 0 && b[7] === 0;
}

/** True when `bytes` is a firmware image: a .wasm, or a DIMG whose header type is firmware. */
export function isFirmwareFile(bytes: Uint8Array): boolean {
  return isWasm(bytes) || (isSignedImage(bytes) && bytes.length > 6 && bytes[6] === 1);
}

/**
 * Reads a firmware file: a .wasm (BEGIN 0x11) or a signed image of type firmware wrapping one
 * (0x12); with `trustedKeys` a signed image is verified locally first and a raw .wasm refused.
 * @throws InputError `E_INPUT`, `E_NOT_FIRMWARE`, `E_IMAGE_*` (format/verify), `E_IMAGE_UNSIGNED`.
 */
export function readFirmwareImage(file: string, trustedKeys?: readonly Pick<PublicKey, 'publicKey'>[], checkExports = true): FirmwareImage {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('E_INPUT', `firmware file ${file} does not exist`, file);
  const bytes = new Uint8Array(readFileSync(file));
  if (isWasm(bytes)) {
    if (trustedKeys) throw new InputError('E_IMAGE_UNSIGNED', `${file} is an unsigned firmware: --pubkey verifies signed images (.dimg) only`, file);
    if (checkExports) checkFirmwareExports(bytes, file);
    const sha = sha256(bytes);
    return { bytes, sha, beginType: IMAGE_FIRMWARE, wasm: bytes, wasmSha: sha, signed: false, family: null, version: null };
  }
  if (!isSignedImage(bytes)) throw new InputError('E_NOT_FIRMWARE', `${file} is neither a WebAssembly firmware nor a signed image`, file);
  const header = trustedKeys ? verifyImage(bytes, { trustedKeys }) : decodeImage(bytes).header;
  if (header.type !== 'firmware') throw new InputError('E_IMAGE_TYPE', `${file} is a signed ${header.type} image, not a firmware`, file);
  const wasm = decodeImage(bytes).payload;
  if (!isWasm(wasm)) throw new InputError('E_NOT_FIRMWARE', `${file}: the signed payload is not a WebAssembly module`, file);
  if (checkExports) checkFirmwareExports(wasm, `${file} (signed payload)`);
  return { bytes, sha: sha256(bytes), beginType: IMAGE_SIGNED_FIRMWARE, wasm, wasmSha: sha256(wasm), signed: true,
    family: header.family, version: header.version };
}

/**
 * The downgrade floor of a board from INFO: the highest version of a confirmed, not revoked slot
 * (what the board's FINISH enforces for signed firmware), or null when none is versioned.
 */
export function firmwareFloor(info: FwInfo): Version | null {
  let floor: Version | null = null;
  for (const s of info.slots) {
    if (!s.state.confirmed || s.state.revoked || s.version === null) continue;
    const v = parseVersion(s.version);
    if (floor === null || compareVersions(v, floor) > 0) floor = v;
  }
  return floor;
}

/** Options of {@link flashFirmware}; the shared ones mean what they mean for a model (flash.ts {@link FlashOptions}). */
export interface FirmwareFlashOptions extends Pick<FlashFileOptions,
  'port' | 'file' | 'trustedKeys' | 'baud' | 'lineBaud' | 'windowSize' | 'compress' | 'chunkBytes' | 'timeoutMs' | 'retries' | 'resumes' | 'budgetMs' | 'onProgress'> {
  /** How long to wait for the board to come back confirmed after RESET, ms (default 10000). */
  confirmTimeoutMs?: number;
  /**
   * Host checks before anything is sent (default true): the .wasm exports fw_init, fw_tick and a
   * memory (before the port is opened), and a signed image is not older than the board's confirmed
   * firmware (after INFO, before BEGIN: `E_DOWNGRADE`). False only in tests of what the board itself
   * does with such an image (it refuses the downgrade at FINISH, rolls the module back at its test boot).
   */
  hostChecks?: boolean;
  /** Phase changes ("activate", "reset", "confirm") and retry/resume lines. */
  log?: (line: string) => void;
}

/** What a firmware flash did. */
export interface FirmwareFlashResult {
  board: HelloInfo;
  /** Slot the new firmware runs from. */
  slot: 'A' | 'B';
  bytes: number;
  signed: boolean;
  /** SHA-256 (hex) of the .wasm now running. */
  sha256: string;
  resumes: number;
  retries: number;
  ms: number;
  /** True when the board already ran this firmware, confirmed: nothing was sent. */
  alreadyRunning: boolean;
  frames: TransferStats;
  writeBytesPerSec: number;
}

type Step = 'done' | 'wait' | 'reset' | 'activate' | 'begin' | number;

/**
 * What to do next for `img` given INFO and the firmware STATUS (pure; exported for tests):
 * 'done' (the running slot is this firmware, confirmed), 'wait' (it runs on its test boot),
 * 'reset' (activated, never tried), 'activate' (committed), an offset to continue WRITEs from,
 * or 'begin'. A slot that tried this firmware and rolled back is flashed again ('begin') when
 * `fresh` (a new `dendra flash`), else FlashError `E_ROLLED_BACK` (this flash's own test boot failed).
 */
export function firmwarePlan(info: FwInfo, st: { receiving: boolean; size: number; sha256Prefix: string; received: number } | null,
                             img: FirmwareImage, fresh = false): Step {
  const want = hex8(img.wasmSha);
  const run = info.running >= 0 ? info.slots[info.running] : null;
  if (run && run.sha256Prefix === want && run.state.committed) return run.state.confirmed ? 'done' : 'wait';
  const other = info.slots.find((s) => s.index !== info.running && s.sha256Prefix === want && s.state.committed && !s.state.revoked);
  if (other?.state.tried && !other.state.confirmed) {
    if (fresh) return 'begin';
    throw new FlashError('E_ROLLED_BACK', `board rolled back from slot ${other.name}: the new firmware did not confirm itself (self-test failed, it crashed, or it was reset or lost power on its test boot)`);
  }
  if (other?.state.pending) return 'reset';
  if (other) return 'activate';
  if (st && st.receiving && st.size === img.bytes.length && st.sha256Prefix === hex8(img.sha) && st.received <= st.size) return st.received;
  return 'begin';
}

const RESUMABLE = new Set(['E_TIMEOUT', 'E_PORT', 'E_NO_BOARD']);
function resumable(e: unknown): boolean {
  return e instanceof FlashError && (RESUMABLE.has(e.code) || (e.code === 'E_BOARD' && (e.fwStatus === -14 || e.fwStatus === -11)));
}

/**
 * Flashes and switches to a firmware (see the module comment). The port is always closed again.
 * @throws InputError for the file (see {@link readFirmwareImage}); FlashError `E_PORT_*`,
 *   `E_NO_BOARD`, `E_PROTO`, `E_TOO_LARGE` (bigger than the inactive slot), `E_BOARD` (a refusal
 *   with `fwStatus`, e.g. -21 untrusted key), `E_ROLLED_BACK`, `E_NOT_CONFIRMED` (the board did not
 *   come back confirmed in time; it was told to roll back), `E_TIMEOUT` when resumes ran out.
 */
export async function flashFirmware(opts: FirmwareFlashOptions): Promise<FirmwareFlashResult> {
  const t0 = performance.now();
  const img = readFirmwareImage(opts.file, opts.trustedKeys, opts.hostChecks ?? true);
  const lineBaud = opts.lineBaud ?? 115200;
  const maxResumes = opts.resumes ?? Infinity;
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_S * 1000;
  let port = await openPort(opts.port, lineBaud);
  const acc: Acc = { retries: 0, frames: { writes: 0, writezs: 0, payloadBytes: 0 }, writeMs: 0, writeBytes: 0, sent: false, resetSent: false,
    sizer: null, rtt: new RttEstimator({ ceilingMs: opts.timeoutMs ?? RTO_CEILING_MS }), helloed: false };
  try {
    for (let round = 0; ; round++) {
      const line = serialTransport(port);
      const client = new BootClient(line, { timeoutMs: opts.timeoutMs, retries: opts.retries, log: opts.log, rtt: acc.rtt, baud: lineBaud });
      try {
        const r = await fwSession(client, line, opts, img, acc);
        return {
          ...r, bytes: img.bytes.length, signed: img.signed, sha256: Buffer.from(img.wasmSha).toString('hex'), resumes: round,
          retries: acc.retries + client.retried, ms: Math.round(performance.now() - t0), alreadyRunning: !acc.sent, frames: acc.frames,
          writeBytesPerSec: acc.writeMs > 0 ? Math.round((acc.writeBytes * 1000) / acc.writeMs) : 0,
        };
      } catch (e) {
        const left = budgetMs - (performance.now() - t0);
        if (round >= maxResumes || left <= 0 || !resumable(e) || !acc.helloed) throw e; // no board at all: fail now
        opts.log?.(`firmware flash interrupted (${(e as Error).message}); resuming (${Math.ceil(left / 1000)} s of the budget left)`);
        await closePort(port);
        port = await openPort(opts.port, lineBaud);
      } finally {
        acc.retries += client.retried;
        client.close();
      }
    }
  } finally {
    await closePort(port);
  }
}

type Acc = { retries: number; frames: TransferStats; writeMs: number; writeBytes: number; sent: boolean; resetSent: boolean;
  /** WRITE frame sizes and round-trip times, kept across sessions (what the line taught). */
  sizer: ChunkSizer | null; rtt: RttEstimator;
  /** A HELLO was answered once: the board is there, later sessions get the usual retries. */
  helloed: boolean };

async function hello(client: BootClient, path: string, acc: Acc): Promise<HelloInfo> {
  try {
    const h = await client.hello(acc.helloed ? undefined : FIRST_HELLO_ATTEMPTS);
    acc.helloed = true;
    return h;
  } catch (e) {
    if (e instanceof FlashError && e.code === 'E_TIMEOUT') throw new FlashError('E_NO_BOARD', `no board answered HELLO on ${path} (${e.attempt ?? client.retries + 1} attempts)`);
    throw e;
  }
}

/** One session: HELLO, INFO, then the steps {@link firmwarePlan} says, up to a confirmed boot. */
async function fwSession(client: BootClient, line: Transport, opts: FirmwareFlashOptions, img: FirmwareImage,
                         acc: Acc): Promise<{ board: HelloInfo; slot: 'A' | 'B' }> {
  const board = await hello(client, opts.port, acc);
  if (board.proto !== PROTO_VERSION) throw new FlashError('E_PROTO', `board speaks serial protocol v${board.proto}, this host speaks v${PROTO_VERSION}`);
  let info = await client.fwInfo();
  let step = firmwarePlan(info, await client.fwStatus(), img, !acc.resetSent);
  const floor = firmwareFloor(info);
  if ((step === 'begin' || typeof step === 'number') && opts.hostChecks !== false && img.version && floor && compareVersions(img.version, floor) < 0) {
    throw new FlashError('E_DOWNGRADE', `firmware ${formatVersion(img.version)} is older than the board's confirmed ${formatVersion(floor)}: the board refuses a downgrade (nothing sent)`);
  }
  if (step === 'begin' || typeof step === 'number') {
    const target = info.running === 0 ? info.slots[1] : info.running === 1 ? info.slots[0] : null;
    const cap = target?.capacity ?? Math.max(...info.slots.map((s) => s.capacity));
    if (img.bytes.length > cap) throw new FlashError('E_TOO_LARGE', `firmware image is ${img.bytes.length} bytes but the board's firmware slot holds ${cap}`);
    await transfer(client, line, opts, img, step, board, acc);
    step = 'activate';
  }
  if (step === 'activate') {
    opts.log?.('activate: the new slot boots in test mode at the next reset');
    await client.activate();
    acc.sent = true;
    step = 'reset';
  }
  if (step === 'reset') {
    opts.log?.('reset: the board boots the new firmware and runs its self-test');
    acc.resetSent = true;
    await client.reset();
    acc.sent = true;
  }
  if (step !== 'done') info = await awaitConfirm(client, opts, img);
  const slot = info.slots[info.running as 0 | 1];
  return { board, slot: slot.name };
}

/** BEGIN (or continue at `from`), windowed WRITE/WRITEZ, FINISH; baud negotiated and restored. */
async function transfer(client: BootClient, line: Transport, opts: FirmwareFlashOptions, img: FirmwareImage, step: 'begin' | number,
                        board: HelloInfo, acc: Acc): Promise<void> {
  const lineBaud = opts.lineBaud ?? 115200;
  let baud = lineBaud;
  if (opts.baud !== undefined) baud = await negotiateBaud(client, line, lineBaud, opts.baud, opts.log);
  client.baud = baud;
  if (step === 'begin') await client.begin(img.bytes.length, img.sha, img.beginType, img.signed ? img.bytes.subarray(0, HEADER_LEN) : undefined);
  else opts.log?.(`board has ${step} of ${img.bytes.length} bytes of this firmware: continuing from there`);
  const from = step === 'begin' ? 0 : step;
  acc.sent = true;
  const chunk = Math.min(board.maxFrame - 4, opts.chunkBytes ?? Infinity);
  acc.sizer ??= new ChunkSizer(MIN_CHUNK, chunk);
  const w0 = performance.now();
  opts.onProgress?.({ bytes: from, total: img.bytes.length });
  await sendWindowed(client, img.bytes, from, chunk, {
    windowSize: opts.windowSize ?? DEFAULT_WINDOW, compress: opts.compress ?? true, stats: acc.frames, log: opts.log, sizer: acc.sizer,
    onProgress: (bytes: number, info: WindowInfo) => opts.onProgress?.({ bytes, total: img.bytes.length, ...info }),
  });
  acc.writeMs += performance.now() - w0;
  acc.writeBytes += img.bytes.length - from;
  await client.finish();
  if (baud !== lineBaud) await restoreBaud(client, line, lineBaud);
}

/**
 * After RESET: HELLO until the board answers, then INFO until the new firmware runs confirmed.
 * A board back on its old firmware is `E_ROLLED_BACK`; one still unconfirmed at the deadline is
 * told to roll back and `E_NOT_CONFIRMED` is thrown.
 */
async function awaitConfirm(client: BootClient, opts: FirmwareFlashOptions, img: FirmwareImage): Promise<FwInfo> {
  opts.log?.('confirm: waiting for the board to confirm the new firmware');
  const deadline = performance.now() + (opts.confirmTimeoutMs ?? 10000);
  let last: unknown = null;
  while (performance.now() < deadline) {
    try {
      await client.hello();
      const info = await client.fwInfo();
      const step = firmwarePlan(info, null, img);
      if (step === 'done') return info;
      if (step !== 'wait') throw new FlashError('E_ROLLED_BACK', `board did not boot the new firmware (it runs ${info.running < 0 ? 'the factory image' : `slot ${info.slots[info.running].name}`})`);
    } catch (e) {
      if (e instanceof FlashError && (e.code === 'E_ROLLED_BACK' || e.code === 'E_BOARD')) throw e;
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    await client.rollback();
  } catch {
    // the board may be gone; the next boot of an unconfirmed slot rolls back anyway
  }
  throw new FlashError('E_NOT_CONFIRMED', `the new firmware did not confirm itself within ${opts.confirmTimeoutMs ?? 10000} ms; the board was told to roll back${last ? ` (${(last as Error).message})` : ''}`);
}
