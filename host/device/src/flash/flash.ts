/**
 * `flashModel`: sends a .tflite model or a signed model image (.dimg, image.ts), as bytes, to a
 * board's bootloader over a {@link FlashLink} (a serial port: {@link openSerialLink}; a scriptable
 * mock in unit tests); `flashModelFile` reads the file once and opens the port for it
 * (HELLO, [SET_BAUD], BEGIN, WRITE chunks with a window of frames in flight, FINISH), with progress and one-line errors for the usual failures:
 * missing port, busy port, silent board, file that is not a model or does not fit the slot.
 * A transfer interrupted by a lost line, a vanished port or a board reset is resumed: HELLO,
 * STATUS (where did the board stop, for which image), then WRITE from there, or BEGIN again when
 * the board lost the transfer (docs/flash-protocol.md "Resume").
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InputError } from '@dendra/core/errors.ts';
import { openSerialLink, type FlashLink } from './serial.ts';
import { BootClient, FlashError, RAW_HEAD_BYTES, type HelloInfo, type SlotStatus } from './loader.ts';
import { PROTO_VERSION } from './frame.ts';
import { DEFAULT_WINDOW, DEFAULT_BUDGET_S } from './defaults.ts';
import { parsedModel, readFlashImage, type FlashImage } from './image.ts';
import { MODEL_SLOTS, modelSlotFor, type ModelSlot } from './modelslot.ts';
import { negotiateBaud, restoreBaud, type BaudRequest } from './baud.ts';
import { sendWindowed, MAX_WINDOW, type TransferStats, type WindowInfo } from './window.ts';
import { ChunkSizer, MIN_CHUNK, RttEstimator, RTO_CEILING_MS } from './adaptive.ts';
import type { PublicKey } from '../image/keys.ts';
import { HEADER_LEN } from '../image/format.ts';

/** Progress of a flash: image bytes acknowledged by the board so far, of `total`, and what the sender does. */
export interface FlashProgress extends Partial<WindowInfo> {
  bytes: number;
  total: number;
}

/** Firmware statuses after which a transfer is started again instead of failing. */
const FW_E_HASH = -11;
const FW_E_STATE = -14;
/**
 * HELLO attempts of the first session when the caller set no `retries` (a noisy line loses some; a
 * missing board fails in seconds); an explicit `retries` bounds it as every other command.
 */
export const FIRST_HELLO_ATTEMPTS = 13;

/** Options of {@link flashModel}: how the bytes go over the line. */
export interface FlashOptions {
  /**
   * Baud to transfer at: a number or 'max' (the board's max). When it differs from `lineBaud`,
   * the host switches board and port with SET_BAUD after HELLO and back after FINISH
   * (docs/flash-protocol.md "SET_BAUD"); a baud above the board's max is FlashError `E_BAUD`.
   * Default: `lineBaud` (no switch). A pty ignores the rate; the simulator's pacing follows it.
   */
  baud?: BaudRequest;
  /** Baud the port opens at, the board's current rate (default 115200). */
  lineBaud?: number;
  /**
   * WRITE frames in flight (1..32, default 24): acks by seq, selective resend of lost frames
   * frame on timeout (host/device/src/flash/window.ts). 1 = stop-and-wait (one WRITE, one ack).
   */
  windowSize?: number;
  /** Called after every acknowledged chunk. */
  onProgress?: (p: FlashProgress) => void;
  /**
   * Largest response timeout per attempt, ms (default 2000): the timeout follows the measured
   * round trip below it (adaptive.ts RttEstimator; floor 50 ms).
   */
  timeoutMs?: number;
  /**
   * Retries per command (HELLO, BEGIN, STATUS, FINISH; default 12, the first HELLO 13 attempts),
   * and timeouts in a row with no answer that end a windowed WRITE session (window.ts).
   */
  retries?: number;
  /** Receives retry lines ("... retrying (n attempt(s) left)") and resume lines. */
  log?: (line: string) => void;
  /**
   * Ask the board where it stopped before sending anything (STATUS), and continue an interrupted
   * transfer of this same image (size and SHA-256 prefix match) from there; when the board already
   * committed this image, do nothing more. Default false: a fresh BEGIN.
   */
  resume?: boolean;
  /** At most this many resumes (default: no limit but the budget; 0 = fail at once). */
  resumes?: number;
  /**
   * Time budget, ms (default 300 s): after an interruption (timeouts, a lost port, a board that
   * reset) the flash resumes until this much time has passed since it started.
   */
  budgetMs?: number;
  /**
   * Largest WRITE payload (default and maximum: the board's max frame - 4). Frames start at this
   * size and follow the line's losses below it (adaptive.ts ChunkSizer).
   */
  chunkBytes?: number;
  /** Model slot ('grid' or 'pack'); default: the model's metadata kind (modelslot.ts). */
  slot?: string;
  /**
   * Send a chunk as WRITEZ (raw deflate, inflated on the board) when that is smaller (default
   * true; window.ts planChunks). Stop-and-wait (`windowSize: 1`) always sends plain WRITEs.
   */
  compress?: boolean;
  /**
   * Frame sizes follow the line's losses (default true). False: every frame carries
   * `chunkBytes` (or the board's max) whatever the losses (an ablation, bench/flashfaults.ts).
   */
  adaptiveChunks?: boolean;
  /** Read the board's selective acks (default true; false: go-back behaviour, window.ts WindowOptions). */
  selectiveAck?: boolean;
}

