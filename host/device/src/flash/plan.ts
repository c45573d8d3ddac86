/**
 * How the windowed transfer (window.ts) cuts an image into frames: WRITE, or WRITEZ (raw deflate,
 * inflated on the board) when that is smaller (docs/flash-protocol.md "Compression"), and the
 * counters, options, limits and bookkeeping types of a transfer. Pure functions, no I/O.
 */
import { deflateRawSync } from 'node:zlib';
import { Cmd, WRITEZ_MAX_INFLATED } from './frame.ts';
import type { ChunkSizer } from './adaptive.ts';

/** Frames and bytes a transfer sent (first sends only; retries not counted). */
export interface TransferStats {
  writes: number;
  writezs: number;
  /** Frame payload bytes (offset + data) of those frames. */
  payloadBytes: number;
  /** Extra copies of frames sent while the line would have gone quiet (window.ts fill; not in the retries). */
  copies?: number;
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
 * One frame at `off`, covering at most up to `limit`: with `compress`, the longest span (4096,
 * 2048, ... 64 bytes; at most {@link SPAN_TRIES} tried, from twice what the block's ratio says)
 * whose raw deflate (level 9) fits in `chunk` bytes and is smaller than the span, as a WRITEZ;
 * else a plain WRITE of `chunk` bytes. Never throws for chunk >= 1, off < limit.
 */
export function planChunk(image: Uint8Array, off: number, limit: number, chunk: number, compress = false): Chunk {
  let lastEnd = -1;
  const ratio = compress ? blockRatio(image, off) : 0;
  // Spans from the one the block's ratio says may fit (twice that, at most 4096) down to 64 bytes,
  // at most SPAN_TRIES of them: a small frame on a noisy line costs a few deflates, not seven.
  let span = WRITEZ_MAX_INFLATED;
  while (span > 64 && span > 2 * chunk * ratio) span >>= 1;
  for (let tries = 0; ratio > 0 && span >= 64 && tries < SPAN_TRIES; span >>= 1) {
    const end = Math.min(off + span, limit);
    if (end === lastEnd) continue; // the tail is shorter than this span: already tried
    lastEnd = end;
    tries++;
    const z = deflateRawSync(image.subarray(off, end), { level: 9 });
    if (z.length <= chunk && z.length < end - off) return { off, end, cmd: Cmd.WRITEZ, payload: framePayload(off, z) };
  }
  const end = Math.min(off + chunk, limit);
  return { off, end, cmd: Cmd.WRITE, payload: framePayload(off, image.subarray(off, end)) };
}

const blockCache = new WeakMap<Uint8Array, Map<number, number>>();
/** Deflates tried per frame at most ({@link planChunk}). */
export const SPAN_TRIES = 3;

/**
 * How many times the 4 KiB block around `off` deflates (size / deflated size; one deflate per
 * block, cached), or 0 when it does not deflate below 95% of its size (random or already
 * compressed bytes: no span in it is tried).
 */
function blockRatio(image: Uint8Array, off: number): number {
  let m = blockCache.get(image);
  if (!m) blockCache.set(image, (m = new Map()));
  const b = Math.floor(off / WRITEZ_MAX_INFLATED) * WRITEZ_MAX_INFLATED;
  let v = m.get(b);
  if (v === undefined) {
    const block = image.subarray(b, Math.min(b + WRITEZ_MAX_INFLATED, image.length));
    const z = deflateRawSync(block, { level: 9 }).length;
    v = z < 0.95 * block.length ? block.length / Math.max(1, z) : 0;
    m.set(b, v);
  }
  return v;
}

/** Splits `image[from..]` into frames of at most `chunk` data bytes ({@link planChunk} each). */
export function planChunks(image: Uint8Array, from: number, chunk: number, compress = false): Chunk[] {
  const out: Chunk[] = [];
  for (let off = from; off < image.length; off = out[out.length - 1].end) out.push(planChunk(image, off, image.length, chunk, compress));
  return out;
}

/** What the transfer is doing, for progress lines. */
export interface WindowInfo {
  /** Current WRITE payload limit, bytes. */
  chunk: number;
  /** Resends so far (this client). */
  retries: number;
  /** Current retransmission timeout, ms. */
  rtoMs: number;
}

/** Options of window.ts sendWindowed. */
export interface WindowOptions {
  /** Frames in flight, 1..32 (window.ts MAX_WINDOW; more when frames are small, window.ts MAX_FRAMES_IN_FLIGHT). */
  windowSize: number;
  /** Called with the acknowledged prefix (image bytes) whenever it grows, and what the sender does. */
  onProgress?: (bytes: number, info: WindowInfo) => void;
  /** Receives one line per timeout ("WRITE seq N: no answer within X ms; retrying (n attempt(s) left)"); selective resends are counted in {@link WindowInfo.retries}, not logged. */
  log?: (line: string) => void;
  /** Send chunks as WRITEZ when that is smaller (see {@link planChunk}). Default false. */
  compress?: boolean;
  /** Counters the transfer adds to (frames of each kind, payload bytes on the wire). */
  stats?: TransferStats;
  /** Frame size state to continue from (a resumed session keeps what the line taught). */
  sizer?: ChunkSizer;
  /**
   * Read the selective acks (default true). False (an ablation, bench/flashfaults.ts): every answer
   * is taken as a board without them would send it, in order: each earlier unanswered send counts
   * as lost and goes again (go-back behaviour).
   */
  selectiveAck?: boolean;
  /** Give up when no answer at all came for this long, ms (default max(8000, 4 x the timeout ceiling)). */
  stallMs?: number;
}

/** Largest window: the board joins frames that follow a hole into one extent (firmware boot/extents.ts), so its 32 extents (8 on older boards) bound the holes, not the frames in flight; a board without joining NAKs frames past its 8th extent and they are resent once the window moves. */
export const MAX_WINDOW = 32;
/**
 * Most frames in flight however small they are ({@link Transfer.frames}): well inside the 256 seqs,
 * and at a quarter of the frames lost about 24 holes, inside the board's 32 extents.
 */
export const MAX_FRAMES_IN_FLIGHT = 96;
/** Sends since the latest proven write after which the window stops sending (see Transfer.quiet): half the seqs. */
export const QUIET_SENDS = 128;
/** How far back (sends) a seq listed in a selective ack may name a send (the board lists its last 4 writes). */
export const LISTED_SPAN = 64;
/** Zero bytes sent after each WRITE frame (a dropped byte eats one, not the next frame's sync). */
export const FRAME_PAD = 1;
/** Sends of one frame after which the session gives up (the caller resumes). */
export const MAX_FRAME_SENDS = 32;

/** Least the host keeps queued ahead of the line, ms (the event loop wakes a few ms late on a loaded host). */
export const AHEAD_MS = 6;
/**
 * Frames the host keeps queued ahead of the line when they take longer than {@link AHEAD_MS}: a
 * resend then goes out next instead of behind every frame of the window already handed to the
 * port (its round trip is the line's, not the window's).
 */
export const AHEAD_FRAMES = 3;

/** A new, unplanned and unsent WRITE slot for image bytes [off, end). Never throws. */
export function newSlot(off: number, end: number): Slot {
  return { off, end, cmd: Cmd.WRITE, payload: null, acked: false, sends: 0, queued: false, last: null, inflight: 0, forgiven: 0, copies: 0 };
}

/** A frame of a windowed transfer (window.ts): planned on its first send (payload null before). */
export interface Slot {
  off: number;
  end: number;
  cmd: number;
  payload: Uint8Array | null;
  acked: boolean;
  sends: number;
  queued: boolean;
  last: Send | null;
  /** Sends of it not answered yet. */
  inflight: number;
  /** NAKs not held against it (beyond the first unacknowledged frame: maybe the board's extents were full). */
  forgiven: number;
  /** Extra copies sent of it (window.ts fill: not held against it either). */
  copies: number;
}

/** One send of a frame. */
export interface Send {
  slot: Slot;
  seq: number;
  cmd: number;
  /** Send number (1-based, this transfer). */
  n: number;
  /** When its last byte is expected on the board (performance.now() ms, wire pacing included). */
  end: number;
  answered: boolean;
  /** Bytes it took on the wire (frame and pad). */
  wire: number;
}
