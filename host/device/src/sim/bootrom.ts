/**
 * The simulated board's boot ROM: the role MCUboot or a SoC's ROM bootloader plays on a real
 * board (docs/flash-protocol.md "Firmware slots"). At every (re)boot it reads the A/B firmware slot
 * headers from the flash file (write-once state words, firmware/assembly/boot/fwslot.ts), checks
 * each slot image (SHA-256 of the .wasm, and the Ed25519 signature of a signed image when the
 * board has keys), and picks what runs:
 *  1. a slot that ACTIVATE marked PENDING and that was never TRIED: the ROM writes TRIED (a flash
 *     write that a power cut can hit, like any HAL call) and boots it in test mode;
 *  2. else the CONFIRMED, not REVOKED slot with the highest generation (a test slot left TRIED but
 *     not CONFIRMED, after a reset, a power cut, a trap or a failed self-test, is skipped: rollback);
 *  3. else the factory image (the build's firmware.wasm).
 * It also implements the HAL group `boot_*` (firmware/assembly/hal/boot.ts).
 */
import { createHash } from 'node:crypto';
import { ed } from '../image/keys.ts';
import { DendraError } from '@dendra/core/errors.ts';
import type { Board } from '../boards/board.ts';
import type { FlashFile } from './flashfile.ts';
import { readKeyTable } from './trust.ts';

/** Header layout of a firmware slot (mirror of fwslot.ts). */
export const FW = {
  MAGIC: 0x53574644, MARK: 0x0000a5a5, HEADER: 4096, LEN: 4, SHA: 8, DATA_OFF: 40, VERSION: 44, GEN: 72,
  COMMITTED: 76, PENDING: 80, TRIED: 84, CONFIRMED: 88, REVOKED: 92,
} as const;
/** Slot state bits as INFO reports them (fwslot.ts ST_*). */
export const FwState = { image: 1, committed: 2, pending: 4, tried: 8, confirmed: 16, revoked: 32 } as const;

/** One firmware slot as the ROM reads it. */
export interface FwSlot {
  index: 0 | 1;
  addr: number;
  /** Image bytes the slot holds (region size - 4096). */
  cap: number;
  /** FwState bits. */
  state: number;
  generation: number;
  /** Length and SHA-256 (hex) of the .wasm recorded in the header. */
  length: number;
  sha256: string;
  /** 0 for a raw .wasm, 80 for a signed image (the .wasm starts there). */
  dataOff: number;
}

/** What the ROM booted. */
export interface BootPick {
  /** -1 = factory image, 0 = slotA, 1 = slotB. */
  slot: -1 | 0 | 1;
  /** True for the test boot of a newly activated slot. */
  test: boolean;
  /** The .wasm to run (null: the factory image). */
  wasm: Uint8Array | null;
  /** Hex SHA-256 of the .wasm that runs. */
  sha256: string;
}

/** Thrown by the HAL import `boot_reset`: the simulator reboots the board (not a power cut). */
export class BootReset extends DendraError {
  constructor() {
    super('E_BOOT_RESET', 'the firmware asked for a system reset');
  }
}

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true);

/** Reads slot i's header from `flash` (never throws; an unreadable slot reads as empty). */
export function readFwSlot(flash: FlashFile, board: Board, i: 0 | 1): FwSlot {
  const r = board.flash.regions[i === 0 ? 'slotA' : 'slotB'];
  const h = new Uint8Array(96);
  const slot: FwSlot = { index: i, addr: r.addr, cap: r.size - FW.HEADER, state: 0, generation: 0, length: 0, sha256: '', dataOff: 0 };
  if (flash.read(r.addr, h) !== 0 || u32(h, 0) !== FW.MAGIC) return slot;
  const mark = (o: number, bit: number) => (u32(h, o) === FW.MARK ? bit : 0);
  slot.state = FwState.image | mark(FW.COMMITTED, FwState.committed) | mark(FW.PENDING, FwState.pending)
    | mark(FW.TRIED, FwState.tried) | mark(FW.CONFIRMED, FwState.confirmed) | mark(FW.REVOKED, FwState.revoked);
  const g = u32(h, FW.GEN);
  slot.generation = g === 0xffffffff ? 0 : g;
  slot.length = u32(h, FW.LEN);
  slot.sha256 = Buffer.from(h.subarray(FW.SHA, FW.SHA + 32)).toString('hex');
  slot.dataOff = u32(h, FW.DATA_OFF) === 80 ? 80 : 0;
  return slot;
}

/** The boot ROM of one simulated board. */
export class BootRom {
  /** What runs now (set by {@link pick}). */
  current: BootPick;

  /**
   * @param write programs flash like a HAL flash_write, counted as a HAL call so an armed power
   *   cut can hit the ROM's own TRIED write (it throws PowerCut then).
   */
  constructor(private readonly flash: FlashFile, private readonly board: Board, private readonly factory: Uint8Array,
              private readonly write: (addr: number, data: Uint8Array) => number) {
    this.current = { slot: -1, test: false, wasm: null, sha256: hex(factory) };
  }

