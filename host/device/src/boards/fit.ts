/**
 * Does a model fit a board, and what would one inference cost there? Pure arithmetic over a
 * {@link Board} (boards/*.json) and a model card (models/<name>/<name>.card.json).
 *
 * Checks (each `need <= have`):
 * - weights: the .tflite bytes vs the model window = min(bank of the model's slot region (`model`,
 *   or `packModel` for the pack model) - 4096-byte slot header, {@link MAX_MODEL_WINDOW}) (the firmware reads the flatbuffer into a RAM window of at most that size,
 *   firmware/assembly/app/slot.ts);
 * - arena: the model's arena bytes vs the board's `arenaLimitBytes`;
 * - firmware: the firmware .wasm bytes vs `firmwareBudgetBytes`, else the smaller of slotA/slotB.
 *
 * Estimates (only when the board has `cyclesPerMac`):
 * - latency_ms = MACs × cyclesPerMac / (clockMHz × 10^3)   (cycles / Hz, in ms)
 * - energy_uJ  = activeCurrent_mA × supply_V × latency_ms  (mW × ms = µJ)
 *
 * Both estimates count MACs only (no requantisation, softmax, pooling, HAL or sleep/wake cost), and
 * `cyclesPerMac` is itself an estimate documented in the board's `$sources`: treat the numbers as an
 * order of magnitude, not a measurement.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '@dendra/core/errors.ts';
import type { Board } from './board.ts';
import { FIRMWARE_WASM, MODELS_DIR } from '@dendra/core/paths.ts';

/** Bytes of the slot header sector at the start of the model region (docs/CONTRACTS.md). */
export const SLOT_HEADER_BYTES = 4096;
/** Largest model the firmware's RAM window holds (MAX_MODEL_WINDOW in firmware/assembly/app/slot.ts). */
export const MAX_MODEL_WINDOW = 65536;


/** What the fit needs to know about a model (from its card). */
export interface ModelFacts {
  /** Model name (card `name`). */
  name: string;
  /** Size of the .tflite flatbuffer in bytes (card `bytes`). */
  tfliteBytes: number;
  /** Arena bytes the model needs (card `arena.bytes`, a host estimate). */
  arenaBytes: number;
  /** Multiply-accumulates per inference (card `macsPerInference`). */
  macs: number;
  /** Model slot it is flashed to (absent = 'grid': region `model`; 'pack': region `packModel`). */
  slot?: 'grid' | 'pack';
}

/** One capacity check: `ok` is `need <= have`; `null` when `need` is unknown. */
export interface FitCheck {
  need: number | null;
  have: number;
  ok: boolean | null;
}

/** The result of {@link fitModel}: checks, overall verdict and the estimates. */
export interface FitReport {
  board: string;
  model: string;
  /** True when every known check passes (an unknown firmware size does not fail the fit). */
  fits: boolean;
  weights: FitCheck;
  arena: FitCheck;
  firmware: FitCheck;
  runtime: string | null;
  cyclesPerMac: number | null;
  /** Estimated ms per inference, null when the board has no `cyclesPerMac`. */
  latencyMs: number | null;
  /** Estimated µJ per inference at the active current, null when latency is unknown. */
  energyUj: number | null;
}

/** Flash sector granularity of the model banks (docs/flash-protocol.md "Model slot banks"). */
const BANK_ALIGN = 4096;

/**
 * Bytes of the model window on `board` for `slot`: the slot's region (`model` for the grid slot,
 * `packModel` for the pack slot) is two sector-aligned banks, each with a header, so
 * min(floor(region / 2, 4096) - header, {@link MAX_MODEL_WINDOW}); 0 when the board has no such
 * region (a board without `packModel` runs the grid model only). Never throws.
 */
export function modelCapacity(board: Board, slot: 'grid' | 'pack' = 'grid'): number {
  return Math.max(0, Math.min(modelBankBytes(board, slot) - SLOT_HEADER_BYTES, MAX_MODEL_WINDOW));
}

/** Bytes of one bank of `slot` (header included): floor(region / 2, 4096); 0 without the region. Never throws. */
export function modelBankBytes(board: Board, slot: 'grid' | 'pack' = 'grid'): number {
  const r = slot === 'pack' ? board.flash.regions.packModel : board.flash.regions.model;
  return r === undefined ? 0 : Math.floor(r.size / 2 / BANK_ALIGN) * BANK_ALIGN;
}

/** Bytes the firmware image may take on `board`: `firmwareBudgetBytes`, else the smaller slot. Never throws. */
export function firmwareCapacity(board: Board): number {
  return board.firmwareBudgetBytes ?? Math.min(board.flash.regions.slotA.size, board.flash.regions.slotB.size);
}

/**
 * Estimated latency of `macs` multiply-accumulates on `board`, in ms:
 * `macs × cyclesPerMac / (clockMHz × 1000)`. Returns null when the board has no `cyclesPerMac`.
 * Never throws.
 */
