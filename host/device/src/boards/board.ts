/**
 * Boards are data: `boards/<name>.json` describes a board, which `inherits` its SoC from
 * `boards/soc/<soc>.json` (or another board). This module loads a board by name, deep-merges the
 * inheritance chain (the child wins; objects merge, arrays and scalars replace) and validates the
 * result, so adding a board means adding a file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { BOARDS_DIR } from '@dendra/core/paths.ts';

/** Flash region names, in the id order of the `flash_region` HAL import (0 boot .. 4 journal, 5 packModel). */
export const REGION_NAMES = ['boot', 'slotA', 'slotB', 'model', 'journal', 'packModel'] as const;
/** One of {@link REGION_NAMES}. */
export type RegionName = (typeof REGION_NAMES)[number];

/** A flash region: absolute byte address and size, both sector-aligned. */
export interface FlashRegion {
  addr: number;
  size: number;
}

/** A fully merged and validated board description (units in the field names or below). */
export interface Board {
  /** The board's file name (boards/<name>.json). */
  name: string;
  description?: string;
  /** CPU architecture and core clock in MHz. */
  cpu: { arch: string; clockMHz: number };
  ramBytes: number;
  /**
   * NOR flash: total size, erase sector, and the regions (boot, slotA, slotB, model, journal, and
   * optionally packModel: the pack model's slot; a board without it runs the grid model only).
   */
  flash: { sizeBytes: number; sectorBytes: number; regions: Record<Exclude<RegionName, 'packModel'>, FlashRegion> & { packModel?: FlashRegion } };
  /** Bytes the interpreter arena may use (HAL board_arena_limit). */
  arenaLimitBytes: number;
  /** UART baud rates and the largest serial frame payload the bootloader accepts (HAL board_max_frame). */
  uart: { defaultBaud: number; maxBaud: number; maxFramePayload: number };
  /**
   * Sensor DMA channels and the bytes of one frame each; `hwChannels` (optional) is the number of
   * hardware DMA channels/streams the SoC has (informational, must be >= `channels.length`).
   */
  dma: { hwChannels?: number; channels: { id: number; name: string; frameBytes: number }[] };
  /** Supply voltage (V) and the current (mA) of each power mode; `active` and `sleep` are required. */
  pmu: { supplyV: number; modes: Record<string, { currentMa: number }> };
  /** WebAssembly runtime the board runs the firmware with (optional; absent for the simulator). */
  runtime?: BoardRuntime;
  /**
   * Estimated CPU cycles per int8 multiply-accumulate of a model under {@link runtime} (optional,
   * > 0). An estimate, not a measurement: the board file's `$sources.cyclesPerMac` says how it was made.
   */
  cyclesPerMac?: number;
  /**
   * Bytes of a firmware slot left for the firmware image once the native runtime, HAL and network
   * stack are counted (optional; <= the smaller of slotA/slotB). Absent: the whole slot.
   */
  firmwareBudgetBytes?: number;
  /**
   * Board family that signed images must name (docs/image-format.md, HAL `board_family`): 1..16
   * characters of [A-Za-z0-9._-]. Defaults to the name of the SoC the board inherits (e.g.
   * "sim-soc"); a board or SoC file may set `family` itself. Absent only for a chain without a SoC.
   */
  family?: string;
  /** Where each figure comes from (datasheet, section, URL) and which are estimates. Not validated. */
  $sources?: Record<string, string>;
}

/** Runtimes a board may name in `runtime`. */
export const BOARD_RUNTIMES = ['wamr-interp', 'wamr-aot'] as const;
/** One of {@link BOARD_RUNTIMES}. */
export type BoardRuntime = (typeof BOARD_RUNTIMES)[number];


type Json = Record<string, unknown>;

/** Names of the boards in `dir` (one `<name>.json` each, SoCs excluded), sorted. Never throws. */
export function listBoards(dir: string = BOARDS_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge: keys of `child` override `parent`; nested plain objects merge recursively, arrays
 * and scalars replace. Neither input is modified.
 */
export function deepMerge(parent: Json, child: Json): Json {
  const out: Json = { ...parent };
  for (const [k, v] of Object.entries(child)) {
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Json, v) : v;
  }
  return out;
}

function readJson(path: string): Json {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError('E_BOARD', `board file ${path} is not valid JSON: ${(e as Error).message}`, path);
  }
  if (!isObject(data)) throw new InputError('E_BOARD', `board file ${path} is not a JSON object`, path);
  return data;
}

/** Resolves an `inherits` name: a board in `dir`, else a SoC in `dir/soc`. */
function parentPath(dir: string, name: string, from: string): string {
  for (const p of [join(dir, `${name}.json`), join(dir, 'soc', `${name}.json`)]) {
    if (existsSync(p)) return p;
  }
  throw new InputError('E_BOARD', `board file ${from} inherits unknown '${name}'`, from);
}

function loadChain(dir: string, path: string, seen: string[]): Json {
  if (seen.includes(path)) {
    throw new InputError('E_BOARD', `board inheritance cycle: ${[...seen, path].join(' -> ')}`, path);
  }
  const own = readJson(path);
  const { inherits, ...rest } = own;
  // The root of the chain is the SoC: its name is the board family (signed images), unless given.
  if (inherits === undefined) return rest.kind === 'soc' && rest.family === undefined ? { ...rest, family: rest.name } : rest;
  if (typeof inherits !== 'string') throw new InputError('E_BOARD', `board file ${path}: "inherits" must be a string`, path);
  return deepMerge(loadChain(dir, parentPath(dir, inherits, path), [...seen, path]), rest);
}

