/**
 * The flash, DMA/clock/PMU, network, crypto, log and board imports of the simulator's HAL
 * (hal.ts builds the import object from them). Every pointer/length the wasm passes goes through
 * the context's bounds-checked `span`: a firmware bug gets a negative status, never an exception.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ed } from '../image/keys.ts';
import { REGION_NAMES } from '../boards/board.ts';
import { DMA_E_CHANNEL, type DmaChannel } from './sensors.ts';
import type { NetStack } from './net.ts';
import { HAL_E_BOUNDS, LOG_LEVELS, boardFamily, type HalOptions, type HalStats } from './hal-types.ts';

/** What the import builders need from the HAL (SimHal in hal.ts implements it). */
export interface HalCtx {
  readonly o: HalOptions;
  readonly stats: HalStats;
  /** Bytes of linear memory [ptr, ptr+len), or null (counted as a HAL error) when out of range. */
  span(ptr: number, len: number): Uint8Array | null;
}

/**
 * The `flash_*` imports over the board's flash file. Out-of-range buffers, unknown region ids
 * and optional regions the board lacks return HAL_E_BOUNDS; flash errors are the FlashFile's
 * statuses. None throws.
 */
export function flashImports(c: HalCtx) {
  const f = c.o.flash;
  return {
    flash_read: (addr: number, dst: number, len: number): number => {
      const out = c.span(dst, len);
      return out === null ? HAL_E_BOUNDS : f.read(addr >>> 0, out);
    },
    flash_write: (addr: number, src: number, len: number): number => {
      const data = c.span(src, len);
      return data === null ? HAL_E_BOUNDS : f.write(addr >>> 0, data);
    },
    flash_erase: (addr: number, len: number): number => f.erase(addr >>> 0, len >>> 0),
    flash_sector_size: (): number => c.o.board.flash.sectorBytes,
    flash_region: (id: number, out: number): number => {
      const name = REGION_NAMES[id >>> 0];
      const dst = c.span(out, 8);
      if (name === undefined || dst === null) return HAL_E_BOUNDS;
      const r = c.o.board.flash.regions[name];
      if (r === undefined) return HAL_E_BOUNDS; // an optional region (packModel) this board lacks
      const dv = new DataView(dst.buffer, dst.byteOffset, 8);
      dv.setUint32(0, r.addr, true);
      dv.setUint32(4, r.size, true);
      return 0;
    },
  };
}

/** What the DMA, clock and PMU imports need besides {@link HalCtx}. */
export interface TimeCtx extends HalCtx {
  /** DMA channel `ch` (0 transformer, 1 pack), or undefined when the board has no such channel. */
  dmaChannel(ch: number): DmaChannel | undefined;
  /** The instance's linear memory, or undefined before attach. */
  memoryBuffer(): ArrayBuffer | undefined;
  nowMs(): number;
  energy(): number;
  /** Records the wake time the firmware asked for in this tick. */
  requestSleep(ms: number): void;
}

/**
 * The `dma_*`, `pmu_*` and `clock_*` imports. A missing DMA channel returns DMA_E_CHANNEL, an
 * out-of-range buffer (or no memory yet) HAL_E_BOUNDS; a non-finite sleep time is ignored. None throws.
 */
export function timeImports(c: TimeCtx) {
  return {
    dma_start: (ch: number, dst: number, len: number): number => {
      const d = c.dmaChannel(ch);
      if (!d) return DMA_E_CHANNEL;
      if (c.span(dst, len) === null) return HAL_E_BOUNDS;
      return d.begin(dst >>> 0, len >>> 0, c.nowMs());
    },
    dma_status: (ch: number): number => {
      const d = c.dmaChannel(ch);
      if (!d) return DMA_E_CHANNEL;
      const buf = c.memoryBuffer();
      return buf ? d.status(c.nowMs(), new Uint8Array(buf)) : HAL_E_BOUNDS;
    },
    pmu_sleep_until: (ms: number): void => {
      if (Number.isFinite(ms)) c.requestSleep(ms);
    },
    pmu_energy_uj: (): number => c.energy(),
    clock_now_ms: (): number => c.nowMs(),
    clock_wall_ms: (): number => (c.o.wallMs ?? Date.now)(),
  };
}

/**
 * The `net_*` imports over `net`. A bad buffer, an empty or over-64-byte kind, or qos above 1
 * returns HAL_E_BOUNDS; publish failures are the NetStack's negative ids (counted). None throws.
 */
export function netImports(c: HalCtx, net: NetStack) {
  return {
    net_publish: (kind: number, kindLen: number, payload: number, len: number, qos: number, retain: number): number => {
      const k = c.span(kind, kindLen);
      const p = c.span(payload, len);
      if (k === null || p === null || kindLen === 0 || kindLen > 64 || qos > 1) return HAL_E_BOUNDS;
      const id = net.publish(new TextDecoder().decode(k), p.slice(), qos === 1 ? 1 : 0, retain !== 0);
      if (id < 0) c.stats.publishErrors++;
      else if (c.o.publisher) c.stats.published++;
      return id;
    },
    net_is_acked: (id: number): number => net.isAcked(id),
    net_connected: (): number => net.connected(),
    net_cmd_poll: (dst: number, cap: number): number => {
      const out = c.span(dst, cap);
      return out === null ? HAL_E_BOUNDS : net.pollCommand(out);
    },
    net_announce: (): number => net.announce(),
  };
}

/**
 * The `crypto_*`, `log_write` and `board_*` imports. Bad buffers return HAL_E_BOUNDS (log_write
 * drops the line); a malformed Ed25519 key or signature verifies as 0. None throws.
 */
export function systemImports(c: HalCtx) {
  const board = c.o.board;
  return {
    crypto_sha256: (src: number, len: number, dst: number): number => {
      const data = c.span(src, len);
      const out = c.span(dst, 32);
      if (data === null || out === null) return HAL_E_BOUNDS;
      out.set(sha256(data));
      return 0;
    },
    crypto_ed25519_verify: (msg: number, msgLen: number, sig: number, pub: number): number => {
      const m = c.span(msg, msgLen);
      const sg = c.span(sig, 64);
      const pk = c.span(pub, 32);
      if (m === null || sg === null || pk === null) return HAL_E_BOUNDS;
      try {
        return ed.verify(sg.slice(), m.slice(), pk.slice(), { zip215: false }) ? 1 : 0;
      } catch {
        return 0; // malformed key or signature encoding
      }
    },
    log_write: (level: number, src: number, len: number): void => {
      const text = c.span(src, Math.min(len >>> 0, 4096));
      if (text === null) return;
      const line = new TextDecoder().decode(text);
      if (c.o.log) c.o.log(level, line);
      else process.stderr.write(`[board] ${LOG_LEVELS[level] ?? level}: ${line}\n`);
    },
    board_arena_limit: (): number => board.arenaLimitBytes,
    board_max_frame: (): number => board.uart.maxFramePayload,
    board_max_baud: (): number => board.uart.maxBaud,
    board_name: (dst: number, cap: number): number => copyName(c, board.name, dst, cap),
    board_family: (dst: number, cap: number): number => copyName(c, boardFamily(board), dst, cap),
  };
}

/** Copies UTF-8 `text`, cut to `cap` bytes, to [dst, ...); its length, or HAL_E_BOUNDS. */
function copyName(c: HalCtx, text: string, dst: number, cap: number): number {
  const name = new TextEncoder().encode(text);
  const out = c.span(dst, Math.min(cap >>> 0, name.length));
  if (out === null) return HAL_E_BOUNDS;
  out.set(name.subarray(0, out.length));
  return out.length;
}
