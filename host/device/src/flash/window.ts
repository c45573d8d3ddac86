/**
 * Windowed WRITE transfer with selective repeat (docs/flash-protocol.md "Window", "Adapting to the
 * line"): frames from the first unacknowledged one are out, each send with a fresh seq, so every
 * answer names one send. The board answers in the order it hears frames and lists the last frames
 * it wrote (the selective ack, answers.ts): an earlier unanswered send it does not list was lost
 * and goes again at once; a listed one was written though its own answer was lost. NAKs resend;
 * a quiet line gets copies of overdue frames, then timeouts (RTO, a zero flush, resend). Frame
 * sizes follow the estimated loss rate (adaptive.ts ChunkSizer); frames are planned by plan.ts.
 */
import { performance } from 'node:perf_hooks';
import { fwStatusMessage } from '@dendra/core/status.ts';
import { Cmd, HEADER_BYTES, RESPONSE_BIT, TRAILER_BYTES, type Frame } from './frame.ts';
import { planChunk, newSlot, AHEAD_FRAMES, AHEAD_MS, FRAME_PAD, LISTED_SPAN, MAX_FRAME_SENDS, MAX_FRAMES_IN_FLIGHT, MAX_WINDOW, QUIET_SENDS, type Send, type Slot, type WindowOptions } from './plan.ts';
import { decodeSack, SACK_MIN, type Sack } from './answers.ts';
export { planChunk, planChunks, AHEAD_FRAMES, AHEAD_MS, FRAME_PAD, LISTED_SPAN, MAX_FRAME_SENDS, MAX_FRAMES_IN_FLIGHT, MAX_WINDOW, QUIET_SENDS, type Chunk, type TransferStats, type WindowInfo, type WindowOptions } from './plan.ts';
import { BootClient, FIRST_FLUSH_BYTES, FlashError, FW_E_FRAME } from './loader.ts';
import { ChunkSizer, FRAME_OVERHEAD, frameOverhead, MIN_CHUNK, START_CHUNK } from './adaptive.ts';
import { markAcked, markAnswered, ResendQueue, shrinkTo } from './slots.ts';

/**
 * A windowed transfer gave up (one frame could not get through in {@link MAX_FRAME_SENDS} sends,
 * or nothing answered for `stallMs`): code `E_TIMEOUT`, like any timeout, so callers resume.
 */