/**
 * Loads board `name` from `dir` with its inheritance chain and validates it.
 * @throws UsageError `unknown board 'x' (known: a, b)` when there is no `boards/x.json`.
 * @throws InputError code `E_BOARD` for invalid JSON, a bad `inherits`, a cycle or a missing/invalid field.
 */
export function loadBoard(name: string, dir: string = BOARDS_DIR): Board {
  const known = listBoards(dir);
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || !known.includes(name)) {
    throw new UsageError(`unknown board '${name}' (known: ${known.join(', ') || 'none'})`);
  }
  const merged = loadChain(dir, join(dir, `${name}.json`), []);
  merged.name = name;
  validateBoard(merged, name);
  return merged as unknown as Board;
}

function num(b: Json, path: string, board: string, min = 1): number {
  let v: unknown = b;
  for (const k of path.split('.')) v = isObject(v) ? v[k] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new InputError('E_BOARD', `board '${board}': field ${path} must be a number >= ${min} (got ${JSON.stringify(v)})`);
  }
  return v;
}

/**
 * Checks every field the simulator and the flasher need. Regions must be sector-aligned, inside
 * flash and not overlap; PMU needs `active` and `sleep` modes. Optional fields, when present:
 * `runtime` one of {@link BOARD_RUNTIMES}, `cyclesPerMac` > 0, `firmwareBudgetBytes` <= the smaller
 * firmware slot, `dma.hwChannels` an integer >= the channels listed, `$sources` an object.
 * @throws InputError code `E_BOARD` naming the first bad field, on one line.
 */
export function validateBoard(b: Json, name: string): void {
  const bad = (msg: string): never => {
    throw new InputError('E_BOARD', `board '${name}': ${msg}`);
  };
  num(b, 'cpu.clockMHz', name);
  num(b, 'ramBytes', name);
  const flashSize = num(b, 'flash.sizeBytes', name);
  const sector = num(b, 'flash.sectorBytes', name);
  num(b, 'arenaLimitBytes', name);
  num(b, 'uart.defaultBaud', name);
  num(b, 'uart.maxBaud', name);
  const maxFrame = num(b, 'uart.maxFramePayload', name, 64);
  if (maxFrame > 65535) bad('uart.maxFramePayload must be <= 65535');
  num(b, 'pmu.supplyV', name, 0);
  const spans: [number, number, string][] = [];
  for (const r of REGION_NAMES) {
    if (r === 'packModel' && ((b.flash as Json).regions as Json)?.packModel === undefined) continue; // optional
    const addr = num(b, `flash.regions.${r}.addr`, name, 0);
    const size = num(b, `flash.regions.${r}.size`, name);
    if (addr % sector !== 0 || size % sector !== 0) bad(`flash region ${r} is not aligned to the ${sector}-byte sector`);
    if (addr + size > flashSize) bad(`flash region ${r} ends past the end of flash (${flashSize} bytes)`);
    spans.push([addr, addr + size, r]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) bad(`flash regions ${spans[i - 1][2]} and ${spans[i][2]} overlap`);
  }
  if (num(b, 'flash.regions.model.size', name) <= 4096) bad('flash region model must be larger than its 4096-byte header');
  for (const mode of ['active', 'sleep']) num(b, `pmu.modes.${mode}.currentMa`, name, 0);
  const dma = (b.dma as Json | undefined)?.channels;
  if (!Array.isArray(dma) || dma.length === 0) bad('dma.channels must list at least one channel');
  validateOptional(b, name, bad, (dma as unknown[]).length);
}

/** Checks the optional fields (runtime, cyclesPerMac, firmwareBudgetBytes, dma.hwChannels). */
function validateOptional(b: Json, name: string, bad: (msg: string) => never, dmaUsed: number): void {
  if (b.runtime !== undefined && !(BOARD_RUNTIMES as readonly unknown[]).includes(b.runtime)) {
    bad(`field runtime must be one of ${BOARD_RUNTIMES.join(', ')} (got ${JSON.stringify(b.runtime)})`);
  }
  if (b.cyclesPerMac !== undefined) {
    const c = b.cyclesPerMac;
    if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0) bad(`field cyclesPerMac must be a number > 0 (got ${JSON.stringify(c)})`);
  }
  if (b.firmwareBudgetBytes !== undefined) {
    const budget = num(b, 'firmwareBudgetBytes', name);
    const slot = Math.min(num(b, 'flash.regions.slotA.size', name), num(b, 'flash.regions.slotB.size', name));
    if (budget > slot) bad(`field firmwareBudgetBytes (${budget}) is larger than the firmware slot (${slot} bytes)`);
  }
  const hw = (b.dma as Json).hwChannels;
  if (hw !== undefined) {
    if (typeof hw !== 'number' || !Number.isInteger(hw) || hw < dmaUsed) {
      bad(`field dma.hwChannels must be an integer >= the ${dmaUsed} channel(s) listed (got ${JSON.stringify(hw)})`);
    }
  }
  if (b.$sources !== undefined && !isObject(b.$sources)) bad('field $sources must be an object');
  if (b.family !== undefined && (typeof b.family !== 'string' || !/^[A-Za-z0-9._-]{1,16}$/.test(b.family))) {
    bad(`field family must be 1..16 characters of A-Z a-z 0-9 . _ - (got ${JSON.stringify(b.family)})`);
  }
}
