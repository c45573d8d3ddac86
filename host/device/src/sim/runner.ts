/**
 * The simulated board's main loop (sim.ts starts it): instantiates the firmware the boot ROM picks,
 * runs `fw_init` then `fw_tick` in a loop, reboots after a trap (watchdog), a power cut or a
 * firmware reset, and paces the board's sleeps in real time (`msPerHour` per simulated hour),
 * waking early for UART bytes and DMA completions.
 */
import { performance } from 'node:perf_hooks';
import { InputError, DendraError } from '@dendra/core/errors.ts';
import { PowerCut, type SimHal } from './hal.ts';
import { BootReset, type BootRom, type BootPick } from './bootrom.ts';
import { HOUR_MS, type WindowDma } from './sensors.ts';
import type { SimStats } from './sim.ts';

/** Consecutive traps after which the simulator stops rebooting the firmware. */
export const MAX_CONSECUTIVE_TRAPS = 3;
/** Real-time lag beyond which the pacing stops trying to catch up (ms). */
const MAX_LAG_MS = 100;

/** A firmware abort/trap. */
export class FirmwareTrap extends DendraError {
  constructor(message: string) {
    super('E_FIRMWARE_TRAP', message);
  }
}

/** The AssemblyScript string at `ptr` (for abort messages); '?' when it is out of bounds. */
function readAsString(mem: WebAssembly.Memory | null, ptr: number): string {
  if (!mem || ptr < 4 || ptr > mem.buffer.byteLength) return '?';
  const bytes = new DataView(mem.buffer).getUint32(ptr - 4, true);
  if (ptr + bytes > mem.buffer.byteLength || bytes > 4096) return '?';
  return Buffer.from(mem.buffer, ptr, bytes).toString('utf16le');
}

type Exports = { fw_init: () => number; fw_tick: () => number; memory: WebAssembly.Memory } & Record<string, unknown>;

/** The board's main loop: instantiation, reboots on traps, ticks and paced sleeps. */
export class Runner {
  private ex: Exports | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private realDue = performance.now();
  private consecutiveTraps = 0;
  private readonly counters = { ticks: 0, traps: 0, boots: 0, powerCuts: 0, resets: 0, lastTick: 0 };
  private readonly slotModules = new Map<string, WebAssembly.Module>();
  private resetDepth = 0;

  constructor(private readonly module: WebAssembly.Module, private readonly hal: SimHal,
              private readonly dma: WindowDma, private readonly log: (l: number, t: string) => void,
              private readonly msPerHour: number, private readonly rom: BootRom | null = null) {
    hal.onRx = () => this.wake?.();
  }

  /** Instantiates the firmware the boot ROM picks and runs fw_init; returns its status (a trap counts as one). */
  boot(): number {
    const module = this.romModule();
    if (typeof module === 'number') return module;
    const ex = this.instantiate(module);
    if (ex === null) return -1;
    this.hal.attach(ex.memory);
    this.dma.abort();
    this.ex = ex;
    this.counters.boots++;
    this.hal.beginTick();
    try {
      return ex.fw_init();
    } catch (e) {
      if (e instanceof PowerCut) {
        this.hal.endTick();
        return this.powerCycle();
      }
      if (e instanceof BootReset) {
        this.hal.endTick();
        return this.softReset();
      }
      this.trapped(e, 'fw_init');
      return -1;
    } finally {
      this.hal.endTick();
    }
  }

  /**
   * The module to boot: the factory image, or the slot the boot ROM picks. A number when the boot
   * ended there (a power cut during the ROM's own write: the status of the next boot; a slot image
   * that is not valid wasm: -1, counted as a trapped boot).
   */
  private romModule(): WebAssembly.Module | number {
    if (!this.rom) return this.module;
    let pick: BootPick;
    try {
      pick = this.rom.pick();
    } catch (e) {
      if (e instanceof PowerCut) return this.powerCycle();
      throw e;
    }
    this.hal.bootPick = pick;
    if (!pick.wasm) return this.module;
    try {
      return this.slotModule(pick);
    } catch (e) {
      this.counters.boots++;
      this.trapped(e, `boot of slot ${'AB'[pick.slot]}`);
      return -1;
    }
  }

