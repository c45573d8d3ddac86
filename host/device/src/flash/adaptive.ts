/**
 * What makes the flasher follow the line (docs/flash-protocol.md "Adapting to the line"):
 * {@link RttEstimator}, the retransmission timeout from the measured round trip (RFC 6298's
 * SRTT/RTTVAR, with a floor and a ceiling, doubled after a timeout), and {@link ChunkSizer}, the
 * WRITE payload size from the observed losses (slow start, 
 * then the size that carries most data at the estimated per-byte loss rate). Pure state, no I/O.
 */

/** Smallest timeout the estimator gives, ms (a loaded host stalls for tens of ms). */
export const RTO_FLOOR_MS = 100;
import { RTO_CEILING_MS } from './defaults.ts';
/** Default largest timeout, ms (`dendra flash --timeout`; defined in defaults.ts). */
export { RTO_CEILING_MS };
/** Timeout before the first round-trip sample, ms (RFC 6298 says 1 s; a serial board answers faster). */
export const RTO_INITIAL_MS = 500;

/** Options of {@link RttEstimator}. */
export interface RttOptions {
  /** Timeout before any sample (clamped to floor..ceiling), ms. */
  initialMs?: number;
  floorMs?: number;
  ceilingMs?: number;
}

/**
 * Retransmission timeout from round-trip samples: SRTT += (R - SRTT) / 8, RTTVAR += (|SRTT - R|
 * - RTTVAR) / 4, RTO = SRTT + max(4 RTTVAR, floor / 2), times the backoff (doubled per timeout,
 * reset by the next sample), clamped to [floor, ceiling]. Samples must come from answers that
 * cannot be confused with another send (a fresh seq per send, or Karn's rule). Never throws.
 */
export class RttEstimator {
  srtt: number | null = null;
  rttvar = 0;
  private backoffFactor = 1;
  readonly floorMs: number;
  readonly ceilingMs: number;
  private readonly initialMs: number;
  /** Round-trip samples taken. */
  samples = 0;

  constructor(o: RttOptions = {}) {
    this.ceilingMs = Math.max(1, o.ceilingMs ?? RTO_CEILING_MS);
    this.floorMs = Math.min(this.ceilingMs, Math.max(1, o.floorMs ?? RTO_FLOOR_MS));
    this.initialMs = o.initialMs ?? RTO_INITIAL_MS;
  }

  /** Adds one round-trip sample (ms); ignores negative or non-finite ones. */
  sample(ms: number): void {
    if (!(ms >= 0 && Number.isFinite(ms))) return;
    if (this.srtt === null) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.samples++;
    this.backoffFactor = 1;
  }

  /** A timeout happened: the next timeouts are twice as long (up to the ceiling) until a sample. */
  backoff(): void {
    this.backoffFactor = Math.min(this.backoffFactor * 2, 64);
  }

  /** The current retransmission timeout, ms, in [floor, ceiling]. */
  rto(): number {
    const base = this.srtt === null ? this.initialMs : this.srtt + Math.max(4 * this.rttvar, this.floorMs / 2);
    return Math.round(Math.min(this.ceilingMs, Math.max(this.floorMs, base * this.backoffFactor)));
  }
}

/** Smallest WRITE payload the sizer goes down to, bytes. */
export const MIN_CHUNK = 16;
/** Largest first WRITE payload, bytes: the size grows from here on a clean line (a 1 KiB frame rarely survives 1% faults). */
export const START_CHUNK = 256;
/** First WRITE payload when the commands before it needed retries (ChunkSizer.cautious). */
export const CAUTIOUS_CHUNK = 64;
/** Wire bytes of a WRITE frame besides its data: header 6, offset 4, CRC 4, pad 1 (plan.ts FRAME_PAD). */
export const FRAME_OVERHEAD = 15;
/**
 * Time one frame costs besides its bytes, ms: the board's and the host's handling of it and of
 * its answer. The sizer counts it as overhead bytes at the line rate ({@link frameOverhead}): at
 * 921600 baud it is worth more than the header, at 115200 little.
 */
export const FRAME_COST_MS = 0.25;

/** Overhead of a frame for the sizer at `baud`: {@link FRAME_OVERHEAD} plus {@link FRAME_COST_MS} of line. Never throws. */
export function frameOverhead(baud: number): number {
  return FRAME_OVERHEAD + Math.round((FRAME_COST_MS * Math.max(0, baud)) / 10_000);
}