/** Options of {@link flashModelFile}: a file and a port path, plus {@link FlashOptions}. */
export interface FlashFileOptions extends FlashOptions {
  /** Serial device path, e.g. /dev/ttyUSB0 or the sim's host pty link. */
  port: string;
  /** Path of the .tflite model or of a signed model image (.dimg, detected by its "DIMG" magic). */
  file: string;
  /**
   * Verify a signed image locally against these keys before opening the port (hash, trusted
   * key, signature); an unsigned model is then refused (`E_IMAGE_UNSIGNED`). The board verifies
   * on its own in any case.
   */
  trustedKeys?: readonly Pick<PublicKey, 'publicKey'>[];
}

/** What a successful flash did. */
export interface FlashResult {
  board: HelloInfo;
  /** Bytes sent (the whole signed image, or the model). */
  bytes: number;
  /** True when a signed image was sent. */
  signed: boolean;
  /** Hex SHA-256 of the image. */
  sha256: string;
  chunks: number;
  retries: number;
  ms: number;
  /** Resumes that were needed (0 for an uninterrupted flash). */
  resumes: number;
  /** Offset each session started writing at (the first is 0 unless `resume` found a transfer). */
  startedAt: number[];
  /** True when `resume` found this image already committed and nothing was sent. */
  alreadyCommitted: boolean;
  /** Image bytes per second over the whole flash. */
  bytesPerSec: number;
  /** Baud the image bytes went at (after SET_BAUD). */
  baud: number;
  /** WRITE frames in flight that were allowed. */
  windowSize: number;
  /** Time from the first WRITE sent to the last WRITE acknowledged, summed over sessions, ms. */
  writeMs: number;
  /** Image bytes acknowledged per second over {@link writeMs} (0 when nothing was written). */
  writeBytesPerSec: number;
  /** WRITE / WRITEZ frames planned and their payload bytes (first sends, all sessions). */
  frames: TransferStats;
  /** The model slot written: 'grid' (slot 0) or 'pack' (slot 2). */
  slot: ModelSlot;
  /** The bank of that slot that holds the model now (STATUS after FINISH); null if the board did not say. */
  bank: number | null;
}

export { serialTransport, openSerialLink, openPort, closePort, type FlashLink } from './serial.ts';
/** Default WRITE window of {@link flashModel}. */
export { DEFAULT_WINDOW, DEFAULT_BUDGET_S, FLASH_DEFAULTS } from './defaults.ts';

/**
 * Reads and checks a model file: it must exist and carry the TFLite identifier "TFL3" at bytes 4..8.
 * @throws InputError `E_INPUT` (missing/unreadable) or `E_NOT_TFLITE`.
 */
