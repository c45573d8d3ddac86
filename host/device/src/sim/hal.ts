/**
 * The Node implementation of every HAL import of the firmware (module "hal", CONTRACTS.md):
 * UART over a byte FIFO, file-backed NOR flash, DMA replay of the ETT windows, a simulated clock
 * and PMU energy counter, network publish through a {@link Publisher}, SHA-256 and Ed25519
 * verification (@noble/ed25519, strict RFC 8032), logging and board facts. Every pointer/length the wasm passes is bounds-checked: a firmware bug gets a negative
 * status, never an exception in the simulator.
 */
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { DendraError } from '@dendra/core/errors.ts';
import { ed } from '../image/keys.ts';
import { REGION_NAMES, type Board } from '../boards/board.ts';
import type { FlashFile } from './flashfile.ts';
import { DMA_E_CHANNEL, type WindowDma, type DmaChannel } from './sensors.ts';
import { NetStack } from './net.ts';
import { bootImports, type BootPick } from './bootrom.ts';
import type { Publisher } from '@dendra/ops/mqtt/device.ts';

/**
 * The board family a signed image must name to run on `board` (HAL `board_family`): the board's
 * `family` (by default its SoC's name, e.g. "sim-soc"), else its name cut to 16 characters.
 * Never throws.
 */
export function boardFamily(board: Board): string {
  return board.family ?? board.name.slice(0, 16);
}

/** Status for a pointer/length outside linear memory or an invalid argument (firmware E_BOUNDS). */
export const HAL_E_BOUNDS = -1;
/** Log levels of `log_write`. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** Capacity of the UART RX FIFO; bytes beyond it are dropped (and counted), like a real FIFO overrun. */
export const UART_RX_CAP = 64 * 1024;

/** HAL imports that touch the flash (counted by {@link HalCallCounts.flashOps}). */
export const FLASH_OPS: ReadonlySet<string> = new Set(['flash_read', 'flash_write', 'flash_erase']);

/**
 * Thrown from inside a HAL import when an armed power cut fires: the call does not happen, the
 * exception unwinds through the wasm (AssemblyScript has no catch), and the simulator drops the
 * instance and boots a fresh one from the same flash file.
 */
export class PowerCut extends DendraError {
  constructor(readonly halCall: number, readonly importName: string) {
    super('E_POWER_CUT', `power cut at HAL call ${halCall} (${importName})`);
  }
}

/** HAL calls since the simulator started (all boots): every import, and the flash ones. */
export interface HalCallCounts {
  halCalls: number;
  flashOps: number;
}

/** When an armed power cut fires: at an absolute HAL call number and/or flash op number (1-based). */
export interface PowerCutAt {
  halCall?: number;
  flashOp?: number;
}

/** Options of {@link SimHal}. */
export interface HalOptions {
  board: Board;
  flash: FlashFile;
  dma: WindowDma;
  /** DMA channel 1, the pack front-end (sensors-pack.ts); absent: channel 1 does not exist. */
  packDma?: DmaChannel;
  /** Sends UART TX bytes (to the pty). */
  uartTx: (bytes: Uint8Array) => void;
  /**
   * Switches the UART's line rate (the sim's wire pacing follows it); called by `uart_set_baud`
   * after its bounds check and with the board's default baud at a power-on reset. Default: no-op.
   */
  uartSetBaud?: (baud: number) => void;
  publisher?: Publisher;
  /** Receives firmware log lines (default: stderr). */
  log?: (level: number, text: string) => void;
  /**
   * SHA-256 (hex) of the firmware image that runs when no boot ROM picked one (HAL
   * boot_image_sha256; with a ROM its pick's hash is used). Absent: the HAL reports it unknown.
   */
  imageSha256?: string;
}

