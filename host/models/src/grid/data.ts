/**
 * ETT-layout CSV loading, the standard ETTh1 split and training-split normalization for the grid
 * model (CONTRACTS.md "The grid model"). Everything here is plain f64 arithmetic on the f32 values
 * the CSV holds, so the host, the firmware and the tests see the same numbers.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';
import { BOARD_CONFIG } from './config.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';

/** Channel (node) order of the grid model = ETT CSV column order after `date`. */
export const CHANNELS = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'] as const;
/** Number of channels / graph nodes. */
export const N_CHANNELS = CHANNELS.length;
/** Index of the target channel (oil temperature). */
export const TARGET = 6;
/** Input window length of the on-board model in hours (BOARD_CONFIG.window). */
export const WINDOW = BOARD_CONFIG.window;

/** A parsed ETT-layout CSV: one row per hour, time-major. */
export interface EttData {
  /** Source file (or label) the rows came from. */
  source: string;
  /** `date` column, verbatim. */
  dates: string[];
  /** rows[t][c] = value of channel c at hour t (f32, as a sensor DMA would deliver it). */
  rows: Float32Array[];
}

/** Half-open row range [start, end). */
export interface RowRange {
  start: number;
  end: number;
}

/** The three time splits. */
export interface Splits {
  train: RowRange;
  val: RowRange;
  test: RowRange;
}

/**
 * The usual ETTh1 protocol (12/4/4 months of 30 days): train [0, 8640), validation
 * [8640-L, 11520), test [11520-L, 14400); each later split starts `window` (L) rows early so its
 * first forecast target is the split's first own row.
 */
export function standardSplits(window: number = WINDOW): Splits {
  return {
    train: { start: 0, end: 8640 },
    val: { start: 8640 - window, end: 11520 },
    test: { start: 11520 - window, end: 14400 },
  };
}

/** {@link standardSplits} for the board's input length. */
export const STANDARD_SPLITS: Splits = standardSplits(WINDOW);

/** Per-channel normalization (training split): mean and population std, both rounded to f32. */
export interface Normalization {
  mean: number[];
  std: number[];
}

const HOUR_MS = 3_600_000;

/** Parses `YYYY-MM-DD HH:MM:SS` (or with `T`) as UTC milliseconds; NaN when malformed. */
function parseDate(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, se] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

/** Maps each required column to its index in the header; throws naming the first missing one. */
function columnIndex(header: string[], source: string): number[] {
  const names = header.map((h) => h.trim());
  return ['date', ...CHANNELS].map((col) => {
    const i = names.indexOf(col);
    if (i < 0) throw new InputError('E_DATA', `${source}: line 1 (header): missing column "${col}"`, source);
    return i;
  });
}

/**
 * Parses ETT-layout CSV text: a header naming `date` and the seven channels (any column order,
 * extra columns ignored), then one row per hour.
 *
 * @param text CSV contents.
 * @param source File name used in error messages.
 * @throws InputError (code `E_DATA`) with a one-line message naming the line and column for: an
 *   empty file, a missing column, a short row, an unparseable date, a non-numeric or non-finite
 *   cell, or a time step between consecutive rows other than exactly one hour.
 */
export function parseEtt(text: string, source = '<csv>'): EttData {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new InputError('E_DATA', `${source}: empty file (expected a header line)`, source);
  const idx = columnIndex(lines[0].split(','), source);
  const width = Math.max(...idx) + 1;
  const dates: string[] = [];
  const rows: Float32Array[] = [];
  let prevMs = NaN;
  for (let li = 1; li < lines.length; li++) {
    const where = `${source}: line ${li + 1}`;
    const cells = lines[li].split(',');
    if (cells.length < width) throw new InputError('E_DATA', `${where}: ${cells.length} columns, expected ${width}`, source);
    const date = cells[idx[0]].trim();
    const ms = parseDate(date);
    if (Number.isNaN(ms)) throw new InputError('E_DATA', `${where}, column date: "${date}" is not a date (YYYY-MM-DD HH:MM:SS)`, source);
    if (rows.length > 0 && ms - prevMs !== HOUR_MS) {
      const gapH = (ms - prevMs) / HOUR_MS;
      throw new InputError('E_DATA', `${where}, column date: time step ${gapH} h from the previous row, expected 1 h`, source);
    }
    prevMs = ms;
    const row = new Float32Array(N_CHANNELS);
    for (let c = 0; c < N_CHANNELS; c++) {
      const cell = cells[idx[c + 1]].trim();
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) throw new InputError('E_DATA', `${where}, column ${CHANNELS[c]}: "${cell}" is not a number`, source);
      row[c] = v;
    }
    dates.push(date);
    rows.push(row);
  }
  return { source, dates, rows };
}

