/**
 * The simulated board: runs the real firmware .wasm in Node with the HAL of hal.ts, a real
 * pseudo-terminal UART (socat; paced at its baud with `pace`), file-backed flash and ETT replay
 * on DMA. `fw_init` once, then
 * `fw_tick` in a loop; when the firmware sleeps (`pmu_sleep_until`), the simulator waits real time
 * scaled by `msPerHour` (accelerated replay), or less when UART data or a DMA completion wakes it.
 * A firmware trap reboots the board (new instance, same flash), like a watchdog reset.
 * Fault injection: seeded line faults on the pty bytes (both directions, `lineFaults`) and power
 * cuts at a HAL call number (`powerCutAtHalCall`, {@link SimHandle.powerCutAfter}): the instance
 * is dropped mid-call and the board boots again from the same flash file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { InputError, DendraError } from '../errors.ts';
import { loadBoard, type Board } from './board.ts';
import { FlashFile } from './flashfile.ts';
import { SimHal, PowerCut, type Publisher } from './hal.ts';
import { LineFaults, type LineFaultOptions } from './linefaults.ts';
import { startPtyPair, type PtyPair } from './pty.ts';
import { pacedWire, type PacedWire } from './uartpace.ts';
import { provisionKeys, readKeyTable, type TrustedKey } from './trust.ts';
import { BootRom, BootReset, type BootPick } from './bootrom.ts';
import { readEttCsv, WindowDma, DEFAULT_START, HOUR_MS } from './sensors.ts';
import { PackDma } from './sensors-pack.ts';
import { replayPack, type ReplayOptions } from '../pack/replay.ts';

/** Default firmware image (built by `node firmware/build.mjs`). */
export const DEFAULT_WASM = resolve(dirname(fileURLToPath(import.meta.url)), '../../../build/firmware.wasm');
/** Consecutive traps after which the simulator stops rebooting the firmware. */
export const MAX_CONSECUTIVE_TRAPS = 3;
/** Real-time lag beyond which the pacing stops trying to catch up (ms). */
const MAX_LAG_MS = 100;

/** Options of {@link startSim}. */
export interface SimOptions {
  /** Board name in boards/ or an already loaded board. */
  board: string | Board;
  /** Flash image file (created 0xFF-filled at the board's flash size when absent). */
  flashFile: string;
  /** ETT CSV replayed on DMA channel 0. */
  dataCsv: string;
  /** First CSV data row of window 0 (default 11520, the test split). */
  start?: number;
  /**
   * Replay a simulated pack on DMA channel 1 (host/src/pack/replay.ts options; `hoursPerCycle`
   * simulated hours per pack cycle, default 1). Absent: the board has no pack front-end.
   */
  pack?: ReplayOptions & { hoursPerCycle?: number };
  /** Real milliseconds per simulated hour (default 1000; 0 = as fast as possible). */
  msPerHour?: number;
  /** Receives what the firmware publishes (none: publishes are accepted and dropped). */
  publisher?: Publisher;
  /** Firmware .wasm (default build/firmware.wasm). */
  wasmPath?: string;
  /** Firmware log lines and simulator notices (default: stderr). */
  log?: (level: number, text: string) => void;
  /** Directory for the pty links (default: a temp dir). */
  ptyDir?: string;
  /** Seeded faults on the bytes the board receives and sends (none by default). */
  lineFaults?: LineFaultOptions;
  /**
   * Pace the UART at its baud in both directions (8N1, 10 bits per byte; host/src/sim/uartpace.ts),
   * following `uart_set_baud`. Default false here (fast unit tests); `dendra sim` turns it on.
   */
  pace?: boolean;
  /** Cut the power at this HAL call number (1-based, counted over every import since start). */
  powerCutAtHalCall?: number;
  /** Cut the power at this flash call number (flash_read/write/erase, 1-based, since start). */
  powerCutAtFlashOp?: number;
  /**
   * Ed25519 public keys to provision in the board's key table before it boots (factory step,
   * sim/trust.ts): the board then accepts only images signed by one of them (refusing raw
   * models). An empty list erases the table (development mode: raw models accepted, signed
   * images refused). Omitted: the flash file's table is kept as it is (a new file has none).
   */
  trustedKeys?: readonly TrustedKey[];
}

/** The board's trust anchor as the firmware will read it at boot. */
export interface SimTrust {
  /** False: no key table, development mode (raw models accepted). */
  provisioned: boolean;
  /** Usable trusted keys (0 for a malformed table, which trusts nothing). */
  keys: number;
}