  /**
   * Instantiates `module` with the HAL imports. Null when a slot image does not link, its start
   * function traps, or it lacks the firmware exports (counted as a trapped boot).
   * @throws InputError `E_FIRMWARE` when the factory image does not link or lacks the exports.
   */
  private instantiate(module: WebAssembly.Module): Exports | null {
    let memory: WebAssembly.Memory | null = null;
    const env = {
      abort: (msg: number, file: number, line: number, col: number) => {
        throw new FirmwareTrap(`abort: ${readAsString(memory, msg)} at ${readAsString(memory, file)}:${line}:${col}`);
      },
      trace: () => {},
      seed: () => Date.now(),
    };
    let inst: WebAssembly.Instance;
    try {
      inst = new WebAssembly.Instance(module, { ...this.hal.imports(), env });
    } catch (e) {
      if (module !== this.module) {
        this.counters.boots++;
        this.trapped(e, 'boot of a slot image (it does not link with the HAL, or its start function trapped)');
        return null;
      }
      throw new InputError('E_FIRMWARE', `firmware does not link with the simulator's HAL: ${(e as Error).message}`);
    }
    const ex = inst.exports as Exports;
    if (typeof ex.fw_init !== 'function' || typeof ex.fw_tick !== 'function' || !(ex.memory instanceof WebAssembly.Memory)) {
      if (module !== this.module) {
        // A slot image that is WebAssembly but not a firmware (e.g. build/engine.wasm): a failed
        // boot, like a trap; the boot ROM then rolls back to the previous firmware.
        this.counters.boots++;
        this.trapped(new Error('the image does not export memory, fw_init and fw_tick'), 'boot of a slot image (not a firmware)');
        return null;
      }
      throw new InputError('E_FIRMWARE', 'firmware must export memory, fw_init and fw_tick');
    }
    memory = ex.memory;
    return ex;
  }

  /** Drops the instance (RAM lost) and boots a new one from the same flash. */
  private powerCycle(): number {
    this.counters.powerCuts++;
    this.log(2, `power cut (${this.counters.powerCuts}): rebooting from flash`);
    this.ex = null;
    this.hal.powerReset();
    return this.boot();
  }

  /** The compiled module of a slot image (cached by SHA-256). @throws when it is not valid wasm. */
  private slotModule(pick: BootPick): WebAssembly.Module {
    let m = this.slotModules.get(pick.sha256);
    if (!m) {
      m = new WebAssembly.Module(pick.wasm! as Uint8Array<ArrayBuffer>);
      this.slotModules.set(pick.sha256, m);
    }
    return m;
  }

  /** A reset the firmware asked for (HAL boot_reset): RAM lost, the ROM picks the slot again. */
  private softReset(): number {
    this.counters.resets++;
    this.log(1, 'firmware reset: rebooting');
    this.ex = null;
    this.hal.powerReset();
    if (++this.resetDepth > 8) {
      this.resetDepth = 0;
      this.trapped(new Error('reset loop'), 'fw_init');
      return -1;
    }
    const st = this.boot();
    this.resetDepth = 0;
    return st;
  }

  call(name: string, args: number[]): number {
    const f = this.ex?.[name];
    if (typeof f !== 'function') throw new DendraError('E_SIM', `firmware has no export ${name}`);
    return (f as (...a: number[]) => number)(...args);
  }

  stats(): SimStats {
    return { ...this.counters, simMs: this.hal.nowMs(), energyUj: this.hal.energy() };
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private trapped(e: unknown, where: string): void {
    this.counters.traps++;
    this.consecutiveTraps++;
    const msg = e instanceof Error ? e.message : String(e);
    this.log(3, `firmware trapped in ${where}: ${msg}`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.consecutiveTraps > 0) {
        if (this.consecutiveTraps >= MAX_CONSECUTIVE_TRAPS) {
          this.log(3, `firmware trapped ${this.consecutiveTraps} times in a row: board halted`);
          this.ex = null;
          this.running = false;
          return;
        }
        this.log(2, 'rebooting the board (watchdog)');
        this.boot();
      }
      this.tick();
      const req = this.hal.sleepRequest;
      await this.sleep(req ?? this.hal.nowMs());
    }
  }

  private tick(): void {
    if (!this.ex) return;
    this.hal.beginTick();
    try {
      this.counters.lastTick = this.ex.fw_tick();
      this.counters.ticks++;
      this.consecutiveTraps = 0;
    } catch (e) {
      if (e instanceof PowerCut) {
        this.hal.endTick();
        this.powerCycle();
        return;
      }
      if (e instanceof BootReset) {
        this.hal.endTick();
        this.softReset();
        return;
      }
      this.trapped(e, 'fw_tick');
    } finally {
      this.hal.endTick();
    }
  }

  /** Sleeps the board until `target` (board ms), an RX byte, or a DMA completion; paces real time. */
  private async sleep(target: number): Promise<void> {
    const dmaDue = this.hal.nextDmaMs();
    const from = this.hal.nowMs();
    if (dmaDue !== null && dmaDue > from && dmaDue < target) target = dmaDue;
    const dt = target - from;
    if (dt <= 0 || this.hal.rxPending() > 0) {
      await new Promise((r) => setImmediate(r));
      return;
    }
    const now = performance.now();
    const base = Math.max(this.realDue, now - MAX_LAG_MS);
    const realWait = (dt * this.msPerHour) / HOUR_MS;
    const due = base + realWait;
    if (due - now < 1) {
      this.realDue = due;
      this.hal.sleepTo(target);
      await new Promise((r) => setImmediate(r));
      return;
    }
    const byRx = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), due - now);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.wake = null;
    if (!byRx) {
      this.realDue = due;
      this.hal.sleepTo(target);
      return;
    }
    const t = performance.now();
    const frac = realWait > 0 ? Math.min(1, Math.max(0, (t - base) / realWait)) : 1;
    this.realDue = Math.max(base, t);
    this.hal.sleepTo(from + frac * dt);
  }
}
