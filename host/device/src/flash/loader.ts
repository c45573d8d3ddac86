/**
 * Host side of the bootloader commands (serial protocol v1): one request, one response with the
 * same seq and type `cmd | 0x80`, a status byte then data. Timeouts and NAKs (`E_FRAME`) are
 * retried a bounded number of times with the same seq (the board replays its cached answer for a
 * duplicate), logging the attempts left; every failure is a one-line {@link FlashError}.
 * Before retrying after a timeout the client resynchronises both ends: it rescans its own
 * buffered bytes past a partial frame (a damaged length byte would otherwise stall it) and sends
 * a flush of zero bytes (max frame + 10) that completes any partial frame the board's parser is
 * stuck in; zeros are never a sync byte, so the board then hunts for the retried frame's sync.
 */
import { performance } from 'node:perf_hooks';
import { fwStatusMessage } from '@dendra/core/status.ts';
import { Cmd, encodeFrame, FrameDecoder, IMAGE_MODEL, RESPONSE_BIT, type Frame } from './frame.ts';
import { RttEstimator } from './adaptive.ts';
import { HEADER_LEN as SIGNED_HEADER_BYTES } from '../image/format.ts';
/** Bytes of a raw model's start sent with BEGIN: the flatbuffer's root offset and "TFL3" identifier. */
export const RAW_HEAD_BYTES = 8;
import { DEFAULT_RETRIES } from './defaults.ts';
import { FlashError, decodeFwInfo, type Transport, type HelloInfo, type SlotStatus, type FwInfo, type BaudInfo } from './answers.ts';
export { FlashError, decodeFwInfo, type Transport, type HelloInfo, type SlotStatus, type FwInfo, type FwSlotInfo, type BaudInfo } from './answers.ts';

/** Firmware status the board answers for a frame it received damaged (a NAK: retry). */
export const FW_E_FRAME = -13;
const FW_E_BOUNDS = -1;

/**
 * Largest response payload the client accepts (a longer header is noise). The board's answers
 * carry at most 64 bytes (boot/proto.ts RESP_CAP); a tight cap keeps a response whose length byte
 * was hit by noise from holding back the answers behind it for long.
 */
export const MAX_RESPONSE_PAYLOAD = 128;
/** Default retries per command (defined in defaults.ts). */
export { DEFAULT_RETRIES };
/** First zero flush after a timeout, bytes; each further timeout of the same command sends 4x more, up to {@link BootClient.flushBytes}. */
export const FIRST_FLUSH_BYTES = 32;
/** Flush length before the board's max frame is known (the firmware parser's hard cap + 10). */
export const DEFAULT_FLUSH_BYTES = 4096 + 10;

/** Options of a {@link BootClient}. */
export interface BootClientOptions {
  /**
   * Largest response timeout per attempt, ms (default 2000, adaptive.ts RTO_CEILING_MS): the
   * timeout itself follows the measured round trip ({@link BootClient.rtt}) below it.
   */
  timeoutMs?: number;
  /** Retries after the first attempt (default {@link DEFAULT_RETRIES}). */
  retries?: number;
  /** Line rate, for the wire time of what is sent (default 115200; {@link BootClient.baud}). */
  baud?: number;
  /** Round-trip estimator to share (default: a new one with `timeoutMs` as its ceiling). */
  rtt?: RttEstimator;
  /** First seq (default random, so a new session never matches the board's cached answer). */
  seqStart?: number;
  /** Receives one line per retry. */
  log?: (line: string) => void;
}

/** Command names for log lines and errors. */
export const CMD_NAMES: Record<number, string> = {
  1: 'HELLO', 2: 'BEGIN', 3: 'WRITE', 4: 'FINISH', 5: 'STATUS', 6: 'SET_BAUD',
  7: 'ACTIVATE', 8: 'CONFIRM', 9: 'RESET', 10: 'INFO', 11: 'WRITEZ', 12: 'ROLLBACK',
};
const NAMES = CMD_NAMES;

/** Issues bootloader commands over a {@link Transport}. One command at a time. */
export class BootClient {
  private seq: number;
  private readonly decoder = new FrameDecoder(MAX_RESPONSE_PAYLOAD);
  /** Zero bytes sent before a retry after a timeout (max frame + 10 once HELLO told it). */
  flushBytes = DEFAULT_FLUSH_BYTES;
  private waiter: ((f: Frame) => void) | null = null;
  private readonly listeners = new Set<(f: Frame) => void>();
  private readonly unsubscribe: () => void;
  /** Ceiling of the per-attempt timeout, ms. */
  readonly timeoutMs: number;
  readonly retries: number;
  private readonly log: (line: string) => void;
  /** Total retries performed so far (for reports). */
  retried = 0;
  /** The round-trip estimator every timeout of this client follows. */
  readonly rtt: RttEstimator;
  /** Line rate in force (bit/s, 8N1): the wire time of a frame is added to its timeout. */
  baud: number;