/** Counters of a running simulation. */
export interface SimStats {
  ticks: number;
  traps: number;
  boots: number;
  /** Power cuts that fired (each followed by a boot). */
  powerCuts: number;
  /** Resets the firmware asked for (HAL boot_reset: RESET, ROLLBACK, a failed self-test). */
  resets: number;
  simMs: number;
  energyUj: number;
  lastTick: number;
}

/** A running simulated board. */
export interface SimHandle {
  /** Host end of the UART: give it to `flashModel({ port })`. */
  ptyPath: string;
  /** Board end of the UART (opened by the simulator). */
  boardPath: string;
  /** What fw_init returned at the first boot. */
  initStatus: number;
  /** The key table in flash at start (after provisioning `trustedKeys`). */
  trust: SimTrust;
  /** The HAL (clock, energy, counters). */
  hal: SimHal;
  /** The line fault injector (null without the lineFaults option). */
  line: LineFaults | null;
  /** The wire pacers (board -> host `tx`, host -> board `rx`), null without `pace`. */
  wire: PacedWire | null;
  /**
   * Arms a power cut `n` HAL calls (or flash calls) from now; replaces any armed cut.
   * @throws RangeError unless exactly one of halCalls/flashOps is an integer >= 1.
   */
  powerCutAfter(n: { halCalls?: number; flashOps?: number }): void;
  /** Calls an extra export of the firmware (tests), or throws if it does not exist. */
  call(name: string, ...args: number[]): number;
  /** What the boot ROM started last: slot (-1 factory, 0 A, 1 B), test boot, SHA-256 of the .wasm. */
  firmware(): Omit<BootPick, 'wasm'>;
  stats(): SimStats;
  /** Stops the loop, closes the UART, socat and the flash file. Idempotent. */
  stop(): Promise<void>;
}

/** A firmware abort/trap. */
export class FirmwareTrap extends DendraError {
  constructor(message: string) {
    super('E_FIRMWARE_TRAP', message);
  }
}

function readAsString(mem: WebAssembly.Memory | null, ptr: number): string {
  if (!mem || ptr < 4 || ptr > mem.buffer.byteLength) return '?';
  const bytes = new DataView(mem.buffer).getUint32(ptr - 4, true);
  if (ptr + bytes > mem.buffer.byteLength || bytes > 4096) return '?';
  return Buffer.from(mem.buffer, ptr, bytes).toString('utf16le');
}

function openBoardEnd(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, hupcl: false, lock: false, autoOpen: false });
  return new Promise((res, rej) => port.open((e) => (e ? rej(new DendraError('E_SIM', `cannot open the board end of the pty: ${e.message}`)) : res(port))));
}

type Exports = { fw_init: () => number; fw_tick: () => number; memory: WebAssembly.Memory } & Record<string, unknown>;

/**
 * Starts the simulated board and resolves once fw_init ran and the UART is up.
 * @throws UsageError for an unknown board; InputError `E_INPUT` when the .wasm is missing,
 *   `E_DATA` for the CSV, `E_FLASH_FILE` for the flash file, `E_FIRMWARE` when the .wasm does
 *   not instantiate with the HAL; DendraError `E_SOCAT` / `E_SIM` for the pty; InputError
 *   `E_TRUST` for unusable `trustedKeys` (more than 8, not 32 bytes, no room in the journal).
 */