/**
 * Reads and parses an ETT-layout CSV file (see {@link parseEtt}).
 *
 * @throws InputError (code `E_DATA`) when the file cannot be read or is malformed.
 */
export function loadEtt(file: string = DEFAULT_ETT): EttData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError('E_DATA', `${file}: cannot read (${why})`, file);
  }
  return parseEtt(text, file);
}

/**
 * Checks that the data holds every row of the split.
 *
 * @throws InputError (code `E_DATA`) naming the split that does not fit.
 */
export function checkSplits(data: EttData, splits: Splits = STANDARD_SPLITS, window: number = WINDOW, horizon: number = BOARD_CONFIG.horizon): Splits {
  for (const [name, r] of Object.entries(splits) as [string, RowRange][]) {
    if (r.end > data.rows.length || r.end - r.start < window + horizon) {
      throw new InputError('E_DATA', `${data.source}: ${data.rows.length} data rows, too few for the ${name} split [${r.start}, ${r.end})`, data.source);
    }
  }
  return splits;
}

/** Start rows of every full window (`window` inputs + `horizon` targets) inside the range: all of them (no dropped last batch). */
export function windowStarts(r: RowRange, window: number = WINDOW, horizon: number = BOARD_CONFIG.horizon): number[] {
  const n = r.end - r.start - window - horizon + 1;
  return Array.from({ length: Math.max(0, n) }, (_, k) => r.start + k);
}

/**
 * Mean and population standard deviation per channel over the rows of `r` (f64 sums, results
 * rounded to f32 as stored in the model metadata).
 *
 * @throws InputError (code `E_DATA`) when a channel is constant (std 0), which cannot be normalized.
 */
export function normalization(data: EttData, r: RowRange): Normalization {
  const n = r.end - r.start;
  const mean: number[] = [];
  const std: number[] = [];
  const cols = data.rows[0]?.length ?? N_CHANNELS;
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let t = r.start; t < r.end; t++) s += data.rows[t][c];
    const m = s / n;
    let v = 0;
    for (let t = r.start; t < r.end; t++) v += (data.rows[t][c] - m) ** 2;
    const sd = Math.sqrt(v / n);
    if (!(sd > 0)) throw new InputError('E_DATA', `${data.source}: column ${CHANNELS[c] ?? `#${c}`} is constant on rows [${r.start}, ${r.end})`, data.source);
    mean.push(Math.fround(m));
    std.push(Math.fround(sd));
  }
  return { mean, std };
}

/**
 * Normalizes every row: z[t][c] = (x - mean[c]) / std[c], computed in f64, stored as f32.
 * Returns one Float32Array of length rows*cols (cols = norm.mean.length: 7, or 8 with the thermal
 * prior), time-major.
 */
export function normalizeRows(data: EttData, norm: Normalization): Float32Array {
  const cols = norm.mean.length;
  const out = new Float32Array(data.rows.length * cols);
  data.rows.forEach((row, t) => {
    for (let c = 0; c < cols; c++) out[t * cols + c] = (row[c] - norm.mean[c]) / norm.std[c];
  });
  return out;
}

/**
 * The p-th percentile (0..100, linear interpolation between order statistics) of one channel
 * over the rows of `r`. Used for the default alert limit (95th percentile of OT on train).
 */
export function percentile(data: EttData, r: RowRange, channel: number, p: number): number {
  const v = data.rows.slice(r.start, r.end).map((row) => row[channel]).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = (p / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}
