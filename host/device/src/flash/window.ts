/**
 * Windowed WRITE transfer (docs/flash-protocol.md "Window"): up to `windowSize` WRITE frames in
 * flight, each acknowledged by its seq. The board stores a WRITE beyond a hole and advances its
 * resume point (`received`) once the hole is filled, so acks may come in any order; the host's
 * progress is the acknowledged prefix. A NAK (`E_FRAME`) resends that frame at once; no ack for
 * the first unacknowledged frame within the timeout resynchronises both ends (decoder rescan +
 * zero flush, as {@link BootClient.request}) and resends every unacknowledged frame from it
 * (go-back-N, same seqs: WRITE is idempotent). Retries are bounded per frame and logged with the
 * attempts left, in the same words as the stop-and-wait path.
 */
import { deflateRawSync } from 'node:zlib';
import { fwStatusMessage } from '@dendra/core/status.ts';
import { Cmd, RESPONSE_BIT, WRITEZ_MAX_INFLATED, type Frame } from './frame.ts';
import { BootClient, FlashError, FW_E_FRAME } from './loader.ts';

/** Largest window the board keeps out-of-order extents for (firmware MAX_EXTENTS + 1). */
export const MAX_WINDOW = 8;
/** Smallest WRITE payload {@link nextChunk} shrinks to. */
export const MIN_ADAPTIVE_CHUNK = 64;

/**
 * A windowed transfer gave up on one frame (every attempt timed out or came back damaged): code
 * `E_TIMEOUT`, like any timeout, so callers resume; {@link nextChunk} then sends smaller frames.
 */
export class WriteGaveUp extends FlashError {}

/**
 * The WRITE payload size for the session after `e`: a quarter of `chunk` (not below
 * {@link MIN_ADAPTIVE_CHUNK}) when `e` is a {@link WriteGaveUp} (a noisy line damages long frames
 * far more often than short ones: at 1% per byte a 1 KiB frame almost never arrives whole), else
 * `chunk` unchanged. Never throws.
 */
export function nextChunk(e: unknown, chunk: number): number {
  return e instanceof WriteGaveUp && chunk > MIN_ADAPTIVE_CHUNK ? Math.max(MIN_ADAPTIVE_CHUNK, Math.floor(chunk / 4)) : chunk;
}

/** Options of {@link sendWindowed}. */
export interface WindowOptions {
  /** Frames in flight, 1..{@link MAX_WINDOW}. */
  windowSize: number;
  /** Called with the acknowledged prefix (image bytes) whenever it grows. */
  onProgress?: (bytes: number) => void;
  /** Retry lines. */
  log?: (line: string) => void;
  /**
   * Send chunks as WRITEZ (raw deflate, one independent stream per frame) when that is smaller
   * (see {@link planChunks}). Default false: plain WRITEs.
   */
  compress?: boolean;
  /** Counters the transfer adds to (frames of each kind, payload bytes on the wire). */
  stats?: TransferStats;
}

