/**
 * Settings of the grid forecaster as parameters (no fixed horizon in the training/eval path): the
 * input length, the horizon, the ETTh1 protocol setting (S: OT in, OT out; MS: all channels in, OT
 * out; M: all channels in, every channel out) and whether the top-oil thermal prior joins the graph
 * as an extra node. {@link layout} turns a config into the column/node indices the code uses.
 */
import { InputError } from '@dendra/core/errors.ts';

/** ETTh1 protocol setting. */
export type Setting = 'S' | 'MS' | 'M';

/** One forecaster configuration. */
export interface GridConfig {
  /** Input length L in hours. */
  window: number;
  /** Forecast horizon H in hours. */
  horizon: number;
  setting: Setting;
  /** Add the top-oil thermal prior (thermal.ts) as an input node (MS only). */
  thermal: boolean;
}

/**
 * The configuration of the on-board model: L = 336 (two weeks of hourly history: the look-back, i.e.
 * the channel-independent ridge trunk, is what beats L 96, issue 16), H = 24, all seven channels in,
 * OT out, no thermal node. The firmware's contract (CONTRACTS.md: input [7, L] of the raw DMA
 * channels, L <= MAX_WINDOW, output [1, H] of OT) admits S/MS models only, and a derived thermal
 * node is not a DMA channel. The board needs L hours of history before its first forecast.
 */
export const BOARD_CONFIG: Readonly<GridConfig> = Object.freeze({ window: 336, horizon: 24, setting: 'MS', thermal: false });

/** Column of OT in the data rows. */
export const OT_COLUMN = 6;
/** Column of the thermal prior when the rows carry it (after the seven ETT channels). */
export const THERMAL_COLUMN = 7;

/** Index form of a config. */
export interface Layout {
  cfg: GridConfig;
  /** Values per data row of z (7, or 8 with the thermal column). */
  cols: number;
  /** Data columns of the graph nodes, node order. */
  inputs: number[];
  /** Data columns forecast, output row order. */
  outputs: number[];
  /** Node index of OT (its window feeds the linear skip of S/MS). */
  targetNode: number;
  /** Forecast values per window: outputs.length * horizon. */
  perWindow: number;
}

/**
 * Validates a config and derives its layout.
 *
 * @throws InputError (code `E_USAGE`) for a window under 24 h (the seasonal-naive baseline needs a
 *   day), a horizon under 1, an unknown setting, or the thermal node outside MS.
 */
export function layout(cfg: GridConfig): Layout {
  if (!Number.isInteger(cfg.window) || cfg.window < 24) throw new InputError('E_USAGE', `grid: input length must be an integer >= 24 h, got ${cfg.window}`);
  if (!Number.isInteger(cfg.horizon) || cfg.horizon < 1) throw new InputError('E_USAGE', `grid: horizon must be a positive integer, got ${cfg.horizon}`);
  if (!['S', 'MS', 'M'].includes(cfg.setting)) throw new InputError('E_USAGE', `grid: setting must be S, MS or M, got ${cfg.setting}`);
  if (cfg.thermal && cfg.setting !== 'MS') throw new InputError('E_USAGE', 'grid: the thermal prior node needs the load channels and one output (setting MS)');
  const all = [0, 1, 2, 3, 4, 5, 6];
  const inputs = cfg.setting === 'S' ? [OT_COLUMN] : cfg.thermal ? [...all, THERMAL_COLUMN] : all;
  const outputs = cfg.setting === 'M' ? all : [OT_COLUMN];
  return {
    cfg: { ...cfg }, cols: cfg.thermal ? 8 : 7, inputs, outputs,
    targetNode: inputs.indexOf(OT_COLUMN), perWindow: outputs.length * cfg.horizon,
  };
}

/** Short label, e.g. "MS-24" or "MS-96+thermal". */
export function configLabel(cfg: GridConfig): string {
  return `${cfg.setting}-${cfg.horizon}${cfg.thermal ? '+thermal' : ''}`;
}

/** The board layout (shared default). */
export const BOARD_LAYOUT: Readonly<Layout> = layout(BOARD_CONFIG);
