/**
 * Windowed WRITE transfer with selective repeat (docs/flash-protocol.md "Window", "Adapting to the
 * line"): up to `windowSize` frames from the first unacknowledged one are out, each send with a
 * fresh seq, so every answer names exactly one send. The board answers in the order it hears
 * frames, so an ack for a later send means every earlier send still unanswered was lost (or its
 * answer was): only those frames go again, at once. A NAK (`E_FRAME`) resends that frame. A send
 * unanswered when the line goes quiet times out after the round-trip timeout (adaptive.ts
 * RttEstimator) past its expected end on the wire; then the host rescans its decoder, flushes
 * zeros (a few, more after each further timeout) and resends it. Frame sizes follow the losses
 * (adaptive.ts ChunkSizer); a lost frame larger than the current size is resent shorter and the
 * rest of it becomes a frame of its own. Two zero bytes after each frame absorb a dropped byte.
 * The board keeps WRITEs beyond a hole as extents (8 at most; more are NAKed and resent); a board
 * that joins a frame to the extent it follows (firmware boot/extents.ts) spends them on holes, not
 * frames, so the window may hold {@link MAX_WINDOW} frames. Nothing here needs more than protocol v1.
 */
import { deflateRawSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { fwStatusMessage } from '@dendra/core/status.ts';
import { Cmd, HEADER_BYTES, RESPONSE_BIT, TRAILER_BYTES, WRITEZ_MAX_INFLATED, type Frame } from './frame.ts';
import { BootClient, FIRST_FLUSH_BYTES, FlashError, FW_E_FRAME } from './loader.ts';
import { ChunkSizer, MIN_CHUNK } from './adaptive.ts';

/** Largest window: the board joins frames that follow a hole into one extent (firmware boot/extents.ts), so its 32 extents (8 on older boards) bound the holes, not the frames in flight; a board without joining NAKs frames past its 8th extent and they are resent once the window moves. */
export const MAX_WINDOW = 32;
/** Zero bytes sent after each WRITE frame (a dropped byte eats one, not the next frame's sync). */
export const FRAME_PAD = 2;
/** Sends of one frame after which the session gives up (the caller resumes). */
export const MAX_FRAME_SENDS = 32;

/**
 * A windowed transfer gave up (one frame could not get through in {@link MAX_FRAME_SENDS} sends,
 * or nothing answered for `stallMs`): code `E_TIMEOUT`, like any timeout, so callers resume.
 */
export class WriteGaveUp extends FlashError {}

/** What the transfer is doing, for progress lines. */
export interface WindowInfo {
  /** Current WRITE payload limit, bytes. */
  chunk: number;
  /** Resends so far (this client). */
  retries: number;
  /** Current retransmission timeout, ms. */
  rtoMs: number;
}

/** Options of {@link sendWindowed}. */
export interface WindowOptions {
  /** Frames in flight, 1..{@link MAX_WINDOW}. */
  windowSize: number;
  /** Called with the acknowledged prefix (image bytes) whenever it grows, and what the sender does. */
  onProgress?: (bytes: number, info: WindowInfo) => void;
  /** Receives one line per timeout ("WRITE seq N: no answer within X ms; retrying (n attempt(s) left)"); selective resends are counted in {@link WindowInfo.retries}, not logged. */
  log?: (line: string) => void;
  /** Send chunks as WRITEZ when that is smaller (see {@link planChunk}). Default false. */
  compress?: boolean;
  /** Counters the transfer adds to (frames of each kind, payload bytes on the wire). */
  stats?: TransferStats;
  /** Frame size state to continue from (a resumed session keeps what the line taught). */
  sizer?: ChunkSizer;
  /** Give up when no answer at all came for this long, ms (default max(8000, 4 x the timeout ceiling)). */
  stallMs?: number;
}

/** Bytes of a selective ack's data before its seqs: received u32 (the board's contiguous prefix). */
export const SACK_MIN = 5;

/** A WRITE answer's selective ack (docs/CONTRACTS.md "Serial protocol v1"). */
export interface Sack {
  /** The board's contiguous prefix: every image byte below it is written. */
  received: number;
  /** Seqs of the last frames the board wrote, newest first (the answered one first). */
  seqs: number[];
}

/**
 * Decodes a WRITE/WRITEZ answer payload `status | received u32 | seq u8 x 1..4` (at least
 * {@link SACK_MIN} + 1 bytes: the caller checks; a board without selective acks answers the status alone). Never throws.
 */
export function decodeSack(p: Uint8Array): Sack {
  const received = (p[1] | (p[2] << 8) | (p[3] << 16) | (p[4] << 24)) >>> 0;
  return { received, seqs: Array.from(p.subarray(SACK_MIN)) };
}

/** Frames and bytes a transfer sent (first sends only; retries not counted). */
export interface TransferStats {
  writes: number;
  writezs: number;
  /** Frame payload bytes (offset + data) of those frames. */
  payloadBytes: number;
  /** Extra copies of frames sent while the line would have gone quiet (window.ts fill; not in the retries). */
  copies?: number;
}

/** One planned frame: image bytes [off, end) sent as WRITE or WRITEZ with this payload. */
export interface Chunk {
  off: number;
  end: number;
  cmd: number;
  payload: Uint8Array;
}

function framePayload(off: number, data: Uint8Array): Uint8Array {
  const p = new Uint8Array(4 + data.length);
  new DataView(p.buffer).setUint32(0, off, true);
  p.set(data, 4);
  return p;
}

/**
 * One frame at `off`, covering at most up to `limit`: with `compress`, the longest span (4096,
 * 2048, ... 64 bytes) whose raw deflate (level 9) fits in `chunk` bytes and is smaller than the
 * span, as a WRITEZ; else a plain WRITE of `chunk` bytes. Never throws for chunk >= 1, off < limit.
 */
export function planChunk(image: Uint8Array, off: number, limit: number, chunk: number, compress = false): Chunk {
  let lastEnd = -1;
  const squeezes = compress && compressible(image, off);
  for (let span = WRITEZ_MAX_INFLATED; squeezes && span >= 64; span >>= 1) {
    const end = Math.min(off + span, limit);
    if (end === lastEnd) continue; // the tail is shorter than this span: already tried
    lastEnd = end;
    const z = deflateRawSync(image.subarray(off, end), { level: 9 });
    if (z.length <= chunk && z.length < end - off) return { off, end, cmd: Cmd.WRITEZ, payload: framePayload(off, z) };
  }
  const end = Math.min(off + chunk, limit);
  return { off, end, cmd: Cmd.WRITE, payload: framePayload(off, image.subarray(off, end)) };
}

const blockCache = new WeakMap<Uint8Array, Map<number, boolean>>();

/**
 * False when the 4 KiB block around `off` does not deflate below 95% of its size (random or
 * already compressed bytes): then no span in it is tried (one deflate per block, cached), which
 * keeps small frames on a noisy line from costing seven deflates each.
 */
function compressible(image: Uint8Array, off: number): boolean {
  let m = blockCache.get(image);
  if (!m) blockCache.set(image, (m = new Map()));
  const b = Math.floor(off / WRITEZ_MAX_INFLATED) * WRITEZ_MAX_INFLATED;
  let v = m.get(b);
  if (v === undefined) {
    const block = image.subarray(b, Math.min(b + WRITEZ_MAX_INFLATED, image.length));
    v = deflateRawSync(block, { level: 9 }).length < 0.95 * block.length;
    m.set(b, v);
  }
  return v;
}

/** Splits `image[from..]` into frames of at most `chunk` data bytes ({@link planChunk} each). */
export function planChunks(image: Uint8Array, from: number, chunk: number, compress = false): Chunk[] {
  const out: Chunk[] = [];
  for (let off = from; off < image.length; off = out[out.length - 1].end) out.push(planChunk(image, off, image.length, chunk, compress));
  return out;
}

/** A frame of the transfer: planned on its first send (payload null before). */
interface Slot {
  off: number;
  end: number;
  cmd: number;
  payload: Uint8Array | null;
  acked: boolean;
  sends: number;
  queued: boolean;
  last: Send | null;
  /** Sends of it not answered yet. */
  inflight: number;
  /** NAKs not held against it (beyond the first unacknowledged frame: maybe the board's extents were full). */
  forgiven: number;
  /** Extra copies sent of it (window.ts fill: not held against it either). */
  copies: number;
}

/** One send of a frame. */
interface Send {
  slot: Slot;
  seq: number;
  cmd: number;
  /** Send number (1-based, this transfer). */
  n: number;
  /** When its last byte is expected on the board (performance.now() ms, wire pacing included). */
  end: number;
  answered: boolean;
  /** Bytes it took on the wire (frame and pad). */
  wire: number;
}

/**
 * WRITEs `image[from..]` with frames of at most `chunk` data bytes (the board's or the user's
 * limit; the sizer keeps them smaller on a noisy line) and a window of frames in flight. Resolves
 * with the number of frames once every byte is acknowledged.
 * @throws RangeError for a window outside 1..MAX_WINDOW or a chunk < 1; {@link WriteGaveUp}
 *   (`E_TIMEOUT`) when a frame got no ack in {@link MAX_FRAME_SENDS} sends, `client.retries + 1`
 *   timeouts came in a row with no answer between them (attempt = that count), or nothing answered for `stallMs`; `E_BOARD` when the board refused a WRITE (e.g. E_STATE after a reboot: the caller
 *   resumes); `E_PORT` when a port write failed.
 */
export function sendWindowed(client: BootClient, image: Uint8Array, from: number, chunk: number, opts: WindowOptions): Promise<number> {
  const w = opts.windowSize;
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW) throw new RangeError(`window size must be 1..${MAX_WINDOW}, got ${w}`);
  if (!(chunk >= 1)) throw new RangeError(`chunk size must be >= 1, got ${chunk}`);
  if (from >= image.length) return Promise.resolve(0);
  return new Promise<number>((resolve, reject) => new Transfer(client, image, from, chunk, opts, resolve, reject).start());
}