/** Frames and bytes a transfer sent (first sends only; retries not counted). */
export interface TransferStats {
  writes: number;
  writezs: number;
  /** Frame payload bytes (offset + data) of those frames. */
  payloadBytes: number;
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
 * Splits `image[from..]` into frames whose data is at most `chunk` bytes. Without `compress`:
 * plain WRITEs of `chunk` bytes. With it, each frame takes the longest span (4096, 2048, ...
 * bytes, never above the board's WRITEZ_MAX_INFLATED) whose raw deflate (node:zlib, level 9)
 * fits in `chunk` bytes and is smaller than the span itself, as a WRITEZ; when none is, a plain
 * WRITE of `chunk` bytes. Offsets are always uncompressed image offsets. Never throws for chunk >= 1.
 */
export function planChunks(image: Uint8Array, from: number, chunk: number, compress = false): Chunk[] {
  const out: Chunk[] = [];
  let off = from;
  while (off < image.length) {
    let done = false;
    let lastEnd = -1;
    for (let span = WRITEZ_MAX_INFLATED; compress && span >= 64 && !done; span >>= 1) {
      const end = Math.min(off + span, image.length);
      if (end === lastEnd) continue; // the tail is shorter than this span: already tried
      lastEnd = end;
      const z = deflateRawSync(image.subarray(off, end), { level: 9 });
      if (z.length <= chunk && z.length < end - off) {
        out.push({ off, end, cmd: Cmd.WRITEZ, payload: framePayload(off, z) });
        off = end;
        done = true;
      }
    }
    if (done) continue;
    const end = Math.min(off + chunk, image.length);
    out.push({ off, end, cmd: Cmd.WRITE, payload: framePayload(off, image.subarray(off, end)) });
    off = end;
  }
  return out;
}

interface Slot extends Chunk {
  seq: number;
  sends: number;
  acked: boolean;
}

/**
 * WRITEs `image[from..]` in chunks of `chunk` bytes with a window of frames in flight.
 * Resolves with the number of chunks once every chunk is acknowledged.
 * @throws RangeError for a window outside 1..MAX_WINDOW or a chunk < 1; {@link WriteGaveUp}
 *   (`E_TIMEOUT`) when a frame got no ack within `client.retries + 1` sends, `E_BOARD` when the board refused a
 *   WRITE (status other than a NAK; e.g. E_STATE after a reboot: the caller resumes), `E_PORT`
 *   when a port write failed.
 */
export function sendWindowed(client: BootClient, image: Uint8Array, from: number, chunk: number,
                             opts: WindowOptions): Promise<number> {
  const w = opts.windowSize;
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW) throw new RangeError(`window size must be 1..${MAX_WINDOW}, got ${w}`);
  if (!(chunk >= 1)) throw new RangeError(`chunk size must be >= 1, got ${chunk}`);
  const slots: Slot[] = planChunks(image, from, chunk, opts.compress).map((c) => ({ ...c, seq: -1, sends: 0, acked: false }));
  for (const c of slots) {
    if (!opts.stats) break;
    if (c.cmd === Cmd.WRITEZ) opts.stats.writezs++;
    else opts.stats.writes++;
    opts.stats.payloadBytes += c.payload.length;
  }
  if (slots.length === 0) return Promise.resolve(0);
  const attempts = client.retries + 1;
  const log = opts.log ?? (() => {});
  return new Promise<number>((resolve, reject) => {
    let base = 0;
    let next = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let chain: Promise<void> = Promise.resolve();
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      if (err) reject(err);
      else resolve(slots.length);
    };
    const send = (s: Slot) => {
      s.sends++;
      chain = chain.then(() => (done ? undefined : client.post(s.cmd, s.seq, s.payload))).catch((e) => finish(e as Error));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void onTimeout(), client.timeoutMs);
    };
    const fill = () => {
      while (next < slots.length && next < base + w) {
        slots[next].seq = client.nextSeq();
        send(slots[next++]);
      }
    };
    const onTimeout = async () => {
      if (done) return;
      const s = slots[base];
      if (s.sends >= attempts) {
        finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE (no answer within ${client.timeoutMs} ms, ${attempts} attempts)`, { seq: s.seq, attempt: s.sends }));
        return;
      }
      client.retried++;
      log(`WRITE seq ${s.seq}: no answer within ${client.timeoutMs} ms; retrying (${attempts - s.sends} attempt(s) left)`);
      await client.resyncAndFlush(); // may deliver acks (listener below)
      if (done) return;
      for (let i = base; i < next; i++) if (!slots[i].acked) send(slots[i]);
      arm();
    };
    const onFrame = (f: Frame) => {
      if (done || (f.type !== (Cmd.WRITE | RESPONSE_BIT) && f.type !== (Cmd.WRITEZ | RESPONSE_BIT)) || f.payload.length < 1) return;
      let i = base;
      while (i < next && (slots[i].seq !== f.seq || slots[i].acked || (slots[i].cmd | RESPONSE_BIT) !== f.type)) i++;
      if (i >= next) return; // a late duplicate, or an ack for nothing in flight
      const s = slots[i];
      const status = (f.payload[0] << 24) >> 24;
      if (status === FW_E_FRAME) {
        if (s.sends >= attempts) {
          finish(new WriteGaveUp('E_TIMEOUT', `board did not answer WRITE (board reported a damaged frame, ${attempts} attempts)`, { seq: s.seq, attempt: s.sends }));
          return;
        }
        client.retried++;
        log(`WRITE seq ${s.seq}: board reported a damaged frame; retrying (${attempts - s.sends} attempt(s) left)`);
        send(s);
        return;
      }
      if (status < 0) {
        finish(new FlashError('E_BOARD', `board refused WRITE: ${fwStatusMessage(status)} (status ${status})`, { seq: s.seq, attempt: s.sends, fwStatus: status }));
        return;
      }
      s.acked = true;
      if (i !== base) return;
      while (base < next && slots[base].acked) base++;
      opts.onProgress?.(slots[base - 1].end);
      if (base === slots.length) {
        finish(null);
        return;
      }
      fill();
      arm();
    };
    const unsubscribe = client.onFrame(onFrame);
    fill();
    arm();
  });
}
