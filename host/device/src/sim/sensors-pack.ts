/**
 * DMA channel 1 of the simulated board: the pack front-end. It replays a seeded simulated pack
 * (host/models/src/pack/replay.ts): frame k is the per-cell feature rows of the window ending at cycle
 * WINDOW + k, f32 little-endian [16 cells][54 features] (3456 bytes, boards/ "pack" channel).
 * Frame k is due at k x `periodMs` of board time (default one simulated hour per pack cycle: an
 * accelerated replay, so a 30-day grid replay shows hundreds of cycles).
 */
import { InputError } from '@dendra/core/errors.ts';
import { FrameDma, HOUR_MS } from './sensors.ts';

/** Replays pack feature frames on DMA channel 1. */
export class PackDma extends FrameDma {
  /**
   * @throws InputError `E_DATA` when there are no frames, they differ in length, or periodMs is not > 0.
   */
  constructor(private readonly frames: Float32Array[], periodMs = HOUR_MS, transferMs = 1) {
    super((frames[0]?.length ?? 0) * 4, periodMs, transferMs);
    if (frames.length === 0) throw new InputError('E_DATA', 'pack replay has no frames');
    if (frames.some((f) => f.length * 4 !== this.frameBytes)) throw new InputError('E_DATA', 'pack replay frames differ in length');
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new InputError('E_DATA', `pack frame period ${periodMs} ms must be > 0`);
  }

  /** Frames in the replay. */
  get length(): number {
    return this.frames.length;
  }

  protected frame(k: number): Uint8Array {
    const f = this.frames[k];
    return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  }
}

/** The runtime's pack replay text of the frames: one source, @dendra/models pack/frames.ts. */
export { packFramesCsv } from '@dendra/models/pack/frames.ts';
