/**
 * Sensor replay for the simulated board: the ETT CSV (date + 7 channels) as the transformer
 * front-end, delivered by DMA channel 0 one window per simulated hour. Window k is CSV data rows
 * [start + k, start + k + 96) as f32, time-major [96][7] (CONTRACTS.md "HAL imports").
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';

/** ETT channel order (= CSV column order after the date). */
export const ETT_CHANNELS = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'] as const;
/** Hours per window. */
export const WINDOW_HOURS = 96;
/** Default first row of the replay: the start of the test split. */
export const DEFAULT_START = 11520;
/** One simulated hour in board milliseconds. */
export const HOUR_MS = 3_600_000;

/** Replay data: `rows` x `channels` f32, row-major. */
export interface SensorData {
  rows: number;
  channels: number;
  values: Float32Array;
}

/**
 * Reads an ETT-style CSV: a header `date,<channels...>` then one row per hour.
 * @throws InputError `E_DATA` when the file is missing, the header does not name the 7 ETT
 *   channels in order, or a value is not a finite number (the message names the line).
 */
export function readEttCsv(path: string): SensorData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('E_DATA', `cannot read sensor data ${path}: ${(e as Error).message}`, path);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',').slice(1).map((s) => s.trim());
  if (header.join(',') !== ETT_CHANNELS.join(',')) {
    throw new InputError('E_DATA', `${path}: header must be date,${ETT_CHANNELS.join(',')}`, path);
  }
  const n = ETT_CHANNELS.length;
  const values = new Float32Array((lines.length - 1) * n);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',');
    if (cells.length !== n + 1) throw new InputError('E_DATA', `${path}:${r + 1}: expected ${n + 1} columns, got ${cells.length}`, path);
    for (let c = 0; c < n; c++) {
      const v = Number(cells[c + 1]);
      if (!Number.isFinite(v)) throw new InputError('E_DATA', `${path}:${r + 1}: ${ETT_CHANNELS[c]} is not a number`, path);
      values[(r - 1) * n + c] = v;
    }
  }
  return { rows: lines.length - 1, channels: n, values };
}

/** DMA channel states as `dma_status` reports them. */
export const DMA_BUSY = 0;
export const DMA_DONE = 1;
export const DMA_END = 2;
/** Error statuses of the DMA imports. */
export const DMA_E_CHANNEL = -1;
export const DMA_E_ARG = -2;

/** What the HAL needs of a DMA channel (WindowDma, PackDma). */
export interface DmaChannel {
  begin(dst: number, len: number, nowMs: number): number;
  status(nowMs: number, mem: Uint8Array): number;
  abort(): void;
  dueMs(): number | null;
}

/**
 * A DMA channel that replays a numbered stream of equal-sized frames: `begin` requests the next
 * frame; it is "transferred" (copied into linear memory, status done) once the board clock
 * reaches frame k's due time (k x `periodMs` after boot) plus a short transfer time; until then
 * status is busy; after the last frame status is end. Subclasses say how many frames there are
 * and what frame k holds.
 */
export abstract class FrameDma implements DmaChannel {
  /** Next frame index to deliver. */
  next = 0;
  private pending: { dst: number; len: number; dueMs: number; k: number } | null = null;
  private state: number = DMA_DONE;

  constructor(readonly frameBytes: number, readonly periodMs: number, readonly transferMs: number) {}

  /** Frames in the stream. */
  abstract get length(): number;
  /** The bytes of frame k (0 <= k < length), exactly {@link frameBytes} long. */
  protected abstract frame(k: number): Uint8Array;

  /** Starts the next frame into [dst, dst+len): 0, or DMA_E_ARG when len is not one frame. */
  begin(dst: number, len: number, nowMs: number): number {
    if (len !== this.frameBytes) return DMA_E_ARG;
    const k = this.next;
    if (k >= this.length) {
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

  /** Board time when the pending transfer completes, or null when none is pending. */
  dueMs(): number | null {
    return this.pending?.dueMs ?? null;
  }

  /** Status at `nowMs`; completes a due transfer by copying the frame into `mem` (DMA_E_ARG when it does not fit). */
  status(nowMs: number, mem: Uint8Array): number {
    const p = this.pending;
    if (p === null || nowMs < p.dueMs) return this.state;
    if (p.dst + p.len > mem.length) return DMA_E_ARG;
    mem.set(this.frame(p.k), p.dst);
    this.pending = null;
    this.next = p.k + 1;
    this.state = DMA_DONE;
    return DMA_DONE;
  }
}

/**
 * DMA channel 0 of the simulated board: window k (CSV rows [start + k, start + k + 96) as f32,
 * time-major) is due k simulated hours after boot.
 */
export class WindowDma extends FrameDma {
  /**
   * @throws InputError `E_DATA` when `start` is not a row index or leaves no full window.
   */
  constructor(private readonly data: SensorData, readonly start = DEFAULT_START, transferMs = 1) {
    super(WINDOW_HOURS * data.channels * 4, HOUR_MS, transferMs);
    if (!Number.isInteger(start) || start < 0) throw new InputError('E_DATA', `replay start ${start} must be a row index >= 0`);
    if (start + WINDOW_HOURS > data.rows) {
      throw new InputError('E_DATA', `replay start ${start} leaves no full ${WINDOW_HOURS}-hour window in ${data.rows} rows`);
    }
  }

  /** Windows left in the data from `start`. */
  get length(): number {
    return this.data.rows - this.start - WINDOW_HOURS + 1;
  }

  protected frame(k: number): Uint8Array {
    const n = this.data.channels;
    const win = this.data.values.subarray((this.start + k) * n, (this.start + k + WINDOW_HOURS) * n);
    return new Uint8Array(win.buffer, win.byteOffset, win.byteLength);
  }
}