/** Outcomes the estimate needs before it sets the size (before: the halving of the first loss holds). */
export const MIN_OUTCOMES = 8;
/** Weight an older outcome keeps per newer one (the estimate follows about the last 30 frames). */
export const LOSS_DECAY = 0.97;

/**
 * The payload size that carries the most data per wire byte when each wire byte is lost with
 * probability `eps` and a frame costs `overhead` bytes besides its data: d / (d + h) * (1 - eps)^(d + h)
 * is largest at d = (sqrt(h^2 + 4 h / lambda) - h) / 2 with lambda = -ln(1 - eps). Infinity for eps <= 0.
 */
export function optimalChunk(eps: number, overhead = FRAME_OVERHEAD): number {
  if (!(eps > 0)) return Infinity;
  const lambda = -Math.log1p(-Math.min(eps, 0.5));
  return (Math.sqrt(overhead * overhead + (4 * overhead) / lambda) - overhead) / 2;
}

/**
 * WRITE payload size from the observed loss of frames on the line to the board (docs/flash-protocol.md
 * "Adapting to the line"). Until the first loss the size doubles per ack (slow start, as TCP's);
 * then it is {@link optimalChunk} of the per-byte loss rate estimated from the last frames' fates
 * and wire sizes (decayed by {@link LOSS_DECAY}, with a quarter of a loss as prior so a clean
 * stretch does not claim a perfect line), in [min, max]. Outcomes are what the selective acks
 * prove (a frame written, or one the board did not write while a later one was), never a bare
 * timeout (maybe a slow host). Never throws.
 */
export class ChunkSizer {
  size: number;
  /** Losses seen so far. */
  decreases = 0;
  private slowStart = true;
  private frames = 0;
  private lost = 0;
  private bytes = 0;
  /** Overhead per frame the size optimises for, bytes ({@link frameOverhead}; the transfer sets it from the baud). */
  overhead = FRAME_OVERHEAD;

  /** @param max the board's limit (max frame - 4); `start` defaults to min(max, {@link START_CHUNK}). */
  constructor(readonly min: number, readonly max: number, start = Math.min(max, START_CHUNK)) {
    this.min = Math.max(1, Math.min(min, max));
    this.size = Math.max(this.min, Math.min(max, Math.floor(start)));
  }

  /** The per-byte loss rate the sizer currently estimates (0 before any outcome). */
  lossRate(): number {
    if (this.frames === 0) return 0;
    const q = Math.min(0.99, (this.lost + 0.25) / (this.frames + 1));
    return -Math.expm1(Math.log1p(-q) / (this.bytes / this.frames));
  }

  private outcome(lost: boolean, wireBytes: number): void {
    this.frames = this.frames * LOSS_DECAY + 1;
    this.lost = this.lost * LOSS_DECAY + (lost ? 1 : 0);
    this.bytes = this.bytes * LOSS_DECAY + Math.max(1, wireBytes);
    if (this.slowStart || this.frames < MIN_OUTCOMES) return;
    this.size = Math.max(this.min, Math.min(this.max, Math.floor(optimalChunk(this.lossRate(), this.overhead))));
  }

  /**
   * The commands before the first WRITE needed retries (the line is noisy, maybe very): before any
   * outcome, start at {@link CAUTIOUS_CHUNK} rather than {@link START_CHUNK} (slow start doubles it
   * back within a few acks on a line that is only a little noisy). No effect once frames were judged.
   */
  cautious(): void {
    if (this.frames === 0 && this.slowStart) this.size = Math.max(this.min, Math.min(this.size, CAUTIOUS_CHUNK));
  }

  /** A frame of `wireBytes` bytes on the wire was written by the board (default: the current size's). */
  onAck(wireBytes = this.size + FRAME_OVERHEAD): void {
    if (this.slowStart) this.size = Math.min(this.max, this.size * 2);
    this.outcome(false, wireBytes);
  }

  /** A send of `wireBytes` bytes was lost or damaged on its way to the board. */
  onLoss(wireBytes = this.size + FRAME_OVERHEAD): void {
    this.decreases++;
    if (this.slowStart) {
      this.slowStart = false;
      this.size = Math.max(this.min, Math.floor(this.size / 2));
    }
    this.outcome(true, wireBytes);
  }
}