/** The board-side state behind the imports, plus the hooks the simulator's main loop needs. */
export class SimHal {
  private memory: WebAssembly.Memory | null = null;
  private rx: Uint8Array[] = [];
  private rxBytes = 0;
  /** Board clock at the start of the current tick (or while asleep), ms. */
  private simMs = 0;
  private tickStart: number | null = null;
  private energyUj = 0;
  /** The wake time the firmware asked for in this tick, or null. */
  sleepRequest: number | null = null;
  /** Counters for reports and tests. */
  readonly stats = { rxDropped: 0, txBytes: 0, published: 0, publishErrors: 0, halErrors: 0, activeMs: 0, sleepMs: 0 };
  /** The UART's baud (the board's default until the firmware calls uart_set_baud). */
  baud: number;
  /** Called when UART bytes arrive (the simulator wakes the core). */
  onRx: (() => void) | null = null;
  /** HAL calls made so far (they number the power-cut points). */
  readonly calls: HalCallCounts = { halCalls: 0, flashOps: 0 };
  private cut: PowerCutAt | null = null;

  /** Message ids and delivery states behind net_publish / net_is_acked / net_connected. */
  private readonly net: NetStack;
  /** What the boot ROM started (HAL boot_slot / boot_test; host/device/src/sim/bootrom.ts); null: factory image, no ROM. */
  bootPick: BootPick | null = null;

  constructor(private readonly o: HalOptions) {
    this.net = new NetStack(o.publisher);
    // Commands wake the core like UART bytes do (the simulator's onRx hook).
    o.publisher?.onCommand?.((payload) => {
      this.net.pushCommand(payload);
      this.onRx?.();
    });
    this.baud = o.board.uart.defaultBaud;
  }

