/**
 * DMA channel 1 of the simulated board: the pack front-end. It replays a seeded simulated pack
 * (host/src/pack/replay.ts): frame k is the per-cell feature rows of the window ending at cycle
 * WINDOW + k, f32 little-endian [16 cells][54 features] (3456 bytes, boards/ "pack" channel).
 * Frame k is due at k x `periodMs` of board time (default one simulated hour per pack cycle: an
 * accelerated replay, so a 30-day grid replay shows hundreds of cycles).
 */
import { InputError } from '../errors.ts';
import { DMA_BUSY, DMA_DONE, DMA_END, DMA_E_ARG, HOUR_MS } from './sensors.ts';

/** What the HAL needs of a DMA channel (WindowDma and PackDma). */
export interface DmaChannel {
  begin(dst: number, len: number, nowMs: number): number;
  status(nowMs: number, mem: Uint8Array): number;
  abort(): void;
  dueMs(): number | null;
}

/** Replays pack feature frames on DMA channel 1. */
export class PackDma implements DmaChannel {
  /** Next frame index to deliver. */
  next = 0;
  private pending: { dst: number; len: number; dueMs: number; k: number } | null = null;
  private state: number = DMA_DONE;
  /** Bytes of one frame. */
  readonly frameBytes: number;

  /**
   * @throws InputError `E_DATA` when there are no frames, they differ in length, or periodMs is not > 0.
   */
  constructor(private readonly frames: Float32Array[], readonly periodMs = HOUR_MS, readonly transferMs = 1) {
    if (frames.length === 0) throw new InputError('E_DATA', 'pack replay has no frames');
    this.frameBytes = frames[0].length * 4;
    if (frames.some((f) => f.length * 4 !== this.frameBytes)) throw new InputError('E_DATA', 'pack replay frames differ in length');
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new InputError('E_DATA', `pack frame period ${periodMs} ms must be > 0`);
  }

  /** Frames in the replay. */
  get length(): number { return this.frames.length; }

  /** Starts the next frame into [dst, dst+len): 0, or DMA_E_ARG when len is not one frame. */
  begin(dst: number, len: number, nowMs: number): number {
    if (len !== this.frameBytes) return DMA_E_ARG;
    const k = this.next;
    if (k >= this.frames.length) {
      this.pending = null;
      this.state = DMA_END;
      return 0;
    }
    this.pending = { dst, len, k, dueMs: Math.max(nowMs + this.transferMs, k * this.periodMs) };
    this.state = DMA_BUSY;
    return 0;
  }

  /** Cancels a pending transfer (the board rebooted); the stream position is kept. */
  abort(): void {
    if (this.pending !== null) this.state = DMA_DONE;
    this.pending = null;
  }

  /** Board time when the pending transfer completes, or null. */
  dueMs(): number | null {
    return this.pending?.dueMs ?? null;
  }

  /** Status at `nowMs`; completes a due transfer by copying the frame into `mem`. */
  status(nowMs: number, mem: Uint8Array): number {
    const p = this.pending;
    if (p === null || nowMs < p.dueMs) return this.state;
    const f = this.frames[p.k];
    if (p.dst + p.len > mem.length) return DMA_E_ARG;
    mem.set(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), p.dst);
    this.pending = null;
    this.next = p.k + 1;
    this.state = DMA_DONE;
    return DMA_DONE;
  }
}