export function latencyMs(board: Board, macs: number): number | null {
  if (board.cyclesPerMac === undefined) return null;
  return (macs * board.cyclesPerMac) / (board.cpu.clockMHz * 1000);
}

/**
 * Estimated energy of one inference in µJ: `active mA × supply V × latency ms`. Returns null when
 * the latency is null. Never throws.
 */
export function energyUj(board: Board, latency: number | null): number | null {
  if (latency === null) return null;
  return board.pmu.modes.active.currentMa * board.pmu.supplyV * latency;
}

function check(need: number | null, have: number): FitCheck {
  return { need, have, ok: need === null ? null : need <= have };
}

/**
 * Fits `model` on `board` with a firmware image of `firmwareBytes` (omit when unknown: the
 * firmware check is then `ok: null` and does not fail the fit). See the module comment for the
 * formulas. Pure; never throws.
 */
export function fitModel(board: Board, model: ModelFacts, firmwareBytes?: number): FitReport {
  const weights = check(model.tfliteBytes, modelCapacity(board, model.slot));
  const arena = check(model.arenaBytes, board.arenaLimitBytes);
  const firmware = check(firmwareBytes ?? null, firmwareCapacity(board));
  const lat = latencyMs(board, model.macs);
  return {
    board: board.name,
    model: model.name,
    fits: [weights, arena, firmware].every((c) => c.ok !== false),
    weights,
    arena,
    firmware,
    runtime: board.runtime ?? null,
    cyclesPerMac: board.cyclesPerMac ?? null,
    latencyMs: lat,
    energyUj: energyUj(board, lat),
  };
}

/**
 * Flash-time guard: throws unless a model of `modelBytes` and `arenaBytes` fits `board`.
 * @throws InputError code `E_MODEL_TOO_BIG`, one line with the numbers, e.g.
 *   `model is 70000 bytes but board 'sim' holds 65536 (bank of 131072 - 4096 header, window cap 65536)`
 *   or `model needs a 90000-byte arena but board 'sim' allows 65536 (arenaLimitBytes)`.
 */
export function assertModelFits(board: Board, modelBytes: number, arenaBytes: number): void {
  const cap = modelCapacity(board);
  if (modelBytes > cap) {
    throw new InputError('E_MODEL_TOO_BIG',
      `model is ${modelBytes} bytes but board '${board.name}' holds ${cap} (bank of ${modelBankBytes(board)} - ${SLOT_HEADER_BYTES} header, window cap ${MAX_MODEL_WINDOW})`);
  }
  if (arenaBytes > board.arenaLimitBytes) {
    throw new InputError('E_MODEL_TOO_BIG',
      `model needs a ${arenaBytes}-byte arena but board '${board.name}' allows ${board.arenaLimitBytes} (arenaLimitBytes)`);
  }
}

function positive(card: Record<string, unknown>, path: string, file: string): number {
  let v: unknown = card;
  for (const k of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InputError('E_MODEL_CARD', `model card ${file}: field ${path} must be a number >= 0 (got ${JSON.stringify(v)})`, file);
  }
  return v;
}

/**
 * Reads the fit facts from a model card (`bytes`, `arena.bytes`, `macsPerInference`, `name`).
 * @throws InputError code `E_MODEL_CARD` when the file is missing, not JSON, or lacks a field.
 */
export function readModelCard(file: string): ModelFacts {
  let card: unknown;
  try {
    card = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError('E_MODEL_CARD', `model card ${file} is unreadable or not JSON: ${(e as Error).message}`, file);
  }
  if (typeof card !== 'object' || card === null || Array.isArray(card)) {
    throw new InputError('E_MODEL_CARD', `model card ${file} is not a JSON object`, file);
  }
  const c = card as Record<string, unknown>;
  const name = typeof c.name === 'string' ? c.name : basename(file).replace(/\.card\.json$/, '');
  return {
    name,
    tfliteBytes: positive(c, 'bytes', file),
    arenaBytes: positive(c, 'arena.bytes', file),
    macs: positive(c, 'macsPerInference', file),
  };
}

/**
 * Model cards under `dir` (`<dir>/<model>/*.card.json`), sorted by path. Returns [] when `dir`
 * does not exist; a malformed card throws (see {@link readModelCard}).
 */
export function listModelCards(dir: string = MODELS_DIR): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const sub of readdirSync(dir).sort()) {
    const p = join(dir, sub);
    if (!statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p).sort()) if (f.endsWith('.card.json')) out.push(join(p, f));
  }
  return out;
}

/** Byte length of a firmware file, or undefined when it does not exist. Never throws on a missing file. */
export function firmwareSize(file: string = FIRMWARE_WASM): number | undefined {
  return existsSync(file) ? statSync(file).size : undefined;
}
