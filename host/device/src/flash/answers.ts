/**
 * What the bootloader client (loader.ts) speaks in: the transport it runs over, its typed error,
 * and the decoded answers of HELLO, STATUS, INFO and SET_BAUD (docs/flash-protocol.md). Split from
 * loader.ts; loader.ts re-exports everything here.
 */
import { DendraError } from '@dendra/core/errors.ts';

/**
 * A byte pipe to a board whose line rate can change: a serial port (flash.ts serialTransport), or
 * the scriptable mock of host/device/test/mocktransport.ts in unit tests.
 */
export interface Transport {
  /** Sends bytes; resolves when they were handed to the OS. @throws FlashError `E_PORT` when the write fails. */
  write(bytes: Uint8Array): Promise<void>;
  /** Subscribes to received bytes; returns the unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Moves this end of the line to `baud` (a pty ignores the rate). @throws FlashError `E_PORT` when refused. */
  setBaud(baud: number): Promise<void>;
}

/** A flashing failure: the command's seq and attempt (1-based) when it concerns a command. */
export class FlashError extends DendraError {
  /** Seq of the command that failed, when there was one. */
  readonly seq?: number;
  /** Attempt number (1-based) of that command when it failed. */
  readonly attempt?: number;
  /** Firmware status code when the board refused the command. */
  readonly fwStatus?: number;
  constructor(code: string, message: string, extra: { seq?: number; attempt?: number; fwStatus?: number } = {}) {
    super(code, message, 1);
    this.seq = extra.seq;
    this.attempt = extra.attempt;
    this.fwStatus = extra.fwStatus;
  }
}

/** What HELLO reports. */
export interface HelloInfo {
  boardId: string;
  proto: number;
  /** Largest frame payload the board accepts. */
  maxFrame: number;
  /** Bytes available for a model image in the slot. */
  slotSize: number;
}

/** What STATUS reports (docs/flash-protocol.md). */
export interface SlotStatus {
  /** Image bytes received so far in the current (or last) transfer: the resume point. */
  received: number;
  /** Size declared by that transfer's BEGIN (0 before any). */
  size: number;
  /** First 8 bytes of the SHA-256 declared by BEGIN, hex. */
  sha256Prefix: string;
  /** A transfer is in progress (BEGIN accepted, FINISH not yet run): WRITE may continue it. */
  receiving: boolean;
  /** The newest committed bank (what the board boots), or null for an empty slot. */
  active: { bank: number; generation: number; length: number; sha256Prefix: string } | null;
  /**
   * The model slot the answer describes (0 grid, 2 pack) when the board says so (a 35th byte,
   * answering a STATUS that named the slot); undefined from a board whose STATUS reports the slot
   * of its last transfer without naming it.
   */
  slot?: number;
}

/** One A/B firmware slot as INFO reports it (docs/flash-protocol.md "Firmware slots"). */
export interface FwSlotInfo {
  index: 0 | 1;
  name: 'A' | 'B';
  /** Image bytes the slot holds. */
  capacity: number;
  /** State words set in the slot header. */
  state: { image: boolean; committed: boolean; pending: boolean; tried: boolean; confirmed: boolean; revoked: boolean };
  /** Activation generation (0: never activated). */
  generation: number;
  /** Length and SHA-256 prefix (16 hex) of the .wasm; 0 and '' for an empty slot. */
  length: number;
  sha256Prefix: string;
  /** Signed image version "X.Y.Z", or null (raw image, empty slot). */
  version: string | null;
}

/** What INFO reports: the firmware that runs and the slot table. */
export interface FwInfo {
  /** -1 = the factory image, 0 = slot A, 1 = slot B. */
  running: -1 | 0 | 1;
  /** True while the running slot is on its test boot (not confirmed yet). */
  test: boolean;
  slots: FwSlotInfo[];
}

/** Decodes an INFO answer (57 bytes). @throws FlashError `E_PROTO` when it is malformed. */
export function decodeFwInfo(d: Uint8Array): FwInfo {
  if (d.length < 3 || d.length < 3 + 27 * d[2] || d[2] !== 2) throw new FlashError('E_PROTO', `INFO response malformed (${d.length} bytes)`);
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const running = dv.getInt8(0);
  if (running < -1 || running > 1) throw new FlashError('E_PROTO', `INFO reports running slot ${running}`);
  const slots: FwSlotInfo[] = [0, 1].map((i) => {
    const o = 3 + 27 * i;
    const st = d[o + 4];
    const ver = [dv.getUint16(o + 21, true), dv.getUint16(o + 23, true), dv.getUint16(o + 25, true)];
    return {
      index: i as 0 | 1, name: i === 0 ? 'A' : 'B', capacity: dv.getUint32(o, true),
      state: { image: !!(st & 1), committed: !!(st & 2), pending: !!(st & 4), tried: !!(st & 8), confirmed: !!(st & 16), revoked: !!(st & 32) },
      generation: dv.getUint32(o + 5, true), length: dv.getUint32(o + 9, true),
      sha256Prefix: st === 0 ? '' : Buffer.from(d.subarray(o + 13, o + 21)).toString('hex'),
      version: ver.every((v) => v === 0xffff) ? null : ver.join('.'),
    };
  });
  return { running: running as -1 | 0 | 1, test: d[1] === 1, slots };
}

/** What SET_BAUD reports: the baud in force after it (0 = the board's default, never switched) and the board's max. */
export interface BaudInfo {
  baud: number;
  maxBaud: number;
}

/** Bytes of a selective ack's data before its seqs: received u32 (the board's contiguous prefix). */
export const SACK_MIN = 5;

/** A WRITE answer's selective ack (docs/CONTRACTS.md "Serial protocol v1"). */
export interface Sack {
  /** The board's contiguous prefix: every image byte below it is written. */
  received: number;
  /** Seqs of the last frames the board wrote, newest first (the answered one first). */
  seqs: number[];
}

/**
 * Decodes a WRITE/WRITEZ answer payload `status | received u32 | seq u8 x 1..4` (at least
 * {@link SACK_MIN} + 1 bytes: the caller checks; a board without selective acks answers the status alone). Never throws.
 */
export function decodeSack(p: Uint8Array): Sack {
  const received = (p[1] | (p[2] << 8) | (p[3] << 16) | (p[4] << 24)) >>> 0;
  return { received, seqs: Array.from(p.subarray(SACK_MIN)) };
}
