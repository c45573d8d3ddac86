/**
 * Constants, types and the {@link PowerCut} error of the simulator's HAL (hal.ts): what the
 * import builders (hal-uart.ts, hal-imports.ts) and the SimHal class share. Re-exported by
 * hal.ts, so callers keep importing from there.
 */
import { DendraError } from '@dendra/core/errors.ts';
import type { Board } from '../boards/board.ts';
import type { FlashFile } from './flashfile.ts';
import type { WindowDma, DmaChannel } from './sensors.ts';
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

/** Counters of the simulated HAL, for reports and tests (SimHal.stats in hal.ts). */
export interface HalStats {
  rxDropped: number;
  txBytes: number;
  published: number;
  publishErrors: number;
  halErrors: number;
  activeMs: number;
  sleepMs: number;
}

/** Options of SimHal (hal.ts). */
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
  /** Wall clock, Unix ms (HAL clock_wall_ms; default Date.now: the host's clock, as a board set by NTP). */
  wallMs?: () => number;
}
