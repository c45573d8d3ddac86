/**
 * Seeded line faults for the simulated UART: applied by the simulator to the bytes the board
 * receives from and sends to the pty (so the host's real serialport path sees them). Per byte,
 * in this order: drop (dropRate), flip one random bit (flipRate), duplicate (dupRate). With
 * `silenceAfterBytes` (or {@link LineFaults.disconnectAfter}), the line goes dead (every byte
 * dropped, both ways) once that many bytes have crossed it, until {@link LineFaults.reconnect}:
 * a cable pulled mid-transfer.
 */
import { mulberry32 } from '@dendra/core/random.ts';

/** Options of {@link LineFaults} (rates are probabilities per byte, 0..1). */
export interface LineFaultOptions {
  /** PRNG seed (runs with the same seed and the same traffic fault the same bytes). */
  seed: number;
  dropRate?: number;
  flipRate?: number;
  dupRate?: number;
  /** The line goes silent after this many bytes (both directions together). */
  silenceAfterBytes?: number;
}

/** What the faults did so far. */
export interface LineFaultStats {
  bytes: number;
  dropped: number;
  flipped: number;
  duplicated: number;
  silenced: number;
}

function checkRate(name: string, v: number | undefined): number {
  const r = v ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`lineFaults.${name} must be in 0..1, got ${v}`);
  return r;
}

/** A fault injector for one serial line (both directions share the PRNG and the byte count). */
export class LineFaults {
  private readonly rand: () => number;
  private readonly drop: number;
  private readonly flip: number;
  private readonly dup: number;
  private silenceAt: number;
  /** Counters (for test reports). */
  readonly stats: LineFaultStats = { bytes: 0, dropped: 0, flipped: 0, duplicated: 0, silenced: 0 };

  /** @throws RangeError for a rate outside 0..1 or a negative silenceAfterBytes. */
  constructor(opts: LineFaultOptions) {
    this.rand = mulberry32(opts.seed);
    this.drop = checkRate('dropRate', opts.dropRate);
    this.flip = checkRate('flipRate', opts.flipRate);
    this.dup = checkRate('dupRate', opts.dupRate);
    const s = opts.silenceAfterBytes;
    if (s !== undefined && !(s >= 0)) throw new RangeError(`lineFaults.silenceAfterBytes must be >= 0, got ${s}`);
    this.silenceAt = s ?? Infinity;
  }

  /** True while the line is dead (after silenceAfterBytes, before reconnect). */
  get silent(): boolean {
    return this.stats.bytes >= this.silenceAt;
  }

  /** False: bytes pass untouched and uncounted (faults paused); silence is kept. */
  enabled = true;

  /** Brings a silenced line back (and disarms a pending silence). */
  reconnect(): void {
    this.silenceAt = Infinity;
  }

  /**
   * Arms a disconnect: the line goes silent after `n` more bytes (counted while enabled).
   * @throws RangeError for a negative or non-integer n.
   */
  disconnectAfter(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`disconnectAfter needs an integer >= 0, got ${n}`);
    this.silenceAt = this.stats.bytes + n;
  }

  /** Returns the bytes as they arrive at the other end (a new array; never throws). */
  apply(bytes: Uint8Array): Uint8Array {
    if (!this.enabled) return bytes.slice();
    const out: number[] = [];
    for (const b of bytes) {
      if (this.silent) {
        this.stats.silenced++;
        continue;
      }
      this.stats.bytes++;
      if (this.drop > 0 && this.rand() < this.drop) {
        this.stats.dropped++;
        continue;
      }
      let v = b;
      if (this.flip > 0 && this.rand() < this.flip) {
        v ^= 1 << Math.floor(this.rand() * 8);
        this.stats.flipped++;
      }
      out.push(v);
      if (this.dup > 0 && this.rand() < this.dup) {
        out.push(v);
        this.stats.duplicated++;
      }
    }
    return Uint8Array.from(out);
  }
}
