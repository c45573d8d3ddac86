/**
 * Sensor replay for the simulated board: the ETT CSV (date + 7 channels) as the transformer
 * front-end, delivered by DMA channel 0 one window per simulated hour. The window length L is the
 * model's: the firmware asks for 4 x 7 x L bytes (1 <= L <= {@link MAX_WINDOW_HOURS}). Window k is
 * CSV data rows [start + k, start + k + L) as f32, time-major [L][7] (CONTRACTS.md "HAL imports").
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';

/** ETT channel order (= CSV column order after the date). */
export const ETT_CHANNELS = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'] as const;
/**
 * Longest window channel 0 serves, in hours: the firmware's MAX_WINDOW (firmware/assembly/app/meta.ts;
 * tests/contracts.test.ts checks the two agree, the native runtime uses the generated GEN_MAX_WINDOW).
 */
export const MAX_WINDOW_HOURS = 512;
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
  /** The bytes of frame k (0 <= k < frameCount(len)), exactly `len` bytes (a request {@link accepts} took). */
  protected abstract frame(k: number, len: number): Uint8Array;

  /** True when a request of `len` bytes asks for one frame of this stream (default: exactly frameBytes). */
  protected accepts(len: number): boolean {
    return len === this.frameBytes;
  }

  /** Frames in the stream for requests of `len` bytes (default: {@link length}). */
  protected frameCount(len: number): number {
    void len;
    return this.length;
  }

  /** Starts the next frame into [dst, dst+len): 0, or DMA_E_ARG when len is not one frame. */
  begin(dst: number, len: number, nowMs: number): number {
    if (!this.accepts(len)) return DMA_E_ARG;
    const k = this.next;
    if (k >= this.frameCount(len)) {
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
    mem.set(this.frame(p.k, p.len), p.dst);
    this.pending = null;
    this.next = p.k + 1;
    this.state = DMA_DONE;
    return DMA_DONE;
  }
}

/** Bytes of one hour of channel 0 (7 f32). */
const ROW_BYTES = ETT_CHANNELS.length * 4;

/**
 * DMA channel 0 of the simulated board: window k of L hours (CSV rows [start + k, start + k + L) as
 * f32, time-major) is due k simulated hours after boot. L comes from the request: `len` must be a
 * positive multiple of 28 bytes (one hour of 7 channels) of at most {@link MAX_WINDOW_HOURS} hours,
 * else DMA_E_ARG; when fewer than L rows are left the stream has ended (DMA_END).
 */
export class WindowDma extends FrameDma {
  /**
   * @throws InputError `E_DATA` when `start` is not a row index of the data or the data does not
   *   have the 7 ETT channels.
   */
  constructor(private readonly data: SensorData, readonly start = DEFAULT_START, transferMs = 1) {
    super(MAX_WINDOW_HOURS * ROW_BYTES, HOUR_MS, transferMs);
    if (data.channels !== ETT_CHANNELS.length) throw new InputError('E_DATA', `replay data has ${data.channels} channels, not ${ETT_CHANNELS.length}`);
    if (!Number.isInteger(start) || start < 0 || start >= data.rows) {
      throw new InputError('E_DATA', `replay start ${start} must be a row index in 0..${data.rows - 1}`);
    }
  }

  /** Windows of one hour left in the data from `start` (a window of L hours: {@link windows}). */
  get length(): number {
    return this.windows(1);
  }

  /** Windows of `hours` hours the data holds from `start` (0 when none fits). */
  windows(hours: number): number {
    return Math.max(0, this.data.rows - this.start - hours + 1);
  }

  protected accepts(len: number): boolean {
    return Number.isInteger(len) && len > 0 && len % ROW_BYTES === 0 && len <= this.frameBytes;
  }

  protected frameCount(len: number): number {
    return this.windows(len / ROW_BYTES);
  }

  protected frame(k: number, len: number): Uint8Array {
    const from = (this.start + k) * ROW_BYTES;
    return new Uint8Array(this.data.values.buffer, this.data.values.byteOffset + from, len);
  }
}