  constructor(private readonly transport: Transport, opts: BootClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.retries = opts.retries ?? DEFAULT_RETRIES;
    this.rtt = opts.rtt ?? new RttEstimator({ ceilingMs: this.timeoutMs });
    this.baud = opts.baud ?? 115200;
    this.log = opts.log ?? (() => {});
    this.seq = (opts.seqStart ?? Math.floor(Math.random() * 256)) & 0xff;
    this.unsubscribe = transport.onData((chunk) => {
      this.dispatch(this.decoder.push(chunk));
    });
  }

  private dispatch(frames: Frame[]): void {
    for (const f of frames) {
      this.waiter?.(f);
      for (const l of this.listeners) l(f);
    }
  }

  /**
   * Subscribes to every decoded frame from the board (for pipelined commands, see window.ts);
   * returns the unsubscribe function.
   */
  onFrame(listener: (f: Frame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes the next seq (what {@link request} would use). */
  nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  /**
   * Sends one command frame without waiting for its answer (pipelining; answers reach
   * {@link onFrame} listeners), followed by `pad` zero bytes: noise the board's parser skips while
   * it hunts for a sync, so a byte lost from this frame eats a pad byte instead of the next
   * frame's sync. @throws FlashError `E_PORT` when the port write fails.
   */
  async post(type: number, seq: number, payload: Uint8Array, pad = 0): Promise<void> {
    const f = encodeFrame(type, seq, payload);
    if (pad <= 0) return this.transport.write(f);
    const out = new Uint8Array(f.length + pad);
    out.set(f);
    await this.transport.write(out);
  }

  /** Milliseconds `bytes` take on the wire at {@link baud} (8N1: 10 bits per byte). */
  wireMs(bytes: number): number {
    return (bytes * 10 * 1000) / this.baud;
  }

  /**
   * Resynchronises after a timeout as {@link request} does: the decoder rescans past its partial
   * frame (frames found go to the listeners), then a zero flush of `bytes` (default the full
   * {@link flushBytes}) goes out. Never throws.
   */
  async resyncAndFlush(bytes = this.flushBytes): Promise<void> {
    this.dispatch(this.decoder.resync());
    await this.flush(bytes);
  }

  /** Stops listening to the transport (does not close it). */
  close(): void {
    this.unsubscribe();
    this.waiter = null;
  }

  /**
   * Sends command `type` and returns the response data (after the status byte).
   * @throws FlashError `E_TIMEOUT` when no answer came within all attempts, `E_BOARD` when the
   *   board answered a negative status (other than a NAK, which is retried), `E_PROTO` for a
   *   malformed response.
   */
  async request(type: number, payload: Uint8Array = new Uint8Array(0), opts: { mult?: number; minMs?: number; attempts?: number } = {}): Promise<Uint8Array> {
    const seq = this.nextSeq();
    const name = NAMES[type] ?? `0x${type.toString(16)}`;
    const frame = encodeFrame(type, seq, payload);
    const attempts = opts.attempts ?? this.retries + 1;
    let why = '';
    let flushed = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        this.retried++;
        this.log(`${name} seq ${seq}: ${why}; retrying (${attempts - attempt + 1} attempt(s) left)`);
      }
      // The round-trip timeout, scaled for slow commands (erase, hash), plus the wire time of
      // what goes out ahead of the answer (the flush, the frame itself).
      // A serial line loses frames, it does not congest: each further attempt waits half a
      // timeout longer (a slow erase still gets its answer: a late one matches the retry's seq),
      // not twice as long, so a command on a noisy line is not held for seconds.
      const budget = Math.max(opts.minMs ?? 0, this.rtt.rto() * (opts.mult ?? 1)) * (1 + (attempt - 1) / 2);
      const timeoutMs = Math.round(budget + this.wireMs(frame.length + flushed + 16));
      const t0 = performance.now();
      const resp = await this.exchange(frame, type | RESPONSE_BIT, seq, timeoutMs);
      if (resp === null) {
        why = `no answer within ${timeoutMs} ms`;
        flushed = Math.min(this.flushBytes, FIRST_FLUSH_BYTES << (2 * (attempt - 1)));
        if (attempt < attempts) await this.flush(flushed);
        continue;
      }
      // A retry's answer may be the late answer of an earlier attempt (same seq): its sample is
      // taken only while the estimator has none (a first HELLO on a noisy line), so the commands
      // after it do not wait out the 500 ms initial timeout; later samples come from fresh seqs.
      if ((opts.mult ?? 1) === 1 && (attempt === 1 || this.rtt.samples === 0)) this.rtt.sample(Math.max(0, performance.now() - t0 - this.wireMs(frame.length)));
      if (resp.length < 1) throw new FlashError('E_PROTO', `board sent an empty ${name} response`, { seq, attempt });
      const status = (resp[0] << 24) >> 24;
      if (status === FW_E_FRAME) {
        why = 'board reported a damaged frame';
        continue;
      }
      if (status < 0) {
        throw new FlashError('E_BOARD', `board refused ${name}: ${fwStatusMessage(status)} (status ${status})`, { seq, attempt, fwStatus: status });
      }
      return resp.subarray(1);
    }
    throw new FlashError('E_TIMEOUT', `board did not answer ${name} (${why}, ${attempts} attempts)`, { seq, attempt: attempts });
  }

