/**
 * Serial protocol v1 transport (CONTRACTS.md "Serial protocol v1"), shared by the flasher and
 * tests: `A5 5A | type u8 | seq u8 | len u16 LE | payload[len] | crc32 u32 LE`, where the CRC is
 * CRC-32/ISO-HDLC (zlib's) over type..payload. Pure codecs, no I/O.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** The two sync bytes that start every frame. */
export const SYNC0 = 0xa5;
export const SYNC1 = 0x5a;
/** Bytes before the payload (sync, type, seq, len). */
export const HEADER_BYTES = 6;
/** Bytes after the payload (CRC-32). */
export const TRAILER_BYTES = 4;
/** Protocol version the host speaks (HELLO reports the board's). */
export const PROTO_VERSION = 1;
/** Largest payload the u16 length field can express. */
export const MAX_PAYLOAD_LIMIT = 0xffff;

/** Command types; a response has type `cmd | RESPONSE_BIT`. */
export const Cmd = {
  HELLO: 0x01, BEGIN: 0x02, WRITE: 0x03, FINISH: 0x04, STATUS: 0x05, SET_BAUD: 0x06,
  ACTIVATE: 0x07, CONFIRM: 0x08, RESET: 0x09, INFO: 0x0a, WRITEZ: 0x0b, ROLLBACK: 0x0c,
} as const;
/** Command type values. */
export type CmdType = (typeof Cmd)[keyof typeof Cmd];
/** Bit set in a response's type. */
export const RESPONSE_BIT = 0x80;
/** BEGIN image type for a raw model (.tflite). */
export const IMAGE_MODEL = 1;
/** BEGIN image type for a signed model image (docs/image-format.md: DIMG header || .tflite || signature). */
export const IMAGE_SIGNED_MODEL = 2;
/** BEGIN slot (type >> 4) of the A/B firmware slots; type = (slot << 4) | format. */
export const FIRMWARE_SLOT = 1;
/** BEGIN type of a raw firmware .wasm (development boards without keys only). */
export const IMAGE_FIRMWARE = 0x11;
/** BEGIN type of a signed firmware image (DIMG of type firmware wrapping the .wasm). */
export const IMAGE_SIGNED_FIRMWARE = 0x12;
/** Largest inflated size of one WRITEZ frame (the board's inflate buffer). */
export const WRITEZ_MAX_INFLATED = 4096;

/** One decoded frame. */
export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** CRC-32/ISO-HDLC of `bytes` (the zlib/PNG CRC), as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

/**
 * Encodes one frame.
 * @throws RangeError when type/seq are not bytes or the payload exceeds 65535 bytes.
 */
export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`frame type ${type} is not a byte`);
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xff) throw new RangeError(`frame seq ${seq} is not a byte`);
  if (payload.length > MAX_PAYLOAD_LIMIT) throw new RangeError(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_LIMIT}`);
  const out = new Uint8Array(HEADER_BYTES + payload.length + TRAILER_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = SYNC0;
  out[1] = SYNC1;
  out[2] = type;
  out[3] = seq;
  dv.setUint16(4, payload.length, true);
  out.set(payload, HEADER_BYTES);
  dv.setUint32(HEADER_BYTES + payload.length, crc32(out.subarray(2, HEADER_BYTES + payload.length)), true);
  return out;
}

/** Counters of what a {@link FrameDecoder} threw away. */
export interface DecoderStats {
  /** Bytes skipped while hunting for the sync bytes. */
  garbageBytes: number;
  /** Frames whose CRC did not match. */
  crcErrors: number;
  /** Headers whose length exceeded the decoder's maximum payload. */
  oversize: number;
}

/**
 * Streaming decoder: feed it chunks as they arrive (frames may be split anywhere) and it returns
 * the complete, CRC-checked frames. After garbage, a bad CRC or an oversize length it resyncs by
 * scanning again from the byte after the false sync, so a real frame hidden behind noise is not
 * lost. Memory is bounded: it never buffers more than one maximal frame plus one chunk.
 */
export class FrameDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  /** What was discarded so far. */
  readonly stats: DecoderStats = { garbageBytes: 0, crcErrors: 0, oversize: 0 };

  /** @param maxPayload largest accepted payload length (a longer header is treated as noise). */
  constructor(readonly maxPayload: number = MAX_PAYLOAD_LIMIT) {
    if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > MAX_PAYLOAD_LIMIT) {
      throw new RangeError(`maxPayload ${maxPayload} out of range 0..${MAX_PAYLOAD_LIMIT}`);
    }
  }

  /** Appends `chunk` and returns every frame completed by it, in order. Never throws on bad input. */
  push(chunk: Uint8Array): Frame[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    const frames: Frame[] = [];
    let i = 0;
    while (i < joined.length) {
      const r = this.tryAt(joined, i);
      if (r === 'need') break;
      if (typeof r === 'number') {
        i = r;
        continue;
      }
      frames.push(r.frame);
      i = r.next;
    }
    this.buf = joined.slice(i);
    return frames;
  }

  /**
   * Gives up on the partial frame at the head of the buffer (e.g. after a timeout: its length
   * byte may have been damaged, so it would wait forever) and rescans the rest from the byte
   * after its sync; returns the frames found there. Counters are kept.
   */
  resync(): Frame[] {
    if (this.buf.length === 0) return [];
    const rest = this.buf.subarray(1);
    this.stats.garbageBytes++;
    this.buf = new Uint8Array(0);
    return this.push(rest);
  }

  /** Drops any partial frame (e.g. after a timeout); counters are kept. */
  reset(): void {
    this.buf = new Uint8Array(0);
  }

  /**
   * Tries to decode a frame at `i`: a frame and the next index, `'need'` when more bytes are
   * needed, or the index to continue scanning from after skipping noise.
   */
  private tryAt(b: Uint8Array, i: number): { frame: Frame; next: number } | 'need' | number {
    if (b[i] !== SYNC0) {
      this.stats.garbageBytes++;
      return i + 1;
    }
    if (i + 1 >= b.length) return 'need';
    if (b[i + 1] !== SYNC1) {
      this.stats.garbageBytes++;
      return i + 1;
    }
    if (i + HEADER_BYTES > b.length) return 'need';
    const len = b[i + 4] | (b[i + 5] << 8);
    if (len > this.maxPayload) {
      this.stats.oversize++;
      this.stats.garbageBytes++;
      return i + 1;
    }
    const end = i + HEADER_BYTES + len + TRAILER_BYTES;
    if (end > b.length) return 'need';
    const body = b.subarray(i + 2, i + HEADER_BYTES + len);
    const want = (b[end - 4] | (b[end - 3] << 8) | (b[end - 2] << 16) | (b[end - 1] << 24)) >>> 0;
    if (crc32(body) !== want) {
      this.stats.crcErrors++;
      this.stats.garbageBytes++;
      return i + 1;
    }
    const payload = b.slice(i + HEADER_BYTES, i + HEADER_BYTES + len);
    return { frame: { type: b[i + 2], seq: b[i + 3], payload }, next: end };
  }
}
