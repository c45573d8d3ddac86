/**
 * Reader of a BMS export (docs/bms.md): CSV rows `cycle,cell,v,i,t,impedance[,label]`, one or more
 * samples per cell and cycle, read with per-row errors (a bad row is reported and skipped, never
 * the whole file), and aggregated per cell and cycle into the telemetry the pack model's features
 * are built from (the simulator's per-cycle series: peak and RMS current density, max/min
 * voltage, mean/max temperature, interfacial resistance).
 *
 * Units: cycle 1-based integer; cell 0-based index into the 4s4p reference pack (row-major, so
 * cell k sits at row floor(k/4), column k%4); v volts; i current density mA/cm^2, positive =
 * charge (Li plating on the anode); t degrees C; impedance the interfacial area-specific
 * resistance, ohm cm^2; label (optional) in [0, 1], the reference the model's risk is compared
 * with (1 = dendrite initiation or failure within the model's horizon after that cycle).
 * A cycle a cell has no valid sample in (a dropout) repeats that cell's previous cycle and is
 * counted in `filled`; after a cell's last sample it is taken as gone (shorted and fused, or
 * disconnected: the model sees it dead, as the simulator's fused cells). A cell whose first sample
 * is after cycle 1 is an error of the file as a whole.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';
import { MAX_CELLS } from './dataset.ts';

/** Required columns, in any order; `label` is optional. */
export const BMS_COLUMNS = ['cycle', 'cell', 'v', 'i', 't', 'impedance'] as const;

/** One bad row: its 1-based line number and why. */
export interface RowError { line: number; message: string }

/** Per-cycle telemetry of one cell (index = cycle - 1), as the simulator records it. */
export interface BmsSeries { iPeak: number[]; iRms: number[]; vMax: number[]; vMin: number[]; tMean: number[]; tMax: number[]; rInt: number[]; label: (number | null)[] }

/** A read BMS export. */
export interface BmsData {
  source: string;
  /** Per cell (index = cell), null for a cell with no valid row. */
  cells: (BmsSeries | null)[];
  cycles: number;
  rows: number;
  errors: RowError[];
  /** (cell, cycle) pairs filled from the previous cycle (dropouts). */
  filled: number;
  hasLabel: boolean;
}

interface Sample { cycle: number; cell: number; v: number; i: number; t: number; z: number; label: number | null }

/** Parses one data row; returns the sample or a one-line reason. */
function parseRow(cells: string[], idx: Record<string, number>, labelAt: number): Sample | string {
  const num = (name: string): number | string => {
    const raw = (cells[idx[name]] ?? '').trim();
    const v = Number(raw);
    return raw === '' || !Number.isFinite(v) ? `column '${name}' value '${raw.slice(0, 40)}' is not a number` : v;
  };
  const vals: Record<string, number> = {};
  for (const c of BMS_COLUMNS) {
    const v = num(c);
    if (typeof v === 'string') return v;
    vals[c] = v;
  }
  if (!Number.isInteger(vals.cycle) || vals.cycle < 1 || vals.cycle > 100_000) return `column 'cycle' must be an integer in 1..100000, got ${vals.cycle}`;
  if (!Number.isInteger(vals.cell) || vals.cell < 0 || vals.cell >= MAX_CELLS) return `column 'cell' must be an integer in 0..${MAX_CELLS - 1}, got ${vals.cell}`;
  if (!(vals.v > 0 && vals.v < 10)) return `column 'v' must be in (0, 10) V, got ${vals.v}`;
  if (!(Math.abs(vals.i) <= 100)) return `column 'i' must be within +-100 mA/cm^2, got ${vals.i}`;
  if (!(vals.t > -60 && vals.t < 150)) return `column 't' must be in (-60, 150) C, got ${vals.t}`;
  if (!(vals.impedance >= 0 && vals.impedance < 1e6)) return `column 'impedance' must be in [0, 1e6) ohm cm^2, got ${vals.impedance}`;
  let label: number | null = null;
  if (labelAt >= 0) {
    const raw = (cells[labelAt] ?? '').trim();
    if (raw !== '') {
      label = Number(raw);
      if (!(label >= 0 && label <= 1)) return `column 'label' must be in [0, 1] or empty, got '${raw.slice(0, 40)}'`;
    }
  }
  return { cycle: vals.cycle, cell: vals.cell, v: vals.v, i: vals.i, t: vals.t, z: vals.impedance, label };
}

