/**
 * The Node implementation of every HAL import of the firmware (module "hal", CONTRACTS.md):
 * UART over a byte FIFO, file-backed NOR flash, DMA replay of the ETT windows, a simulated clock
 * and PMU energy counter, network publish through a {@link Publisher}, SHA-256 and Ed25519
 * verification (@noble/ed25519, strict RFC 8032), logging and board facts. Every pointer/length the wasm passes is bounds-checked: a firmware bug gets a negative
 * status, never an exception in the simulator.
 *
 * The imports themselves live in hal-uart.ts and hal-imports.ts, the shared constants and types
 * in hal-types.ts (re-exported here, so callers import everything from this module).
 */
import { performance } from 'node:perf_hooks';
import type { DmaChannel } from './sensors.ts';
import { NetStack } from './net.ts';
import { bootImports, type BootPick } from './bootrom.ts';
import type { Publisher } from '@dendra/ops/mqtt/device.ts';
import {
  FLASH_OPS, PowerCut, type HalCallCounts, type HalOptions, type HalStats, type PowerCutAt,
} from './hal-types.ts';
import { UartRxFifo, uartImports, type UartCtx } from './hal-uart.ts';
import { flashImports, netImports, systemImports, timeImports, type TimeCtx } from './hal-imports.ts';

export {
  boardFamily, HAL_E_BOUNDS, LOG_LEVELS, UART_RX_CAP, FLASH_OPS, PowerCut,
  type HalCallCounts, type PowerCutAt, type HalOptions, type HalStats,
} from './hal-types.ts';

/** The board-side state behind the imports, plus the hooks the simulator's main loop needs. */
export class SimHal {
  private memory: WebAssembly.Memory | null = null;
  private readonly rx = new UartRxFifo();
  /** Board clock at the start of the current tick (or while asleep), ms. */
  private simMs = 0;
  private tickStart: number | null = null;
  private energyUj = 0;
  /** The wake time the firmware asked for in this tick, or null. */
  sleepRequest: number | null = null;
  /** Counters for reports and tests. */
  readonly stats: HalStats = { rxDropped: 0, txBytes: 0, published: 0, publishErrors: 0, halErrors: 0, activeMs: 0, sleepMs: 0 };
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
    this.rx.clear();
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
    this.stats.rxDropped += this.rx.push(bytes);
    this.onRx?.();
  }

  /** Bytes waiting in the RX FIFO. */
  rxPending(): number {
    return this.rx.pending();
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
    const c = this.importContext();
    const all: Record<string, (...a: number[]) => unknown> = {
      ...uartImports(c), ...flashImports(c), ...timeImports(c), ...netImports(c, this.net), ...systemImports(c),
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

  /** The view of this HAL's state that the import builders (hal-uart.ts, hal-imports.ts) use. */
  private importContext(): UartCtx & TimeCtx {
    return {
      o: this.o,
      stats: this.stats,
      rx: this.rx,
      span: (p, l) => this.span(p, l),
      setBaud: (b) => {
        this.baud = b;
        this.o.uartSetBaud?.(b);
      },
      dmaChannel: (ch) => this.dmaChannel(ch),
      memoryBuffer: () => this.memory?.buffer,
      nowMs: () => this.nowMs(),
      energy: () => this.energy(),
      requestSleep: (ms) => {
        this.sleepRequest = ms;
      },
    };
  }
}