/** The state of one {@link sendWindowed} run. */
class Transfer {
  private readonly slots: Slot[] = [];
  private base = 0;
  private nextOff: number;
  private readonly outstanding: Send[] = [];
  private readonly bySeq = new Map<number, Send>();
  private readonly resend: Slot[] = [];
  /** Frames beyond the first unacknowledged one that came back NAKed: maybe the board's extents were full; resent once it moves. */
  private readonly parked: Slot[] = [];
  private sends = 0;
  /** Extra copies sent to keep the line busy (not counted as resends). */
  copies = 0;
  /** Copies sent since the last answer (each one stretches the wait before the next). */
  private quietCopies = 0;
  private lineFree = 0;
  private lastAnswer = performance.now();
  private timeoutsInARow = 0;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: () => void = () => {};
  private readonly sizer: ChunkSizer;
  private readonly stallMs: number;

  constructor(private readonly client: BootClient, private readonly image: Uint8Array, from: number, chunk: number,
              private readonly o: WindowOptions, private readonly resolve: (n: number) => void, private readonly reject: (e: Error) => void) {
    this.nextOff = from;
    this.sizer = o.sizer ?? new ChunkSizer(MIN_CHUNK, chunk);
    this.stallMs = o.stallMs ?? Math.max(8000, 4 * client.rtt.ceilingMs);
  }

