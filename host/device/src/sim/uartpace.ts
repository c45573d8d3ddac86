/**
 * Wire pacing for the simulated UART: bytes cross the line no faster than the configured baud
 * allows (8N1: 10 bit times per byte), one {@link WirePacer} per direction. Each byte's arrival
 * time is computed on a virtual line clock (`max(pushed, line free) + 10 / baud`), so a late
 * timer delays delivery but never loses line capacity: a long transfer runs at the line rate,
 * not below it. Bytes are delivered in order, in batches of what has "arrived" by the time the
 * timer fires (at least every {@link MIN_TICK_MS} ms while bytes are queued).
 */
import { performance } from 'node:perf_hooks';

/** Bits on the wire per byte in 8N1 framing (start + 8 data + stop). */
export const BITS_PER_BYTE = 10;
/** Shortest wait between deliveries, ms (Node timers are about 1 ms grained). */
export const MIN_TICK_MS = 1;

/** One queued write: its bytes, how many were delivered, when its first byte started, its rate. */
interface Pending {
  bytes: Uint8Array;
  done: number;
  /** performance.now() at which the first byte started on the wire. */
  startMs: number;
  /** Bytes per ms at the baud in force when it was queued. */
  perMs: number;
}

/**
 * Paces one direction of a serial line. `deliver` receives the bytes once they crossed the wire.
 * A baud change ({@link setBaud}) applies to bytes queued afterwards (a UART switches once its
 * TX shift register drained), so an ACK queued before a switch still leaves at the old rate.
 */
export class WirePacer {
  private queue: Pending[] = [];
  private lineFreeMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private perMs: number;
  private closed = false;
  /** Bytes delivered so far. */
  delivered = 0;

  /**
   * @param baud line rate in bit/s.
   * @param deliver called with each batch of bytes that finished crossing the line.
   * @throws RangeError for a baud that is not a positive finite number.
   */
  constructor(baud: number, private readonly deliver: (bytes: Uint8Array) => void) {
    this.perMs = rate(baud);
  }

  /** The baud in force for newly queued bytes. */
  get baud(): number {
    return (this.perMs * 1000 * BITS_PER_BYTE);
  }

  /** Changes the baud for bytes queued from now on. @throws RangeError as the constructor. */
  setBaud(baud: number): void {
    this.perMs = rate(baud);
  }

  /** Queues bytes for the line (copied). Ignored after {@link close}. Never throws. */
  push(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    const now = performance.now();
    const startMs = Math.max(now, this.lineFreeMs);
    this.lineFreeMs = startMs + bytes.length / this.perMs;
    this.queue.push({ bytes: bytes.slice(), done: 0, startMs, perMs: this.perMs });
    this.pump();
  }

  /** Bytes queued and not yet delivered. */
  pending(): number {
    return this.queue.reduce((n, p) => n + p.bytes.length - p.done, 0);
  }

  /** Drops what is queued (a pulled cable, a power cut) and frees the line. */
  clear(): void {
    this.queue = [];
    this.lineFreeMs = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops delivering for good (pending bytes are dropped). */
  close(): void {
    this.closed = true;
    this.clear();
  }

  private pump(): void {
    if (this.timer) return;
    const now = performance.now();
    const out: Uint8Array[] = [];
    while (this.queue.length > 0) {
      const p = this.queue[0];
      const arrived = Math.min(p.bytes.length, Math.floor((now - p.startMs) * p.perMs + 1e-9));
      if (arrived > p.done) {
        out.push(p.bytes.subarray(p.done, arrived));
        p.done = arrived;
      }
      if (p.done < p.bytes.length) break;
      this.queue.shift();
    }
    if (out.length > 0) {
      const all = out.length === 1 ? out[0] : Buffer.concat(out);
      this.delivered += all.length;
      this.deliver(new Uint8Array(all));
    }
    if (this.queue.length === 0 || this.closed) return;
    const head = this.queue[0];
    const nextAt = head.startMs + (head.done + 1) / head.perMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(MIN_TICK_MS, nextAt - now));
  }
}

/** Both directions of a paced line: `tx` board -> host, `rx` host -> board. */
export interface PacedWire {
  tx: WirePacer;
  rx: WirePacer;
  /** Sets both directions' baud (bytes queued afterwards). @throws RangeError as WirePacer. */
  setBaud(baud: number): void;
  /** Closes both directions. */
  close(): void;
}

/** Makes a {@link PacedWire} at `baud`. @throws RangeError for a bad baud. */
export function pacedWire(baud: number, toHost: (b: Uint8Array) => void, toBoard: (b: Uint8Array) => void): PacedWire {
  const tx = new WirePacer(baud, toHost);
  const rx = new WirePacer(baud, toBoard);
  return {
    tx, rx,
    setBaud: (b) => { tx.setBaud(b); rx.setBaud(b); },
    close: () => { tx.close(); rx.close(); },
  };
}

function rate(baud: number): number {
  if (!(Number.isFinite(baud) && baud > 0)) throw new RangeError(`baud must be a positive number, got ${baud}`);
  return baud / BITS_PER_BYTE / 1000;
}