export function readModelFile(file: string): Uint8Array {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('E_INPUT', `model file ${file} does not exist`, file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError('E_INPUT', `cannot read ${file}: ${(e as Error).message}`, file);
  }
  const ident = new TextDecoder().decode(bytes.subarray(4, 8));
  if (bytes.length < 8 || ident !== 'TFL3') {
    throw new InputError('E_NOT_TFLITE', `${file} is not a TFLite model (no "TFL3" identifier at byte 4)`, file);
  }
  return bytes;
}

/**
 * Checks what {@link flashModel} checks before it touches the line, so that a caller can refuse
 * bad options before it opens a port: the window, and the slot of `img` (parsed once). Returns
 * the BEGIN type: the image's format with its model slot (0 grid, 2 pack) in the high nibble.
 * @throws FlashError `E_WINDOW` for a window outside 1..MAX_WINDOW; InputError `E_SLOT` (modelslot.ts).
 */
export function checkFlashOptions(img: FlashImage, opts: FlashOptions): number {
  const w = opts.windowSize ?? DEFAULT_WINDOW;
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW) throw new FlashError('E_WINDOW', `window size must be 1..${MAX_WINDOW}, got ${w}`);
  return img.beginType | (modelSlotFor(parsedModel(img), opts.slot) << 4);
}

/**
 * Flashes a model file: reads it once (see {@link readFlashImage}), picks its slot, opens the
 * port at `lineBaud`, runs {@link flashModel} and closes the port again.
 * @throws InputError for the file, `E_SLOT` for the slot, and everything {@link flashModel} throws.
 */
export async function flashModelFile(opts: FlashFileOptions): Promise<FlashResult> {
  const img = readFlashImage(opts.file, opts.trustedKeys);
  checkFlashOptions(img, opts); // before the port is touched
  const link = await openSerialLink(opts.port, opts.lineBaud ?? 115200);
  try {
    return await flashModel(img, link, opts);
  } finally {
    await link.close();
  }
}

/**
 * Flashes a model image over `link`: HELLO, checks protocol and slot size, BEGIN,
 * WRITE in chunks of the board's max frame, FINISH. When the transfer breaks after HELLO
 * succeeded (timeouts, a failed port write, a board that lost the transfer or found a bad hash),
 * it reopens the link if needed and resumes until the time budget is spent (`budgetMs`, and at
 * most `resumes` times), logging the budget left.
 * The link stays open (its opener closes it); the model is parsed at most once ({@link parsedModel}).
 * @throws InputError `E_SLOT` for the slot; FlashError `E_PORT_*` when the link cannot be reopened,
 *   `E_NO_BOARD` when the first HELLO gets no answer, `E_PROTO` for a protocol version mismatch,
 *   `E_TOO_LARGE` when the model does not fit, and the {@link BootClient} errors for the rest
 *   (the last one when the resumes ran out). A board's refusal (e.g. FINISH of an image signed by
 *   an untrusted key) is FlashError `E_BOARD` with `fwStatus` (host/core/src/status.ts) and is not resumed.
 *   FlashError `E_WINDOW` for a window outside 1..32, `E_BAUD` for a baud above the board's max
 *   (see {@link negotiateBaud}).
 */
