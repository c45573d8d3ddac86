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
import { SerialPort } from 'serialport';
import { InputError, DendraError } from '@dendra/core/errors.ts';
import { loadBoard, type Board } from '../boards/board.ts';
import { FlashFile } from './flashfile.ts';
import { SimHal } from './hal.ts';
import { LineFaults, type LineFaultOptions } from './linefaults.ts';
import { startPtyPair, type PtyPair } from './pty.ts';
import { pacedWire, type PacedWire } from './uartpace.ts';
import { provisionKeys, readKeyTable, type TrustedKey } from './trust.ts';
import { BootRom, type BootPick } from './bootrom.ts';
import { Runner } from './runner.ts';
export { FirmwareTrap, MAX_CONSECUTIVE_TRAPS } from './runner.ts';
import { readEttCsv, WindowDma, DEFAULT_START, HOUR_MS } from './sensors.ts';
import { PackDma } from './sensors-pack.ts';
import { replayPack, type ReplayOptions } from '@dendra/models/pack/replay.ts';
import { FIRMWARE_WASM } from '@dendra/core/paths.ts';
import { type Publisher } from '@dendra/ops/mqtt/device.ts';


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
   * Replay a simulated pack on DMA channel 1 (host/models/src/pack/replay.ts options; `hoursPerCycle`
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
   * Pace the UART at its baud in both directions (8N1, 10 bits per byte; host/device/src/sim/uartpace.ts),
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
  /** Host end of the UART: give it to `flashModelFile({ port })`. */
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

function openBoardEnd(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, hupcl: false, lock: false, autoOpen: false });
  return new Promise((res, rej) => port.open((e) => (e ? rej(new DendraError('E_SIM', `cannot open the board end of the pty: ${e.message}`)) : res(port))));
}

/**
 * Starts the simulated board and resolves once fw_init ran and the UART is up.
 * @throws UsageError for an unknown board; InputError `E_INPUT` when the .wasm is missing,
 *   `E_DATA` for the CSV, `E_FLASH_FILE` for the flash file, `E_FIRMWARE` when the .wasm does
 *   not instantiate with the HAL; DendraError `E_SOCAT` / `E_SIM` for the pty; InputError
 *   `E_TRUST` for unusable `trustedKeys` (more than 8, not 32 bytes, no room in the journal).
 */
export async function startSim(opts: SimOptions): Promise<SimHandle> {
  const board = typeof opts.board === 'string' ? loadBoard(opts.board) : opts.board;
  const wasmPath = opts.wasmPath ?? FIRMWARE_WASM;
  if (!existsSync(wasmPath)) throw new InputError('E_INPUT', `firmware ${wasmPath} does not exist (build it: node firmware/build.mjs)`, wasmPath);
  const module = await compile(wasmPath);
  const dma = new WindowDma(readEttCsv(opts.dataCsv), opts.start ?? DEFAULT_START);
  const packDma = opts.pack ? new PackDma(replayPack(opts.pack).frames, (opts.pack.hoursPerCycle ?? 1) * HOUR_MS) : undefined;
  const flash = new FlashFile(opts.flashFile, board.flash.sizeBytes, board.flash.sectorBytes);
  const trust = provisionTrust(flash, board, opts.trustedKeys);
  const { pty, port: uart } = await openUart(flash, opts.ptyDir);
  const log = opts.log ?? ((l: number, t: string) => process.stderr.write(`[board] ${['debug', 'info', 'warn', 'error'][l] ?? l}: ${t}\n`));
  const { hal, line, wire } = wireHal(opts, board, flash, dma, packDma, uart, log);
  hal.armPowerCut({ halCall: opts.powerCutAtHalCall, flashOp: opts.powerCutAtFlashOp });
  // The boot ROM (MCUboot's role): picks the A/B firmware slot at every boot (sim/bootrom.ts).
  const rom = new BootRom(flash, board, new Uint8Array(readFileSync(wasmPath)), (addr, data) => {
    hal.count('rom_flash_write');
    return flash.write(addr, data);
  });
  const runner = new Runner(module, hal, dma, log, opts.msPerHour ?? 1000, rom);
  const initStatus = runner.boot();
  runner.start();
  return simHandle({ pty, uart, flash, hal, line, wire, rom, runner, initStatus, trust });
}

/**
 * Provisions `keys` (when given) in the flash file's key table and reads the table back.
 * @throws InputError `E_TRUST` for unusable keys; the flash file is closed before it propagates.
 */
function provisionTrust(flash: FlashFile, board: Board, keys: readonly TrustedKey[] | undefined): SimTrust {
  try {
    if (keys) provisionKeys(flash, board, keys);
    const table = readKeyTable(flash, board);
    return { provisioned: table !== null, keys: table?.length ?? 0 };
  } catch (e) {
    flash.close();
    throw e;
  }
}

/**
 * Starts the pty pair (socat) and opens its board end.
 * @throws DendraError `E_SOCAT` / `E_SIM`; whatever was opened, and the flash file, is closed first.
 */
async function openUart(flash: FlashFile, ptyDir: string | undefined): Promise<{ pty: PtyPair; port: SerialPort }> {
  let pty: PtyPair | null = null;
  let port: SerialPort | null = null;
  try {
    pty = await startPtyPair({ dir: ptyDir });
    port = await openBoardEnd(pty.boardPath);
    return { pty, port };
  } catch (e) {
    port?.close();
    await pty?.close();
    flash.close();
    throw e;
  }
}

/**
 * Builds the HAL and wires its UART to the pty's board end: faults damage the bytes on the
 * wire (board -> faults -> pacing -> pty, pty -> pacing -> faults -> board). Never throws.
 */
function wireHal(opts: SimOptions, board: Board, flash: FlashFile, dma: WindowDma, packDma: PackDma | undefined,
                 uart: SerialPort, log: (level: number, text: string) => void): { hal: SimHal; line: LineFaults | null; wire: PacedWire | null } {
  const line = opts.lineFaults ? new LineFaults(opts.lineFaults) : null;
  const toHost = (out: Uint8Array) => {
    if (out.length > 0 && uart.isOpen) uart.write(Buffer.from(out));
  };
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
  return { hal, line, wire };
}

/** The parts of a started simulation that {@link simHandle} wraps. */
interface SimParts {
  pty: PtyPair;
  uart: SerialPort;
  flash: FlashFile;
  hal: SimHal;
  line: LineFaults | null;
  wire: PacedWire | null;
  rom: BootRom;
  runner: Runner;
  initStatus: number;
  trust: SimTrust;
}

/** The {@link SimHandle} over a started simulation (its stop is idempotent). Never throws. */
function simHandle(p: SimParts): SimHandle {
  const { pty: ptyPair, uart, flash, hal, line, wire, rom, runner, initStatus, trust } = p;
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