  /** Gives the HAL the instance's memory (call right after instantiation). */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.o.packDma?.abort(); // a new instance: a transfer into the old one's memory is void (channel 0: the Runner)
  }

  /**
   * Arms a power cut: the HAL call whose number (1-based, counted since the simulator started)
   * reaches `at.halCall`, or the flash call reaching `at.flashOp`, throws {@link PowerCut}
   * instead of running. Fires once, then disarms. null disarms.
   */
  armPowerCut(at: PowerCutAt | null): void {
    this.cut = at && (at.halCall !== undefined || at.flashOp !== undefined) ? { ...at } : null;
  }

  /** The armed power cut, if any. */
  armedPowerCut(): PowerCutAt | null {
    return this.cut ? { ...this.cut } : null;
  }

  /** Power-on reset of the board-side RAM state: RX FIFO emptied, no pending sleep or tick. */
  powerReset(): void {
    this.baud = this.o.board.uart.defaultBaud;
    this.o.uartSetBaud?.(this.baud);
    this.rx = [];
    this.rxBytes = 0;
    this.sleepRequest = null;
    this.tickStart = null;
    this.memory = null;
    this.net.reset();
  }

  /** Counts one import call (or a boot ROM flash write); throws PowerCut when the armed cut is reached. */
  count(name: string): void {
    const n = ++this.calls.halCalls;
    const isFlash = FLASH_OPS.has(name);
    if (isFlash) this.calls.flashOps++;
    const c = this.cut;
    if (c === null) return;
    if ((c.halCall !== undefined && n >= c.halCall) || (isFlash && c.flashOp !== undefined && this.calls.flashOps >= c.flashOp)) {
      this.cut = null;
      throw new PowerCut(n, name);
    }
  }

  /** Appends received UART bytes to the RX FIFO (drops the excess when full) and wakes the core. */
  feedRx(bytes: Uint8Array): void {
    const room = UART_RX_CAP - this.rxBytes;
    const take = bytes.subarray(0, Math.max(0, room));
    this.stats.rxDropped += bytes.length - take.length;
    if (take.length > 0) {
      this.rx.push(take.slice());
      this.rxBytes += take.length;
    }
    this.onRx?.();
  }

  /** Bytes waiting in the RX FIFO. */
  rxPending(): number {
    return this.rxBytes;
  }

  /** Board time now, ms (simulated: sleeps jump, active time runs 1:1 with real time). */
  nowMs(): number {
    return this.simMs + (this.tickStart === null ? 0 : performance.now() - this.tickStart);
  }

  /** Marks the start of a fw_tick (active mode). */
  beginTick(): void {
    this.sleepRequest = null;
    this.tickStart = performance.now();
  }

  /** Ends a tick: active time joins the clock and the energy counter. */
  endTick(): void {
    if (this.tickStart === null) return;
    const dt = performance.now() - this.tickStart;
    this.tickStart = null;
    this.simMs += dt;
    this.stats.activeMs += dt;
    this.energyUj += dt * this.modeMw('active');
  }

  /** Advances the sleeping board to `ms` (never backwards), counting sleep-mode energy. */
  sleepTo(ms: number): void {
    const dt = ms - this.simMs;
    if (!(dt > 0)) return;
    this.simMs = ms;
    this.stats.sleepMs += dt;
    this.energyUj += dt * this.modeMw('sleep');
  }

  /** Energy since boot, µJ (mA x V = mW; mW x ms = µJ). */
  energy(): number {
    const active = this.tickStart === null ? 0 : (performance.now() - this.tickStart) * this.modeMw('active');
    return this.energyUj + active;
  }

  private modeMw(mode: string): number {
    return (this.o.board.pmu.modes[mode]?.currentMa ?? 0) * this.o.board.pmu.supplyV;
  }

  /** Board time of the next DMA completion (an interrupt that ends a sleep), or null. */
  nextDmaMs(): number | null {
    const due = [this.o.dma.dueMs(), this.o.packDma?.dueMs() ?? null].filter((d): d is number => d !== null);
    return due.length > 0 ? Math.min(...due) : null;
  }

  /** DMA channel `ch` (0 transformer, 1 pack), or undefined when the board has no such channel. */
  private dmaChannel(ch: number): DmaChannel | undefined {
    return ch === 0 ? this.o.dma : ch === 1 ? this.o.packDma : undefined;
  }

  /** Bytes of linear memory [ptr, ptr+len), or null (counted) when out of range. */
  private span(ptr: number, len: number): Uint8Array | null {
    const buf = this.memory?.buffer;
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (!buf || p + n > buf.byteLength) {
      this.stats.halErrors++;
      return null;
    }
    return new Uint8Array(buf, p, n);
  }

  /** The import object: `{ hal: {...} }` for WebAssembly.instantiate. */
  imports(): WebAssembly.Imports {
    const all: Record<string, (...a: number[]) => unknown> = {
      ...this.uartImports(), ...this.flashImports(), ...this.timeImports(), ...this.miscImports(),
      ...bootImports({ span: (p, l) => this.span(p, l), flash: this.o.flash, current: () => this.bootPick, factorySha256: this.o.imageSha256 }),
    };
    const hal: Record<string, (...a: number[]) => unknown> = {};
    for (const [name, fn] of Object.entries(all)) {
      hal[name] = (...a: number[]) => {
        this.count(name);
        return fn(...a);
      };
    }
    return { hal };
  }

  private uartImports() {
    return {
      uart_read: (dst: number, max: number): number => {
        const out = this.span(dst, max);
        if (out === null) return HAL_E_BOUNDS;
        let n = 0;
        while (n < out.length && this.rx.length > 0) {
          const head = this.rx[0];
          const k = Math.min(head.length, out.length - n);
          out.set(head.subarray(0, k), n);
          n += k;
          if (k === head.length) this.rx.shift();
          else this.rx[0] = head.subarray(k);
        }
        this.rxBytes -= n;
        return n;
      },
      uart_write: (src: number, len: number): number => {
        const data = this.span(src, len);
        if (data === null) return HAL_E_BOUNDS;
        this.o.uartTx(data.slice());
        this.stats.txBytes += data.length;
        return data.length;
      },
      uart_set_baud: (baud: number): number => {
        const b = (baud >>> 0) || this.o.board.uart.defaultBaud;
        if (b > this.o.board.uart.maxBaud) return HAL_E_BOUNDS;
        this.baud = b;
        this.o.uartSetBaud?.(b);
        return 0;
      },
    };
  }

  private flashImports() {
    const f = this.o.flash;
    return {
      flash_read: (addr: number, dst: number, len: number): number => {
        const out = this.span(dst, len);
        return out === null ? HAL_E_BOUNDS : f.read(addr >>> 0, out);
      },
      flash_write: (addr: number, src: number, len: number): number => {
        const data = this.span(src, len);
        return data === null ? HAL_E_BOUNDS : f.write(addr >>> 0, data);
      },
      flash_erase: (addr: number, len: number): number => f.erase(addr >>> 0, len >>> 0),
      flash_sector_size: (): number => this.o.board.flash.sectorBytes,
      flash_region: (id: number, out: number): number => {
        const name = REGION_NAMES[id >>> 0];
        const dst = this.span(out, 8);
        if (name === undefined || dst === null) return HAL_E_BOUNDS;
        const r = this.o.board.flash.regions[name];
        if (r === undefined) return HAL_E_BOUNDS; // an optional region (packModel) this board lacks
        const dv = new DataView(dst.buffer, dst.byteOffset, 8);
        dv.setUint32(0, r.addr, true);
        dv.setUint32(4, r.size, true);
        return 0;
      },
    };
  }

  private timeImports() {
    return {
      dma_start: (ch: number, dst: number, len: number): number => {
        const d = this.dmaChannel(ch);
        if (!d) return DMA_E_CHANNEL;
        if (this.span(dst, len) === null) return HAL_E_BOUNDS;
        return d.begin(dst >>> 0, len >>> 0, this.nowMs());
      },
      dma_status: (ch: number): number => {
        const d = this.dmaChannel(ch);
        if (!d) return DMA_E_CHANNEL;
        const buf = this.memory?.buffer;
        return buf ? d.status(this.nowMs(), new Uint8Array(buf)) : HAL_E_BOUNDS;
      },
      pmu_sleep_until: (ms: number): void => {
        if (Number.isFinite(ms)) this.sleepRequest = ms;
      },
      pmu_energy_uj: (): number => this.energy(),
      clock_now_ms: (): number => this.nowMs(),
    };
  }

  private miscImports() {
    const board = this.o.board;
    return {
      net_publish: (kind: number, kindLen: number, payload: number, len: number, qos: number, retain: number): number => {
        const k = this.span(kind, kindLen);
        const p = this.span(payload, len);
        if (k === null || p === null || kindLen === 0 || kindLen > 64 || qos > 1) return HAL_E_BOUNDS;
        const id = this.net.publish(new TextDecoder().decode(k), p.slice(), qos === 1 ? 1 : 0, retain !== 0);
        if (id < 0) this.stats.publishErrors++;
        else if (this.o.publisher) this.stats.published++;
        return id;
      },
      net_is_acked: (id: number): number => this.net.isAcked(id),
      net_connected: (): number => this.net.connected(),
      net_cmd_poll: (dst: number, cap: number): number => {
        const out = this.span(dst, cap);
        return out === null ? HAL_E_BOUNDS : this.net.pollCommand(out);
      },
      net_announce: (): number => this.net.announce(),
      crypto_sha256: (src: number, len: number, dst: number): number => {
        const data = this.span(src, len);
        const out = this.span(dst, 32);
        if (data === null || out === null) return HAL_E_BOUNDS;
        out.set(sha256(data));
        return 0;
      },
      crypto_ed25519_verify: (msg: number, msgLen: number, sig: number, pub: number): number => {
        const m = this.span(msg, msgLen);
        const sg = this.span(sig, 64);
        const pk = this.span(pub, 32);
        if (m === null || sg === null || pk === null) return HAL_E_BOUNDS;
        try {
          return ed.verify(sg.slice(), m.slice(), pk.slice(), { zip215: false }) ? 1 : 0;
        } catch {
          return 0; // malformed key or signature encoding
        }
      },
      log_write: (level: number, src: number, len: number): void => {
        const text = this.span(src, Math.min(len >>> 0, 4096));
        if (text === null) return;
        const line = new TextDecoder().decode(text);
        if (this.o.log) this.o.log(level, line);
        else process.stderr.write(`[board] ${LOG_LEVELS[level] ?? level}: ${line}\n`);
      },
      board_arena_limit: (): number => board.arenaLimitBytes,
      board_max_frame: (): number => board.uart.maxFramePayload,
      board_max_baud: (): number => board.uart.maxBaud,
      board_name: (dst: number, cap: number): number => {
        const name = new TextEncoder().encode(board.name);
        const out = this.span(dst, Math.min(cap >>> 0, name.length));
        if (out === null) return HAL_E_BOUNDS;
        out.set(name.subarray(0, out.length));
        return out.length;
      },
      board_family: (dst: number, cap: number): number => {
        const name = new TextEncoder().encode(boardFamily(board));
        const out = this.span(dst, Math.min(cap >>> 0, name.length));
        if (out === null) return HAL_E_BOUNDS;
        out.set(name.subarray(0, out.length));
        return out.length;
      },
    };
  }
}
