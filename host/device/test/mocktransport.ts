/**
 * Test support (never shipped): a scriptable {@link FlashLink} for the flasher's unit tests, in
 * the spirit of node-serialport's binding-mock. The test's `answer` sees every command frame the
 * host sends and returns the frames the "board" sends back (or null: silence); the mock records
 * the frames, the raw writes, every baud change and every reopen, and can fail writes on demand.
 * `mockBootloader` is such an answer: a small in-memory model bootloader (HELLO, SET_BAUD,
 * STATUS, BEGIN, WRITE, WRITEZ, FINISH) that keeps the image it received.
 */
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { Cmd, encodeFrame, FrameDecoder, RESPONSE_BIT, type Frame } from '../src/flash/frame.ts';
import { FlashError } from '../src/flash/loader.ts';
import type { FlashLink } from '../src/flash/flash.ts';

/** What the board sends back for one command frame (`n`: 1-based count of frames seen). */
export type Answer = (f: Frame, n: number, line: MockLine) => Uint8Array[] | null;

/** The mock and what it recorded. */
export interface MockLine extends FlashLink {
  /** Command frames decoded from the host's writes, in order. */
  readonly seen: Frame[];
  /** Every write, as sent. */
  readonly raw: Uint8Array[];
  /** Every setBaud, in order. */
  readonly bauds: number[];
  /** The host end's current baud. */
  baud: number;
  /** Times reopen was called. */
  reopened: number;
  /** The next `failWrites` writes reject with FlashError `E_PORT` and close the line. */
  failWrites: number;
}

/** A scriptable mock line at `baud` (default 115200) named `name`. */
export function mockLine(answer: Answer, baud = 115200, name = 'mock'): MockLine {
  let dec = new FrameDecoder();
  const listeners = new Set<(c: Uint8Array) => void>();
  let open = true;
  const line: MockLine = {
    name, seen: [], raw: [], bauds: [], baud, reopened: 0, failWrites: 0,
    get isOpen() { return open; },
    write: async (bytes) => {
      if (!open) throw new FlashError('E_PORT', `write to port ${name} failed: port is closed`);
      if (line.failWrites > 0) {
        line.failWrites--;
        open = false;
        throw new FlashError('E_PORT', `write to port ${name} failed: device vanished`);
      }
      line.raw.push(bytes);
      for (const f of dec.push(bytes)) {
        line.seen.push(f);
        const out = answer(f, line.seen.length, line) ?? [];
        setImmediate(() => out.forEach((o) => listeners.forEach((l) => l(o))));
      }
    },
    onData: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    setBaud: async (b) => {
      line.bauds.push(b);
      line.baud = b;
    },
    reopen: async (b) => {
      line.reopened++;
      line.baud = b;
      dec = new FrameDecoder();
      open = true;
    },
    close: async () => {
      open = false;
    },
  };
  return line;
}

/** A success response to `f` carrying `data` after the status byte 0. */
export const ok = (f: Frame, data: ArrayLike<number> = []): Uint8Array => encodeFrame(f.type | RESPONSE_BIT, f.seq, Uint8Array.from([0, ...Array.from(data)]));
/** A response to `f` carrying only the status byte `st` (negative: a refusal or a NAK). */
export const status = (f: Frame, st: number): Uint8Array => encodeFrame(f.type | RESPONSE_BIT, f.seq, Uint8Array.of(st & 0xff));

/** HELLO data: board id, protocol, max frame and model slot size. */
export function helloData(id: string, proto: number, maxFrame: number, slotSize: number): number[] {
  const d = new Uint8Array(7);
  const dv = new DataView(d.buffer);
  d[0] = proto;
  dv.setUint16(1, maxFrame, true);
  dv.setUint32(3, slotSize, true);
  return [...new TextEncoder().encode(id), ...d];
}

/** Options of {@link mockBootloader}. */
export interface BootloaderOptions {
  id?: string;
  maxFrame?: number;
  slotSize?: number;
  /** Largest baud SET_BAUD grants (default 921600); 0: the board has no SET_BAUD (refuses it). */
  maxBaud?: number;
  /** The board's rate; frames arriving while the host end runs another rate are lost (default 115200). */
  baud?: number;
  /** False: the board acks SET_BAUD but stays at its rate (a line that cannot carry the new one). Default true. */
  switches?: boolean;
}

/** The state of a {@link mockBootloader}: what it received and committed. */
export interface BootloaderState {
  baud: number;
  beginType: number;
  size: number;
  sha: Uint8Array;
  image: Uint8Array;
  received: number;
  committed: Uint8Array | null;
}

/** An {@link Answer} that behaves as a model bootloader; `state` shows what it received. */
export function mockBootloader(o: BootloaderOptions = {}): { answer: Answer; state: BootloaderState } {
  const maxFrame = o.maxFrame ?? 1024;
  const maxBaud = o.maxBaud ?? 921600;
  const state: BootloaderState = { baud: o.baud ?? 115200, beginType: 0, size: 0, sha: new Uint8Array(32), image: new Uint8Array(0), received: 0, committed: null };
  const answer: Answer = (f, _n, line) => {
    if (line.baud !== state.baud) return null; // garbage at the wrong rate
    const dv = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
    switch (f.type) {
      case Cmd.HELLO: return [ok(f, helloData(o.id ?? 'mock-1', 1, maxFrame, o.slotSize ?? 65536))];
      case Cmd.SET_BAUD: {
        if (maxBaud === 0) return [status(f, -26)]; // E_COMMAND: no SET_BAUD
        const want = dv.getUint32(0, true);
        if (want > maxBaud) return [status(f, -27)]; // E_RANGE
        const d = new Uint8Array(8);
        new DataView(d.buffer).setUint32(0, want || state.baud, true);
        new DataView(d.buffer).setUint32(4, maxBaud, true);
        if (want && o.switches !== false) setImmediate(() => { state.baud = want; }); // acks at the old rate, then switches
        return [ok(f, d)];
      }
      case Cmd.STATUS: return [ok(f, statusData(state))];
      case Cmd.BEGIN:
        state.beginType = f.payload[0];
        state.size = dv.getUint32(1, true);
        state.sha = f.payload.slice(5, 37);
        state.image = new Uint8Array(state.size);
        state.received = 0;
        return [ok(f)];
      case Cmd.WRITE:
      case Cmd.WRITEZ: {
        const off = dv.getUint32(0, true);
        const data = f.type === Cmd.WRITEZ ? new Uint8Array(inflateRawSync(f.payload.subarray(4))) : f.payload.subarray(4);
        if (off > state.received || off + data.length > state.size) return [status(f, -14)];
        state.image.set(data, off);
        state.received = Math.max(state.received, off + data.length);
        return [ok(f)];
      }
      case Cmd.FINISH: {
        const sha = createHash('sha256').update(state.image).digest();
        if (state.received !== state.size || !sha.equals(Buffer.from(state.sha))) return [status(f, -11)];
        state.committed = state.image;
        return [ok(f)];
      }
      default: return [status(f, -26)]; // E_COMMAND
    }
  };
  return { answer, state };
}

/** STATUS data (34 bytes) for the bootloader state. */
function statusData(s: BootloaderState): Uint8Array {
  const d = new Uint8Array(34);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, s.received, true);
  dv.setUint32(4, s.size, true);
  d.set(s.sha.subarray(0, 8), 8);
  d[16] = s.size > 0 && s.committed === null ? 1 : 0;
  d[17] = 0xff; // no committed bank reported
  return d;
}