export async function flashModel(image: FlashImage, link: FlashLink, opts: FlashOptions = {}): Promise<FlashResult> {
  const t0 = Date.now();
  const img: FlashImage = { ...image, beginType: checkFlashOptions(image, opts) };
  const sha = img.sha;
  const maxResumes = opts.resumes ?? Infinity;
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_S * 1000;
  const lineBaud = opts.lineBaud ?? 115200;
  const acc: Acc = { retries: 0, startedAt: [], chunks: 0, started: false, already: false, baud: lineBaud, writeMs: 0, writeBytes: 0,
    frames: { writes: 0, writezs: 0, payloadBytes: 0 }, sizer: null, rtt: new RttEstimator({ ceilingMs: opts.timeoutMs ?? RTO_CEILING_MS }), bank: null };
  for (let round = 0; ; round++) {
    const client = new BootClient(link, { timeoutMs: opts.timeoutMs, retries: opts.retries, log: opts.log, rtt: acc.rtt, baud: lineBaud });
    try {
      const board = await session(client, link, opts, img, round > 0 || !!opts.resume, acc);
      if (acc.baud !== lineBaud) await restoreBaud(client, link, lineBaud);
      const ms = Date.now() - t0;
      return {
        board, bytes: img.bytes.length, signed: img.header !== null, chunks: acc.chunks, retries: acc.retries + client.retried, ms, resumes: round,
        startedAt: acc.startedAt, alreadyCommitted: acc.already, sha256: Buffer.from(sha).toString('hex'),
        bytesPerSec: ms > 0 ? Math.round((img.bytes.length * 1000) / ms) : img.bytes.length,
        baud: acc.baud, windowSize: opts.windowSize ?? DEFAULT_WINDOW, writeMs: acc.writeMs,
        writeBytesPerSec: acc.writeMs > 0 ? Math.round((acc.writeBytes * 1000) / acc.writeMs) : 0, frames: acc.frames,
        slot: ((img.beginType >> 4) & 0xf) === MODEL_SLOTS.pack ? 'pack' : 'grid', bank: acc.bank,
      };
    } catch (e) {
      const left = budgetMs - (Date.now() - t0);
      if (!acc.started || round >= maxResumes || left <= 0 || !resumable(e)) throw e;
      opts.log?.(`transfer interrupted (${(e as Error).message}); resuming (${Math.ceil(left / 1000)} s of the budget left)`);
      if ((e as FlashError).code === 'E_PORT' || !link.isOpen) {
        await link.reopen(lineBaud);
      } else if (acc.baud !== lineBaud) {
        await restoreBaud(client, link, lineBaud); // a new session starts at the line's rate
      }
      acc.baud = lineBaud;
    } finally {
      acc.retries += client.retried;
      client.close();
    }
  }
}

/** Errors after which a resume can help: lost answers, a dead port write, a board that reset. */
function resumable(e: unknown): boolean {
  if (!(e instanceof FlashError)) return false;
  if (e.code === 'E_TIMEOUT' || e.code === 'E_PORT' || e.code === 'E_NO_BOARD') return true;
  return e.code === 'E_BOARD' && (e.fwStatus === FW_E_STATE || e.fwStatus === FW_E_HASH);
}

type Acc = { retries: number; startedAt: number[]; chunks: number; started: boolean; already: boolean;
  baud: number; writeMs: number; writeBytes: number; frames: TransferStats;
  /** WRITE frame sizes and round-trip times, kept across sessions (what the line taught). */
  sizer: ChunkSizer | null; rtt: RttEstimator;
  /** The committed bank STATUS reported after FINISH (or for an image already committed). */
  bank: number | null };

