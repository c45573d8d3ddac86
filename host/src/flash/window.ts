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
import { fwStatusMessage } from '../status.ts';
import { Cmd, RESPONSE_BIT, type Frame } from './frame.ts';
import { BootClient, FlashError, FW_E_FRAME } from './loader.ts';

/** Largest window the board keeps out-of-order extents for (firmware MAX_EXTENTS + 1). */
export const MAX_WINDOW = 8;

/** Options of {@link sendWindowed}. */
export interface WindowOptions {
  /** Frames in flight, 1..{@link MAX_WINDOW}. */
  windowSize: number;
  /** Called with the acknowledged prefix (image bytes) whenever it grows. */
  onProgress?: (bytes: number) => void;
  /** Retry lines. */
  log?: (line: string) => void;
}

interface Slot {
  off: number;
  end: number;
  seq: number;
  sends: number;
  acked: boolean;
  payload: Uint8Array;
}

/**
 * WRITEs `image[from..]` in chunks of `chunk` bytes with a window of frames in flight.
 * Resolves with the number of chunks once every chunk is acknowledged.
 * @throws RangeError for a window outside 1..MAX_WINDOW or a chunk < 1; FlashError `E_TIMEOUT`
 *   when a frame got no ack within `client.retries + 1` sends, `E_BOARD` when the board refused a
 *   WRITE (status other than a NAK; e.g. E_STATE after a reboot: the caller resumes), `E_PORT`
 *   when a port write failed.
 */
export function sendWindowed(client: BootClient, image: Uint8Array, from: number, chunk: number,
                             opts: WindowOptions): Promise<number> {
  const w = opts.windowSize;
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW) throw new RangeError(`window size must be 1..${MAX_WINDOW}, got ${w}`);
  if (!(chunk >= 1)) throw new RangeError(`chunk size must be >= 1, got ${chunk}`);
  const slots: Slot[] = [];
  for (let off = from; off < image.length; off += chunk) {
    const end = Math.min(off + chunk, image.length);
    const payload = new Uint8Array(4 + end - off);
    new DataView(payload.buffer).setUint32(0, off, true);
    payload.set(image.subarray(off, end), 4);
    slots.push({ off, end, seq: -1, sends: 0, acked: false, payload });
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
      chain = chain.then(() => (done ? undefined : client.post(Cmd.WRITE, s.seq, s.payload))).catch((e) => finish(e as Error));
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
        finish(new FlashError('E_TIMEOUT', `board did not answer WRITE (no answer within ${client.timeoutMs} ms, ${attempts} attempts)`, { seq: s.seq, attempt: s.sends }));
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
      if (done || f.type !== (Cmd.WRITE | RESPONSE_BIT) || f.payload.length < 1) return;
      let i = base;
      while (i < next && (slots[i].seq !== f.seq || slots[i].acked)) i++;
      if (i >= next) return; // a late duplicate, or an ack for nothing in flight
      const s = slots[i];
      const status = (f.payload[0] << 24) >> 24;
      if (status === FW_E_FRAME) {
        if (s.sends >= attempts) {
          finish(new FlashError('E_TIMEOUT', `board did not answer WRITE (board reported a damaged frame, ${attempts} attempts)`, { seq: s.seq, attempt: s.sends }));
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