/** Aggregates one cell's samples of one cycle (samples taken as equally spaced in time). */
function aggregate(s: Sample[]): { iPeak: number; iRms: number; vMax: number; vMin: number; tMean: number; tMax: number; rInt: number; label: number | null } {
  const n = s.length;
  const labels = s.map((x) => x.label).filter((x): x is number => x !== null);
  return {
    iPeak: Math.max(...s.map((x) => Math.abs(x.i))), iRms: Math.sqrt(s.reduce((a, x) => a + x.i * x.i, 0) / n),
    vMax: Math.max(...s.map((x) => x.v)), vMin: Math.min(...s.map((x) => x.v)),
    tMean: s.reduce((a, x) => a + x.t, 0) / n, tMax: Math.max(...s.map((x) => x.t)), rInt: s[n - 1].z,
    label: labels.length ? labels[labels.length - 1] : null,
  };
}

/**
 * Parses BMS export text (see the file comment).
 * @throws InputError `E_BMS` (one line) for an empty file, a missing column, no valid row, or a
 *   cell whose first valid sample is after cycle 1 (its window cannot be built); bad rows are not
 *   thrown but listed in `errors`.
 */
export function parseBms(text: string, source = '<bms>'): BmsData {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  if (header.length < 2) throw new InputError('E_BMS', `${source}: empty file (expected a header ${BMS_COLUMNS.join(',')}[,label])`, source);
  const idx: Record<string, number> = {};
  for (const c of BMS_COLUMNS) {
    idx[c] = header.indexOf(c);
    if (idx[c] < 0) throw new InputError('E_BMS', `${source}: line 1 (header): missing column '${c}'`, source);
  }
  const labelAt = header.indexOf('label');
  const errors: RowError[] = [];
  const by = new Map<string, Sample[]>();
  let rows = 0, cycles = 0;
  lines.slice(1).forEach((l, k) => {
    if (l.trim() === '') return;
    const r = parseRow(l.split(','), idx, labelAt);
    if (typeof r === 'string') return void errors.push({ line: k + 2, message: r });
    rows++;
    cycles = Math.max(cycles, r.cycle);
    const key = `${r.cell}:${r.cycle}`;
    by.set(key, [...(by.get(key) ?? []), r]);
  });
  if (rows === 0) throw new InputError('E_BMS', `${source}: no valid row (${errors.length} bad${errors[0] ? `; first: line ${errors[0].line}: ${errors[0].message}` : ''})`, source);
  let filled = 0;
  const cells: (BmsSeries | null)[] = [];
  for (let k = 0; k < MAX_CELLS; k++) {
    if (![...by.keys()].some((key) => key.startsWith(`${k}:`))) { cells.push(null); continue; }
    const s: BmsSeries = { iPeak: [], iRms: [], vMax: [], vMin: [], tMean: [], tMax: [], rInt: [], label: [] };
    let lastCycle = 1;
    for (let c = 1; c <= cycles; c++) if (by.has(`${k}:${c}`)) lastCycle = c;
    for (let c = 1; c <= lastCycle; c++) {
      const got = by.get(`${k}:${c}`);
      if (!got && c === 1) throw new InputError('E_BMS', `${source}: cell ${k} has no valid sample in cycle 1 (a cell's record must start at cycle 1)`, source);
      const a = got ? aggregate(got) : null;
      if (!a) filled++;
      for (const f of ['iPeak', 'iRms', 'vMax', 'vMin', 'tMean', 'tMax', 'rInt'] as const) s[f].push(a ? a[f] : s[f][c - 2]);
      s.label.push(a ? a.label : null);
    }
    cells.push(s);
  }
  return { source, cells, cycles, rows, errors, filled, hasLabel: labelAt >= 0 };
}

/**
 * Reads a BMS export file ({@link parseBms}).
 * @throws InputError `E_READ` when unreadable, otherwise as {@link parseBms}.
 */
export function loadBms(file: string): BmsData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError('E_READ', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
  }
  return parseBms(text, file);
}