export async function startSim(opts: SimOptions): Promise<SimHandle> {
  const board = typeof opts.board === 'string' ? loadBoard(opts.board) : opts.board;
  const wasmPath = opts.wasmPath ?? DEFAULT_WASM;
  if (!existsSync(wasmPath)) throw new InputError('E_INPUT', `firmware ${wasmPath} does not exist (build it: node firmware/build.mjs)`, wasmPath);
  const module = await compile(wasmPath);
  const dma = new WindowDma(readEttCsv(opts.dataCsv), opts.start ?? DEFAULT_START);
  const packDma = opts.pack ? new PackDma(replayPack(opts.pack).frames, (opts.pack.hoursPerCycle ?? 1) * HOUR_MS) : undefined;
  const flash = new FlashFile(opts.flashFile, board.flash.sizeBytes, board.flash.sectorBytes);
  let trust: SimTrust;
  try {
    if (opts.trustedKeys) provisionKeys(flash, board, opts.trustedKeys);
    const table = readKeyTable(flash, board);
    trust = { provisioned: table !== null, keys: table?.length ?? 0 };
  } catch (e) {
    flash.close();
    throw e;
  }
  let pty: PtyPair | null = null;
  let port: SerialPort | null = null;
  try {
    pty = await startPtyPair({ dir: opts.ptyDir });
    port = await openBoardEnd(pty.boardPath);
  } catch (e) {
    port?.close();
    await pty?.close();
    flash.close();
    throw e;
  }
  const uart = port;
  const log = opts.log ?? ((l: number, t: string) => process.stderr.write(`[board] ${['debug', 'info', 'warn', 'error'][l] ?? l}: ${t}\n`));
  const line = opts.lineFaults ? new LineFaults(opts.lineFaults) : null;
  const toHost = (out: Uint8Array) => {
    if (out.length > 0 && uart.isOpen) uart.write(Buffer.from(out));
  };
  // Faults damage the bytes on the wire: board -> faults -> pacing -> pty, pty -> pacing -> faults -> board.
  const fromHost = (d: Uint8Array) => {
    const got = line ? line.apply(d) : d;
    if (got.length > 0) hal.feedRx(got);
  };
  const wire = opts.pace ? pacedWire(board.uart.defaultBaud, toHost, fromHost) : null;
  const uartTx = (b: Uint8Array) => {
    const out = line ? line.apply(b) : b;
    if (wire) wire.tx.push(out);
    else toHost(out);
  };
  const uartSetBaud = (baud: number) => wire?.setBaud(baud);
  const hal = new SimHal({ board, flash, dma, packDma, publisher: opts.publisher, log, uartTx, uartSetBaud });
  uart.on('data', (d: Buffer) => {
    if (wire) wire.rx.push(new Uint8Array(d));
    else fromHost(new Uint8Array(d));
  });
  hal.armPowerCut({ halCall: opts.powerCutAtHalCall, flashOp: opts.powerCutAtFlashOp });
  // The boot ROM (MCUboot's role): picks the A/B firmware slot at every boot (sim/bootrom.ts).
  const rom = new BootRom(flash, board, new Uint8Array(readFileSync(wasmPath)), (addr, data) => {
    hal.count('rom_flash_write');
    return flash.write(addr, data);
  });
  const runner = new Runner(module, hal, dma, log, opts.msPerHour ?? 1000, rom);
  const initStatus = runner.boot();
  runner.start();
  const ptyPair = pty;
  let stopped: Promise<void> | null = null;
  return {
    ptyPath: ptyPair.hostPath,
    boardPath: ptyPair.boardPath,
    initStatus,
    trust,
    hal,
    line,
    wire,
    powerCutAfter: (n) => armRelative(hal, n),
    call: (name, ...args) => runner.call(name, args),
    firmware: () => {
      const { wasm: _w, ...rest } = rom.current;
      return rest;
    },
    stats: () => runner.stats(),
    stop: () => (stopped ??= (async () => {
      await runner.stop();
      wire?.close();
      await new Promise<void>((r) => (uart.isOpen ? uart.close(() => r()) : r()));
      await ptyPair.close();
      flash.close();
    })()),
  };
}

function armRelative(hal: SimHal, n: { halCalls?: number; flashOps?: number }): void {
  const ok = (v: number | undefined) => v !== undefined && Number.isInteger(v) && v >= 1;
  if (ok(n.halCalls) === ok(n.flashOps)) throw new RangeError('powerCutAfter needs exactly one of halCalls/flashOps, an integer >= 1');
  if (n.halCalls !== undefined) hal.armPowerCut({ halCall: hal.calls.halCalls + n.halCalls });
  else hal.armPowerCut({ flashOp: hal.calls.flashOps + n.flashOps! });
}

async function compile(path: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(readFileSync(path));
  } catch (e) {
    throw new InputError('E_FIRMWARE', `${path} is not a valid WebAssembly module: ${(e as Error).message}`, path);
  }
}

/** The board's main loop: instantiation, reboots on traps, ticks and paced sleeps. */
class Runner {
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

  /** Instantiates the firmware and runs fw_init; returns its status (a trap counts as one). */
  boot(): number {
    let module = this.module;
    if (this.rom) {
      let pick: BootPick;
      try {
        pick = this.rom.pick();
      } catch (e) {
        if (e instanceof PowerCut) return this.powerCycle();
        throw e;
      }
      this.hal.bootPick = pick;
      if (pick.wasm) {
        try {
          module = this.slotModule(pick);
        } catch (e) {
          this.counters.boots++;
          this.trapped(e, `boot of slot ${'AB'[pick.slot]}`);
          return -1;
        }
      }
    }
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
        return -1;
      }
      throw new InputError('E_FIRMWARE', `firmware does not link with the simulator's HAL: ${(e as Error).message}`);
    }
    const ex = inst.exports as Exports;
    if (typeof ex.fw_init !== 'function' || typeof ex.fw_tick !== 'function' || !(ex.memory instanceof WebAssembly.Memory)) {
      throw new InputError('E_FIRMWARE', 'firmware must export memory, fw_init and fw_tick');
    }
    memory = ex.memory;
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