export class WriteGaveUp extends FlashError {}

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
  /** Frames to send again, and NAKed ones parked until the window moves (slots.ts). */
  private readonly resends = new ResendQueue();
  private sends = 0;
  /** Extra copies sent to keep the line busy (not counted as resends). */
  copies = 0;
  /** Copies sent since the last answer (each one stretches the wait before the next). */
  private quietCopies = 0;
  private lineFree = 0;
  /** The last pump stopped because the line had {@link ahead} ms queued: the timer pumps again as it drains. */
  private paced = false;
  private lastAnswer = performance.now();
  private timeoutsInARow = 0;
  private lastTimeoutAt = -Infinity;
  /** The latest send proven written (its own answer or a selective ack listing it). */
  private lastWrittenN = 0;
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
    this.sizer.overhead = frameOverhead(client.baud);
    if (client.retried > 0) this.sizer.cautious(); // HELLO/BEGIN/STATUS needed retries: a noisy line
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

  /**
   * Frames the window may hold: `windowSize` frames of {@link START_CHUNK} bytes or more; smaller
   * frames (a noisy line) get as many more as keep the same bytes in flight, up to
   * {@link MAX_FRAMES_IN_FLIGHT} (a fast line's round trip must still be covered by 20-byte frames).
   */
  private frames(): number {
    const w = this.o.windowSize;
    return Math.max(w, Math.min(MAX_FRAMES_IN_FLIGHT, Math.ceil((w * START_CHUNK) / Math.max(1, this.limit()))));
  }

  /** How far ahead of the line the host queues frames, ms (plan.ts {@link AHEAD_FRAMES}): not the whole window. */
  private ahead(): number {
    return Math.max(AHEAD_MS, AHEAD_FRAMES * this.client.wireMs(this.limit() + FRAME_OVERHEAD));
  }

  private limit(): number {
    return Math.min(this.sizer.size, this.sizer.max);
  }

  /** Sends what may go: lost frames first, then unsent frames inside the window. Then re-arms the timer. */
  private pump(): void {
    this.paced = false;
    while (!this.done && !this.quiet()) {
      if (this.lineFree - performance.now() > this.ahead()) {
        this.paced = true;
        break;
      }
      const s = this.resends.shift() ?? this.nextUnsent();
      if (!s) break;
      if (s.acked) continue;
      if (this.slots.indexOf(s, this.base) >= this.base + this.frames()) {
        this.resends.park(s, this.limit()); // split frames pushed it out of the window: it waits (the board's extents are few)
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
   * them once more rather than leave the line idle until a timeout; each copy with no answer
   * after it stretches the wait for the next ({@link latency}). A copy is harmless: the board
   * writes the same bytes again.
   */
  private fill(): void {
    const latency = this.latency();
    const end = Math.min(this.slots.length, this.base + this.frames());
    for (let i = this.base; i < end && !this.done && !this.quiet(); i++) {
      const now = performance.now();
      if (this.lineFree > now + latency) return;
      const b = this.slots[i];
      if (this.probeAt(b) <= now) this.transmit(b, true);
    }
  }

  /**
   * True when {@link QUIET_SENDS} sends went out since the latest one proven written (a stalled
   * board, or a line that lets nothing through): nothing more goes but one frame per timeout, so
   * seqs are not reused while the board may still list an old send with the same seq.
   */
  private quiet(): boolean {
    return this.sends - this.lastWrittenN >= QUIET_SENDS;
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
    for (let i = this.base; i < this.base + this.frames(); i++) {
      if (i < this.slots.length) {
        if (this.slots[i].sends === 0) return this.slots[i];
        continue;
      }
      if (this.nextOff >= this.image.length) return null;
      const s = newSlot(this.nextOff, this.image.length);
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
    if (rest) this.slots.splice(i + 1, 0, newSlot(rest.off, rest.end));
    const st = this.o.stats;
    if (st && s.sends === 0) {
      if (c.cmd === Cmd.WRITEZ) st.writezs++;
      else st.writes++;
      st.payloadBytes += c.payload.length;
    }
  }

  private transmit(s: Slot, extra = false): void {
    if (extra) shrinkTo(s, this.limit()); // a copy goes at the size the line allows now
    if (s.payload === null) this.plan(s, this.slots.indexOf(s, this.base));
    s.queued = false;
    const seq = this.client.nextSeq();
    const bytes = HEADER_BYTES + s.payload!.length + TRAILER_BYTES + FRAME_PAD;
    const now = performance.now();
    this.lineFree = Math.max(now, this.lineFree) + this.client.wireMs(bytes);
    const send: Send = { slot: s, seq, cmd: s.cmd, n: ++this.sends, end: this.lineFree, answered: false, wire: bytes };
    s.inflight++;
    const reused = this.bySeq.get(seq);
    if (reused) markAnswered(reused); // 256 sends ago: an answer with this seq is for the new send
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
    const cmd = s.cmd; // taken now: the slot may be planned again (WRITEZ -> WRITE) before the chain sends it
    this.chain = this.chain.then(() => (this.done ? undefined : this.client.post(cmd, seq, payload, FRAME_PAD))).catch((e) => this.finish(e as Error));
  }

  private onFrame(f: Frame): void {
    if (this.done || (f.type !== (Cmd.WRITE | RESPONSE_BIT) && f.type !== (Cmd.WRITEZ | RESPONSE_BIT)) || f.payload.length < 1) return;
    const send = this.bySeq.get(f.seq);
    if (!send || send.answered || (send.cmd | RESPONSE_BIT) !== f.type) return; // late, or for nothing in flight
    const status = (f.payload[0] << 24) >> 24;
    this.lastAnswer = performance.now();
    this.timeoutsInARow = 0;
    this.quietCopies = 0;
    markAnswered(send);
    const at = this.outstanding.indexOf(send);
    if (status === FW_E_FRAME) {
      if (at >= 0) this.outstanding.splice(at, 1);
      // Beyond the first unacknowledged frame a NAK may also mean "extents full": not held against it.
      if (send.slot !== this.slots[this.base]) send.slot.forgiven++;
      this.lose(send, 'board reported a damaged frame');
    } else if (status < 0) {
      return this.finish(new FlashError('E_BOARD', `board refused WRITE: ${fwStatusMessage(status)} (status ${status})`, { seq: send.seq, attempt: send.slot.sends, fwStatus: status }));
    } else if (f.payload.length > SACK_MIN && this.o.selectiveAck !== false) {
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
      // The board's last writes are a few sends back; a send with the seq that is later than the
      // answered one, or far back (its seq may be reused: see quiet()), is not taken as written.
      if (s && s.n <= send.n && send.n - s.n <= LISTED_SPAN) listed.add(s);
    }
    const before = at >= 0 ? this.outstanding.splice(0, at + 1) : [];
    for (const s of listed) {
      markAnswered(s);
      this.acked(s, s === send);
    }
    for (const s of before) if (!listed.has(s)) this.lose(s, 'not written (a later frame was)', false, true);
    for (let i = this.base; i < this.slots.length && this.slots[i].end <= sack.received; i++) {
      if (!this.slots[i].acked) markAcked(this.slots[i]);
    }
    this.advance();
  }

  /** `send` was written; `sample`: its own answer came (a round-trip sample, Karn's rule holds: fresh seqs). */
  private acked(send: Send, sample: boolean): void {
    this.lastWrittenN = Math.max(this.lastWrittenN, send.n);
    const s = send.slot;
    if (s.acked) return;
    this.sizer.onAck(send.wire);
    if (sample) this.client.rtt.sample(Math.max(0, performance.now() - send.end));
    markAcked(s);
    this.advance();
  }

  /** Moves the window past acknowledged frames; parked frames go again once it moved. */
  private advance(): void {
    const before = this.base;
    while (this.base < this.slots.length && this.slots[this.base].acked) this.base++;
    if (this.base > before) this.resends.releaseParked();
    if (this.base > before) this.o.onProgress?.(this.slots[this.base - 1].end, { chunk: this.limit(), retries: this.client.retried, rtoMs: this.client.rtt.rto() });
  }

  /** Send `send` got no ack: queue its frame again (shorter when the size went down). */
  private lose(send: Send, why: string, timedOut = false, proven = false): void {
    markAnswered(send);
    const s = send.slot;
    // Evidence of a damaged line (a NAK, a selective ack without it, or a later frame answered
    // first) shrinks the frames; a timeout may be only a slow host or board, so it does not.
    if (!timedOut && (proven || !s.acked)) this.sizer.onLoss(send.wire);
    if (s.acked || s.last !== send || s.queued) return;
    if (s.sends - s.forgiven - s.copies >= MAX_FRAME_SENDS) {
      return this.finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE at offset ${s.off} (${why}, ${s.sends} sends)`, { seq: send.seq, attempt: s.sends }));
    }
    // Re-planned shorter at its next send when the size went down; the rest becomes a frame of its own.
    shrinkTo(s, this.limit());
    this.resends.queue(s); // counted in the resends the progress line shows; the give-up is logged
  }

  /** Arms the timer: the first outstanding send's timeout, or sooner the next copy {@link fill} may send. */
  private arm(): void {
    clearTimeout(this.timer);
    while (this.outstanding.length > 0 && this.outstanding[0].slot.acked) markAnswered(this.outstanding.shift()!);
    const first = this.outstanding[0];
    if (!first) { // a quiet window (nothing may go): the next timeout probes
      this.timer = setTimeout(() => this.onTimeout(), this.client.rtt.rto());
      return;
    }
    let at = first.end + this.client.rtt.rto();
    if (this.paced) at = Math.min(at, this.lineFree - this.ahead());
    const end = Math.min(this.slots.length, this.base + this.frames());
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
    if (overdue.length === 0 && (this.outstanding.length > 0 || this.paced)) return this.pump(); // the line drained, or a copy may go
    // Sends that fall due within a timeout of the last one belong to the same silence: lost, not counted again.
    if (overdue.length > 0 && now - this.lastTimeoutAt < rto) {
      for (const send of overdue) this.lose(send, `no answer within ${rto} ms`, true);
      if (!this.done) this.pump();
      return;
    }
    this.lastTimeoutAt = now;
    // A silent line: `retries` timeouts in a row with no answer between them end the session (the caller resumes).
    const attempts = this.client.retries + 1;
    const n = ++this.timeoutsInARow;
    const why = `no answer within ${rto} ms`;
    if (n >= attempts) {
      return this.finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE (${why}, ${n} attempts)`, { seq: overdue[0]?.seq, attempt: n }));
    }
    this.o.log?.(`WRITE${overdue.length > 0 ? ` seq ${overdue[0].seq}` : 's'}: ${why}; retrying (${attempts - n} attempt(s) left)`);
    this.client.rtt.backoff();
    // A few zeros complete a frame the board's parser still waits for (a dropped byte); more after
    // further timeouts (a length byte hit by noise). The resends behind them feed it too.
    const flush = Math.min(this.client.flushBytes, FIRST_FLUSH_BYTES << (2 * Math.min(n - 1, 2)));
    this.lineFree = Math.max(now, this.lineFree) + this.client.wireMs(flush);
    this.chain = this.chain.then(() => (this.done ? undefined : this.client.resyncAndFlush(flush))).catch((e) => this.finish(e as Error));
    for (const send of overdue) this.lose(send, why, true);
    if (this.done) return;
    const first = this.quiet() ? this.slots.slice(this.base).find((x) => !x.acked) : undefined;
    if (first) this.transmit(first); // a quiet window still probes, one frame per timeout
    this.pump();
  }
}