  start(): void {
    this.unsubscribe = this.client.onFrame((f) => this.onFrame(f));
    this.pump();
  }

  private finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    if (err) this.reject(err);
    else this.resolve(this.slots.length);
  }

  private limit(): number {
    return Math.min(this.sizer.size, this.sizer.max);
  }

  /** Sends what may go: lost frames first, then unsent frames inside the window. Then re-arms the timer. */
  private pump(): void {
    while (!this.done) {
      const s = this.resend.shift() ?? this.nextUnsent();
      if (!s) break;
      if (s.acked) continue;
      if (this.slots.indexOf(s, this.base) >= this.base + this.o.windowSize) {
        this.park(s); // split frames pushed it out of the window: it waits (the board's extents are few)
        continue;
      }
      this.transmit(s);
    }
    this.fill();
    if (this.done) return;
    if (this.base >= this.slots.length && this.nextOff >= this.image.length) return this.finish(null);
    this.arm();
  }

  /**
   * The line is about to go quiet while frames of the window wait for answers overdue by a round
   * trip (their sends, or the answers, were probably lost and no later answer tells yet): send
   * them once more (at most two sends of a frame in flight) rather than leave the line idle
   * until a timeout. A copy is harmless: the board writes the same bytes again.
   */
  private fill(): void {
    const latency = this.latency();
    const end = Math.min(this.slots.length, this.base + this.o.windowSize);
    for (let i = this.base; i < end && !this.done; i++) {
      const now = performance.now();
      if (this.lineFree > now + latency) return;
      const b = this.slots[i];
      if (this.probeAt(b) <= now) this.transmit(b, true);
    }
  }

  /** Round trip the copies wait for beyond a send's end, ms: longer after each copy no answer followed. */
  private latency(): number {
    return Math.max(2, 1.5 * (this.client.rtt.srtt ?? 0)) * (1 + this.quietCopies);
  }

  /** When slot `b` may get a copy ({@link fill}): its last send's answer overdue by {@link latency}; or Infinity. */
  private probeAt(b: Slot): number {
    if (b.acked || b.queued || b.sends === 0 || b.payload === null || !b.last) return Infinity;
    return b.last.end + this.latency();
  }

  /** The first frame inside the window never sent (a new one at the end when there is room). */
  private nextUnsent(): Slot | null {
    for (let i = this.base; i < this.base + this.o.windowSize; i++) {
      if (i < this.slots.length) {
        if (this.slots[i].sends === 0) return this.slots[i];
        continue;
      }
      if (this.nextOff >= this.image.length) return null;
      const s: Slot = { off: this.nextOff, end: this.image.length, cmd: Cmd.WRITE, payload: null, acked: false, sends: 0, queued: false, last: null, inflight: 0, forgiven: 0, copies: 0 };
      this.plan(s, i);
      this.nextOff = s.end;
      return s;
    }
    return null;
  }

  /** Plans slot `s` (index `i`) at the current size; a remainder beyond the plan becomes its own unsent slot. */
  private plan(s: Slot, i: number): void {
    // A frame re-planned shorter leaves no remainder below half a frame (a tiny frame wastes its overhead).
    const lim = i < this.slots.length && s.end - s.off < 1.5 * this.limit() ? s.end - s.off : this.limit();
    const c = planChunk(this.image, s.off, s.end, lim, this.o.compress ?? false);
    const rest = c.end < s.end && i < this.slots.length ? { off: c.end, end: s.end } : null;
    Object.assign(s, { end: c.end, cmd: c.cmd, payload: c.payload });
    if (i >= this.slots.length) this.slots.push(s);
    if (rest) this.slots.splice(i + 1, 0, { ...rest, cmd: Cmd.WRITE, payload: null, acked: false, sends: 0, queued: false, last: null, inflight: 0, forgiven: 0, copies: 0 });
    const st = this.o.stats;
    if (st && s.sends === 0) {
      if (c.cmd === Cmd.WRITEZ) st.writezs++;
      else st.writes++;
      st.payloadBytes += c.payload.length;
    }
  }

  private transmit(s: Slot, extra = false): void {
    if (s.payload === null) this.plan(s, this.slots.indexOf(s, this.base));
    s.queued = false;
    const seq = this.client.nextSeq();
    const bytes = HEADER_BYTES + s.payload!.length + TRAILER_BYTES + FRAME_PAD;
    const now = performance.now();
    this.lineFree = Math.max(now, this.lineFree) + this.client.wireMs(bytes);
    const send: Send = { slot: s, seq, cmd: s.cmd, n: ++this.sends, end: this.lineFree, answered: false, wire: bytes };
    s.inflight++;
    const reused = this.bySeq.get(seq);
    if (reused) this.answered(reused); // 256 sends ago: an answer with this seq is for the new send
    this.bySeq.set(seq, send);
    this.outstanding.push(send);
    s.last = send;
    if (s.sends++ > 0 && !extra) this.client.retried++;
    if (extra) {
      this.copies++;
      this.quietCopies++;
      s.copies++;
    }
    if (extra && this.o.stats) this.o.stats.copies = (this.o.stats.copies ?? 0) + 1;
    const payload = s.payload!;
    this.chain = this.chain.then(() => (this.done ? undefined : this.client.post(s.cmd, seq, payload, FRAME_PAD))).catch((e) => this.finish(e as Error));
  }

  private onFrame(f: Frame): void {
    if (this.done || (f.type !== (Cmd.WRITE | RESPONSE_BIT) && f.type !== (Cmd.WRITEZ | RESPONSE_BIT)) || f.payload.length < 1) return;
    const send = this.bySeq.get(f.seq);
    if (!send || send.answered || (send.cmd | RESPONSE_BIT) !== f.type) return; // late, or for nothing in flight
    const status = (f.payload[0] << 24) >> 24;
    this.lastAnswer = performance.now();
    this.timeoutsInARow = 0;
    this.quietCopies = 0;
    this.answered(send);
    const at = this.outstanding.indexOf(send);
    if (status === FW_E_FRAME) {
      if (at >= 0) this.outstanding.splice(at, 1);
      // Beyond the first unacknowledged frame a NAK may also mean "extents full": not held against it.
      if (send.slot !== this.slots[this.base]) send.slot.forgiven++;
      this.lose(send, 'board reported a damaged frame');
    } else if (status < 0) {
      return this.finish(new FlashError('E_BOARD', `board refused WRITE: ${fwStatusMessage(status)} (status ${status})`, { seq: send.seq, attempt: send.slot.sends, fwStatus: status }));
    } else if (f.payload.length > SACK_MIN) {
      this.onSack(send, at, decodeSack(f.payload));
    } else {
      // A board without selective acks (a 1-byte answer) answers in order: every earlier send
      // still unanswered was lost, or its answer was.
      for (const lost of at >= 0 ? this.outstanding.splice(0, at + 1).slice(0, -1) : []) this.lose(lost, 'no answer (a later frame was answered)');
      this.acked(send, true);
    }
    if (!this.done) this.pump();
  }

  /**
   * A selective ack for `send` (index `at` in {@link outstanding}): the sends it lists were written
   * (their own answers may have been lost), every earlier unanswered send it does not list was
   * not (the board handles frames in the order they arrive): those go again at once. Frames
   * inside the board's contiguous prefix are written whatever became of their answers.
   */
  private onSack(send: Send, at: number, sack: Sack): void {
    const listed = new Set<Send>([send]);
    for (const q of sack.seqs) {
      const s = this.bySeq.get(q);
      if (s && s.n <= send.n) listed.add(s); // a seq reused by a later send is not the listed one
    }
    const before = at >= 0 ? this.outstanding.splice(0, at + 1) : [];
    for (const s of listed) {
      this.answered(s);
      this.acked(s, s === send);
    }
    for (const s of before) if (!listed.has(s)) this.lose(s, 'not written (a later frame was)', false, true);
    for (let i = this.base; i < this.slots.length && this.slots[i].end <= sack.received; i++) {
      if (!this.slots[i].acked) this.markAcked(this.slots[i]);
    }
    this.advance();
  }

  /** `send` was written; `sample`: its own answer came (a round-trip sample, Karn's rule holds: fresh seqs). */
  private acked(send: Send, sample: boolean): void {
    const s = send.slot;
    if (s.acked) return;
    this.sizer.onAck(send.wire);
    if (sample) this.client.rtt.sample(Math.max(0, performance.now() - send.end));
    this.markAcked(s);
    this.advance();
  }

  private markAcked(s: Slot): void {
    s.acked = true;
    s.queued = false;
  }

  /** Moves the window past acknowledged frames; parked frames go again once it moved. */
  private advance(): void {
    const before = this.base;
    while (this.base < this.slots.length && this.slots[this.base].acked) this.base++;
    if (this.base > before) for (const p of this.parked.splice(0)) this.queue(p);
    if (this.base > before) this.o.onProgress?.(this.slots[this.base - 1].end, { chunk: this.limit(), retries: this.client.retried, rtoMs: this.client.rtt.rto() });
  }

  private answered(send: Send): void {
    if (send.answered) return;
    send.answered = true;
    send.slot.inflight--;
  }

  /** A NAK beyond the first unacknowledged frame: kept until the window moves (not a loss of the line). */
  private park(s: Slot): void {
    if (s.payload !== null && s.payload.length - 4 > this.limit()) s.payload = null; // shorter when it goes again
    s.queued = true;
    if (!this.parked.includes(s)) this.parked.push(s);
  }

  /** Queues `s` to go again, in offset order. */
  private queue(s: Slot): void {
    s.queued = true;
    let k = 0;
    while (k < this.resend.length && this.resend[k].off < s.off) k++;
    this.resend.splice(k, 0, s);
  }

  /** Send `send` got no ack: queue its frame again (shorter when the size went down). */
  private lose(send: Send, why: string, timedOut = false, proven = false): void {
    this.answered(send);
    const s = send.slot;
    // Evidence of a damaged line (a NAK, a selective ack without it, or a later frame answered
    // first) shrinks the frames; a timeout may be only a slow host or board, so it does not.
    if (!timedOut && (proven || !s.acked)) this.sizer.onLoss(send.wire);
    if (s.acked || s.last !== send || s.queued) return;
    if (s.sends - s.forgiven - s.copies >= MAX_FRAME_SENDS) {
      return this.finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE at offset ${s.off} (${why}, ${s.sends} sends)`, { seq: send.seq, attempt: s.sends }));
    }
    // Re-planned shorter at its next send when the size went down; the rest becomes a frame of its own.
    if (s.payload !== null && s.payload.length - 4 > this.limit()) s.payload = null;
    this.queue(s); // counted in the resends the progress line shows; the give-up is logged
  }

  /** Arms the timer: the first outstanding send's timeout, or sooner the next copy {@link fill} may send. */
  private arm(): void {
    clearTimeout(this.timer);
    while (this.outstanding.length > 0 && this.outstanding[0].slot.acked) this.answered(this.outstanding.shift()!);
    const first = this.outstanding[0];
    if (!first) return;
    let at = first.end + this.client.rtt.rto();
    const end = Math.min(this.slots.length, this.base + this.o.windowSize);
    for (let i = this.base; i < end; i++) at = Math.min(at, Math.max(this.probeAt(this.slots[i]), this.lineFree - this.latency()));
    this.timer = setTimeout(() => this.onTimeout(), Math.max(1, at - performance.now()));
  }

  /** Sends whose answer is overdue are lost; the line is resynchronised before they go again. */
  private onTimeout(): void {
    if (this.done) return;
    const now = performance.now();
    if (now - this.lastAnswer > this.stallMs) {
      return this.finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE (no answer for ${Math.round(now - this.lastAnswer)} ms)`));
    }
    const rto = this.client.rtt.rto();
    const overdue: Send[] = [];
    while (this.outstanding.length > 0 && this.outstanding[0].end + rto <= now) overdue.push(this.outstanding.shift()!);
    if (overdue.length === 0) {
      this.fill(); // a copy may go (the line went quiet)
      return this.arm();
    }
    // A silent line: `retries` timeouts in a row with no answer between them end the session (the caller resumes).
    const attempts = this.client.retries + 1;
    const n = ++this.timeoutsInARow;
    const why = `no answer within ${rto} ms`;
    if (n >= attempts) {
      return this.finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE (${why}, ${n} attempts)`, { seq: overdue[0].seq, attempt: n }));
    }
    this.o.log?.(`WRITE seq ${overdue[0].seq}: ${why}; retrying (${attempts - n} attempt(s) left)`);
    this.client.rtt.backoff();
    // A few zeros complete a frame the board's parser still waits for (a dropped byte); more after
    // further timeouts (a length byte hit by noise). The resends behind them feed it too.
    const flush = Math.min(this.client.flushBytes, FIRST_FLUSH_BYTES << (2 * Math.min(n - 1, 2)));
    this.lineFree = Math.max(now, this.lineFree) + this.client.wireMs(flush);
    this.chain = this.chain.then(() => (this.done ? undefined : this.client.resyncAndFlush(flush))).catch((e) => this.finish(e as Error));
    for (const send of overdue) this.lose(send, why, true);
    if (!this.done) this.pump();
  }
}