/** One session on an open port: HELLO, checks, then the (resumed) transfer. Returns the board. */
async function session(client: BootClient, link: FlashLink, opts: FlashOptions, img: FlashImage,
                       resume: boolean, acc: Acc): Promise<HelloInfo> {
  const { bytes: image, sha } = img;
  const board = await helloOrExplain(client, link.name, acc.started || opts.retries !== undefined ? undefined : FIRST_HELLO_ATTEMPTS);
  if (board.proto !== PROTO_VERSION) {
    throw new FlashError('E_PROTO', `board speaks serial protocol v${board.proto}, this host speaks v${PROTO_VERSION}`);
  }
  if (image.length > board.slotSize) {
    throw new FlashError('E_TOO_LARGE', `model is ${image.length} bytes but the board's model slot holds ${board.slotSize}`);
  }
  const chunk = Math.min(board.maxFrame - 4, opts.chunkBytes ?? Infinity);
  if (!(chunk >= 1)) throw new FlashError('E_PROTO', `unusable chunk size ${chunk} (board max frame ${board.maxFrame} bytes)`);
  acc.sizer ??= new ChunkSizer(opts.adaptiveChunks === false ? chunk : MIN_CHUNK, chunk, opts.adaptiveChunks === false ? chunk : undefined);
  if (opts.baud !== undefined) acc.baud = await negotiateBaud(client, link, acc.baud, opts.baud, opts.log);
  client.baud = acc.baud;
  acc.started = true;
  const plan = resume ? resumePoint(await client.slotStatus(), image.length, sha, { length: img.model.length, sha: img.modelSha }) : 'begin';
  if (plan === 'done') {
    acc.already = true;
    acc.bank = await committedBank(client);
    opts.onProgress?.({ bytes: image.length, total: image.length });
    return board;
  }
  // The image's first bytes go with BEGIN (a signed header; a raw model's first 8, its "TFL3"): checked before the erase.
  if (plan === 'begin') await client.begin(image.length, sha, img.beginType, 
    img.header ? image.subarray(0, HEADER_LEN) : image.length >= RAW_HEAD_BYTES ? image.subarray(0, RAW_HEAD_BYTES) : undefined);
  const from = plan === 'begin' ? 0 : plan;
  if (plan !== 'begin') opts.log?.(`board has ${from} of ${image.length} bytes of this image: continuing from there`);
  acc.startedAt.push(from);
  const window = opts.windowSize ?? DEFAULT_WINDOW;
  const progress = (bytes: number, info?: WindowInfo) => opts.onProgress?.({ bytes, total: image.length, ...info });
  const w0 = performance.now();
  if (window !== 1) progress(from);
  acc.chunks += window === 1
    ? await sendFrom(client, image, from, chunk, opts.onProgress)
    : await sendWindowed(client, image, from, chunk, { windowSize: window, onProgress: progress, log: opts.log,
      compress: opts.compress ?? true, stats: acc.frames, sizer: acc.sizer, selectiveAck: opts.selectiveAck });
  acc.writeMs += performance.now() - w0;
  acc.writeBytes += image.length - from;
  await client.finish();
  acc.bank = await committedBank(client);
  return board;
}

/**
 * The bank the model just committed sits in (STATUS acts on the slot of the last transfer), for the
 * summary; null when the board does not answer. Best effort: the model is committed already, so a
 * failure here never fails the flash.
 */
async function committedBank(client: BootClient): Promise<number | null> {
  try {
    return (await client.slotStatus()).active?.bank ?? null;
  } catch {
    return null;
  }
}

/**
 * Where to continue from STATUS: the received offset when the board is receiving this image
 * (same size and SHA-256 prefix), 'done' when it already committed it, else 'begin'. The board
 * reports a committed signed image by its payload (the model), so `committed` gives that model's
 * length and SHA-256 when it differs from the image sent (default: the image itself).
 */
export function resumePoint(st: SlotStatus, size: number, sha: Uint8Array,
                            committed: { length: number; sha: Uint8Array } = { length: size, sha }): number | 'begin' | 'done' {
  const hex8 = (b: Uint8Array) => Buffer.from(b.subarray(0, 8)).toString('hex');
  if (st.receiving && st.size === size && st.sha256Prefix === hex8(sha) && st.received <= size) return st.received;
  if (!st.receiving && st.active && st.active.length === committed.length && st.active.sha256Prefix === hex8(committed.sha)) return 'done';
  return 'begin';
}

async function helloOrExplain(client: BootClient, path: string, attempts?: number): Promise<HelloInfo> {
  try {
    return await client.hello(attempts);
  } catch (e) {
    if (e instanceof FlashError && e.code === 'E_TIMEOUT') {
      throw new FlashError('E_NO_BOARD', `no board answered HELLO on ${path} within ${client.rtt.rto()} ms (${attempts ?? client.retries + 1} attempts)`, { seq: e.seq, attempt: e.attempt });
    }
    throw e;
  }
}

/** WRITEs the image from `from` in chunks, reporting progress; returns the number of chunks. */
async function sendFrom(client: BootClient, image: Uint8Array, from: number, chunk: number,
                        onProgress?: (p: FlashProgress) => void): Promise<number> {
  onProgress?.({ bytes: from, total: image.length });
  let n = 0;
  for (let off = from; off < image.length; off += chunk) {
    await client.write(off, image.subarray(off, Math.min(off + chunk, image.length)));
    n++;
    onProgress?.({ bytes: Math.min(off + chunk, image.length), total: image.length });
  }
  return n;
}