  /** The .wasm of slot s when its image checks out (hash; signature on a keyed board), else null. */
  image(s: FwSlot): Uint8Array | null {
    if ((s.state & FwState.committed) === 0 || s.length === 0 || s.dataOff + s.length + (s.dataOff ? 64 : 0) > s.cap) return null;
    const data = this.flash.view().subarray(s.addr + FW.HEADER, s.addr + FW.HEADER + s.dataOff + s.length + (s.dataOff ? 64 : 0));
    const wasm = data.subarray(s.dataOff, s.dataOff + s.length);
    if (hex(wasm) !== s.sha256) return null;
    if (s.dataOff === 0) return readKeyTable(this.flash, this.board) === null ? wasm.slice() : null;
    const keys = readKeyTable(this.flash, this.board) ?? [];
    const signed = data.subarray(0, 80 + s.length);
    const sig = data.subarray(80 + s.length);
    const kid = data.subarray(68, 76);
    const ok = keys.some((k) => {
      if (Buffer.compare(createHash('sha256').update(k).digest().subarray(0, 8), Buffer.from(kid)) !== 0) return false;
      try {
        return ed.verify(sig, signed, k, { zip215: false });
      } catch {
        return false;
      }
    });
    return ok ? wasm.slice() : null;
  }

  /**
   * Chooses what boots now (see the module comment) and records it in {@link current}. May write
   * TRIED through `write` (a PowerCut thrown there propagates: the boot did not happen).
   */
  pick(): BootPick {
    const slots = [readFwSlot(this.flash, this.board, 0), readFwSlot(this.flash, this.board, 1)];
    const has = (s: FwSlot, bit: number) => (s.state & bit) !== 0;
    const byGen = (a: FwSlot, b: FwSlot) => b.generation - a.generation;
    const test = slots.filter((s) => has(s, FwState.pending) && !has(s, FwState.tried) && !has(s, FwState.confirmed) && !has(s, FwState.revoked)).sort(byGen);
    for (const s of test) {
      const wasm = this.image(s);
      if (!wasm) continue;
      const mark = new Uint8Array(4);
      new DataView(mark.buffer).setUint32(0, FW.MARK, true);
      if (this.write(s.addr + FW.TRIED, mark) !== 0) continue;
      return (this.current = { slot: s.index, test: true, wasm, sha256: s.sha256 });
    }
    for (const s of slots.filter((x) => has(x, FwState.confirmed) && !has(x, FwState.revoked)).sort(byGen)) {
      const wasm = this.image(s);
      if (wasm) return (this.current = { slot: s.index, test: false, wasm, sha256: s.sha256 });
    }
    return (this.current = { slot: -1, test: false, wasm: null, sha256: hex(this.factory) });
  }
}

/** What the `boot_*` HAL imports need from the HAL. */
export interface BootHalHost {
  /** Bytes of wasm memory [ptr, ptr+len), or null when out of range. */
  span(ptr: number, len: number): Uint8Array | null;
  flash: FlashFile;
  /** The ROM's current pick (null: no ROM, the factory image runs as on a board without slots). */
  current(): BootPick | null;
  /** SHA-256 (hex) of the image that runs when there is no pick; absent: unknown. */
  factorySha256?: string;
}

/** The HAL group `boot_*` (firmware/assembly/hal/boot.ts). Bad ranges return -1, never throw (except boot_reset). */
export function bootImports(h: BootHalHost): Record<string, (...a: number[]) => unknown> {
  const flashBytes = (addr: number, len: number): Uint8Array | null => {
    const a = addr >>> 0;
    const n = len >>> 0;
    return a + n <= h.flash.sizeBytes ? h.flash.view().subarray(a, a + n) : null;
  };
  return {
    boot_slot: (): number => h.current()?.slot ?? -1,
    boot_test: (): number => (h.current()?.test ? 1 : 0),
    boot_reset: (): void => {
      throw new BootReset();
    },
    boot_image_sha256: (dst: number): number => {
      const hex = h.current()?.sha256 ?? h.factorySha256;
      const out = h.span(dst, 32);
      if (out === null) return -1;
      if (!hex || !/^[0-9a-f]{64}$/.test(hex)) return -2;
      out.set(Buffer.from(hex, 'hex'));
      return 0;
    },
    boot_flash_sha256: (addr: number, len: number, dst: number): number => {
      const src = flashBytes(addr, len);
      const out = h.span(dst, 32);
      if (src === null || out === null) return -1;
      out.set(createHash('sha256').update(src).digest());
      return 0;
    },
    boot_flash_ed25519_verify: (addr: number, len: number, sig: number, pub: number): number => {
      const m = flashBytes(addr, len);
      const s = h.span(sig, 64);
      const p = h.span(pub, 32);
      if (m === null || s === null || p === null) return -1;
      try {
        return ed.verify(s.slice(), m.slice(), p.slice(), { zip215: false }) ? 1 : 0;
      } catch {
        return 0;
      }
    },
  };
}