  /** Sends a resynchronisation flush of `bytes` zeros; a failed write is left to the retry to report. */
  private async flush(bytes: number): Promise<void> {
    try {
      await this.transport.write(new Uint8Array(bytes));
    } catch {
      // the retried command's own write reports a dead port
    }
  }

  /**
   * Writes `frame` and waits for the matching response payload, or null on timeout. At the
   * timeout the decoder gives up its partial frame and rescans (the answer may sit behind it).
   */
  private async exchange(frame: Uint8Array, rtype: number, seq: number, timeoutMs: number): Promise<Uint8Array | null> {
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<Uint8Array | null>((resolve) => {
      const match = (f: Frame) => f.type === rtype && f.seq === seq;
      this.waiter = (f) => {
        if (match(f)) resolve(f.payload);
      };
      timer = setTimeout(() => resolve(this.decoder.resync().find(match)?.payload ?? null), timeoutMs);
    });
    try {
      await this.transport.write(frame);
      return await answer;
    } finally {
      clearTimeout(timer);
      this.waiter = null;
    }
  }

  /**
   * HELLO: board id, protocol version, max frame payload, model slot size. `attempts` overrides
   * the retries (the first HELLO on a noisy line gets more). Throws as {@link request}.
   */
  async hello(attempts?: number): Promise<HelloInfo> {
    const d = await this.request(Cmd.HELLO, undefined, { attempts });
    if (d.length < 7) throw new FlashError('E_PROTO', `HELLO response too short (${d.length} bytes)`);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const n = d.length - 7;
    this.flushBytes = new DataView(d.buffer, d.byteOffset, d.byteLength).getUint16(n + 1, true) + 10;
    return {
      boardId: new TextDecoder().decode(d.subarray(0, n)),
      proto: d[n],
      maxFrame: dv.getUint16(n + 1, true),
      slotSize: dv.getUint32(n + 3, true),
    };
  }

  /**
   * BEGIN an image of `size` bytes with SHA-256 `sha` (the board erases the target bank); `type`
   * is IMAGE_MODEL (raw .tflite, default) or IMAGE_SIGNED_MODEL (a whole signed image). The
   * image's first bytes (`header`: a signed image's 80-byte header, a raw model's first 8) go with
   * it so the board refuses, before it erases anything, a signed image of the wrong type, family or
   * version (E_IMAGE -24, E_FAMILY -22, E_DOWNGRADE -23) or a raw model without the "TFL3"
   * identifier (E_BAD_MAGIC -2). RangeError for another `header` length.
   * Throws as {@link request} (a keyed board refuses a raw model with status E_SIGNATURE -20).
   */
  async begin(size: number, sha: Uint8Array, type: number = IMAGE_MODEL, header?: Uint8Array): Promise<void> {
    if (sha.length !== 32) throw new RangeError('sha256 must be 32 bytes');
    if (header && header.length !== SIGNED_HEADER_BYTES && header.length !== RAW_HEAD_BYTES) throw new RangeError(`header must be ${RAW_HEAD_BYTES} or ${SIGNED_HEADER_BYTES} bytes`);
    const p = new Uint8Array(37 + (header?.length ?? 0));
    p[0] = type;
    new DataView(p.buffer).setUint32(1, size, true);
    p.set(sha, 5);
    if (header) p.set(header, 37);
    try {
      await this.request(Cmd.BEGIN, p, { mult: 4, minMs: 250 });
    } catch (e) {
      // A board from before the BEGIN header (firmware <= protocol v1 without it) answers a
      // 117-byte BEGIN E_BOUNDS: it gets the plain 37-byte BEGIN and checks the header at FINISH.
      if (!header || !(e instanceof FlashError) || e.fwStatus !== FW_E_BOUNDS) throw e;
      await this.request(Cmd.BEGIN, p.subarray(0, 37), { mult: 4, minMs: 250 });
    }
  }

