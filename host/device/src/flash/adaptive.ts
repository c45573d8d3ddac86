/**
 * What makes the flasher follow the line (docs/flash-protocol.md "Adapting to the line"):
 * {@link RttEstimator}, the retransmission timeout from the measured round trip (RFC 6298's
 * SRTT/RTTVAR, with a floor and a ceiling, doubled after a timeout), and {@link ChunkSizer}, the
 * WRITE payload size from the observed losses (AIMD: a few bytes more per acknowledged frame,
 * half after a loss). Pure state, no I/O.
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
/** Bytes added to the chunk per acknowledged frame (additive increase). */
export const CHUNK_STEP = 8;

/**
 * WRITE payload size by AIMD (after a slow start that doubles it per ack until the first loss):
 * +{@link CHUNK_STEP} bytes per acknowledged frame, halved on every
 * send seen lost or damaged (a NAK, or a later frame answered first; not a bare timeout), in [min, max], starting at {@link START_CHUNK}. At a per-frame loss rate
 * L(n) the size settles where n L / (1 - L) = 2 step (docs/flash-protocol.md). Never throws.
 */
export class ChunkSizer {
  size: number;
  /** Decreases so far. */
  decreases = 0;

  /** @param max the board's limit (max frame - 4); `start` defaults to it. */
  constructor(readonly min: number, readonly max: number, start = Math.min(max, START_CHUNK), readonly step = CHUNK_STEP) {
    this.min = Math.max(1, Math.min(min, max));
    this.size = Math.max(this.min, Math.min(max, Math.floor(start)));
  }

  /** Until the first loss the size doubles per ack (slow start, as TCP's); then +step per ack. */
  private slowStart = true;

  /** A frame was acknowledged. */
  onAck(): void {
    this.size = Math.min(this.max, this.slowStart ? this.size * 2 : this.size + this.step);
  }

  /** A send of a frame that is not acknowledged yet was lost or damaged. */
  onLoss(): void {
    this.slowStart = false;
    this.size = Math.max(this.min, Math.floor(this.size / 2));
    this.decreases++;
  }
}