  /** WRITE `data` at image offset `offset`. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    const p = new Uint8Array(4 + data.length);
    new DataView(p.buffer).setUint32(0, offset, true);
    p.set(data, 4);
    await this.request(Cmd.WRITE, p);
  }

  /** FINISH: the board verifies the hash, validates and commits the model. */
  async finish(): Promise<void> {
    await this.request(Cmd.FINISH, undefined, { mult: 4, minMs: 500 });
  }

  /** STATUS: bytes of the image received so far (see {@link slotStatus} for the rest). */
  async status(): Promise<number> {
    return (await this.slotStatus()).received;
  }

  /**
   * STATUS, decoded: the transfer in progress (resume point, size, hash prefix) and the newest
   * committed bank. A board that sends only the 4-byte v1 answer reports `receiving: false`.
   * `slot` (0 grid, 2 pack) asks for that model slot; the answer's `slot` tells whether the board
   * honoured it (a board that does not answers for its last transfer's slot, `slot` undefined).
   * @throws as {@link request}; FlashError `E_PROTO` for an answer shorter than 4 bytes.
   */
  async slotStatus(slot?: number): Promise<SlotStatus> {
    const d = await this.request(Cmd.STATUS, slot === undefined ? undefined : Uint8Array.of(slot));
    if (d.length < 4) throw new FlashError('E_PROTO', `STATUS response too short (${d.length} bytes)`);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const hex = (a: number, b: number) => Buffer.from(d.subarray(a, b)).toString('hex');
    if (d.length < 34) return { received: dv.getUint32(0, true), size: 0, sha256Prefix: '', receiving: false, active: null };
    const bank = dv.getInt8(17);
    return {
      received: dv.getUint32(0, true),
      size: dv.getUint32(4, true),
      sha256Prefix: hex(8, 16),
      receiving: (d[16] & 1) !== 0,
      active: bank < 0 ? null : { bank, generation: dv.getUint32(18, true), length: dv.getUint32(22, true), sha256Prefix: hex(26, 34) },
      ...(d.length >= 35 ? { slot: d[34] } : {}),
    };
  }

  /** INFO: the firmware that runs and the A/B slot table. Throws as {@link request}; `E_PROTO` when malformed. */
  async fwInfo(): Promise<FwInfo> {
    return decodeFwInfo(await this.request(Cmd.INFO));
  }

  /** STATUS of the firmware transfer (slot 1): same fields as {@link slotStatus}; `active` is null. */
  async fwStatus(): Promise<SlotStatus> {
    const d = await this.request(Cmd.STATUS, Uint8Array.of(1));
    if (d.length < 34) throw new FlashError('E_PROTO', `firmware STATUS response too short (${d.length} bytes)`);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return { received: dv.getUint32(0, true), size: dv.getUint32(4, true), sha256Prefix: Buffer.from(d.subarray(8, 16)).toString('hex'),
      receiving: (d[16] & 1) !== 0, active: null };
  }

  /** ACTIVATE: the image committed in the inactive firmware slot boots in test mode at the next reset. */
  async activate(): Promise<void> {
    await this.request(Cmd.ACTIVATE, undefined, { mult: 4, minMs: 250 });
  }

  /** CONFIRM: keep the running test-boot firmware (E_STATE when there is nothing to confirm). */
  async confirm(): Promise<void> {
    await this.request(Cmd.CONFIRM);
  }

  /** RESET: the board answers, then resets (its boot ROM picks the firmware slot). */
  async reset(): Promise<void> {
    await this.request(Cmd.RESET);
  }

  /** ROLLBACK: leave the running slot (revoked unless on test) and reset into the previous firmware. */
  async rollback(): Promise<void> {
    await this.request(Cmd.ROLLBACK);
  }

  /**
   * SET_BAUD: asks the board to switch its UART to `baud` after answering (0 = only ask). The
   * board answers at the old rate; the caller then moves its own port (see flash.ts setBaud).
   * @throws FlashError `E_BOARD` (status -1, E_BOUNDS) for a baud above the board's max, and as
   *   {@link request}; `E_PROTO` for a short answer (e.g. a board without SET_BAUD answers E_STATE).
   */
  async setBaud(baud: number): Promise<BaudInfo> {
    const p = new Uint8Array(4);
    new DataView(p.buffer).setUint32(0, baud >>> 0, true);
    const d = await this.request(Cmd.SET_BAUD, p);
    if (d.length < 8) throw new FlashError('E_PROTO', `SET_BAUD response too short (${d.length} bytes)`);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return { baud: dv.getUint32(0, true), maxBaud: dv.getUint32(4, true) };
  }
}
