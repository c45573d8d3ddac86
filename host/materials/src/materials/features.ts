/**
 * Descriptor features for OBELiX rows: composition (element fractions), fraction-weighted
 * element-property statistics, lattice parameters, space-group number, and (when a CIF exists)
 * structure features from {@link ./structure.ts}. Scaling and VIF filtering live in
 * {@link ./preprocess.ts}; they are fitted per training fold by the caller.
 *
 * CSV layout (OBELiX train.csv, data tag v1.2.0-data): lattice columns are named `a`, `b`, `c`,
 * `alpha`, `beta`, `gamma` (Å and degrees) and the space-group number is `Space group #`; the
 * conductivity column `Ionic conductivity (S cm-1)` holds either a number (S/cm) or an upper
 * bound written `<1E-10` (README of the data folder). In the training split 29 rows are such
 * bounds (28 × `<1E-10`, 1 × `<1E-8`).
 */

import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';
import type { CellParams } from './cif.ts';
import { elementProps } from './elements.ts';
import { parseComposition, parseCsv, parseObelix, type ObelixRow } from './obelix.ts';
import type { StructureFeatures } from './structure.ts';
import { groupValues, PHYSICS_GROUPS, type PhysicsGroup } from './physics.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

/** An OBELiX row with its lattice parameters. */
export interface MaterialRow extends ObelixRow {
  readonly cell: CellParams;
  /** 2-based line in the CSV (for error messages). */
  readonly line: number;
}

/** log10 conductivity target; for an upper bound `value` is log10 of the bound. */
export interface Target {
  readonly value: number;
  /** True when the CSV gives only an upper bound (`<x`). */
  readonly censored: boolean;
}

/** Benchmark convention: upper-bound rows are scored as log10 sigma = -15. */
export const CENSORED_SCORE = -15;

const LATTICE = ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const;

/**
 * Parse a CSV in the OBELiX layout (see {@link parseObelix}) plus its lattice columns.
 * @throws InputError `E_CSV` naming the line, the row ID and the column when a lattice value is
 *   missing, not a number, or non-positive; `E_COMPOSITION` naming row and column when
 *   `True Composition` cannot be parsed; or any error of {@link parseObelix}.
 */
export function parseMaterialsCsv(text: string, path = '<csv>'): MaterialRow[] {
  const base = parseObelix(text, path);
  const table = parseCsv(text, path).filter((r) => !(r.length === 1 && r[0] === ''));
  const header = table[0];
  const idx = LATTICE.map((name) => {
    const k = header.indexOf(name);
    if (k < 0) throw new InputError('E_CSV', `${path} line 1: missing column '${name}'`, path);
    return k;
  });
  return base.map((row, i) => {
    const line = i + 2;
    const v = idx.map((k, j) => {
      const x = Number(table[i + 1][k]);
      if (table[i + 1][k].trim() === '' || !Number.isFinite(x) || x <= 0) {
        throw new InputError('E_CSV', `${path} line ${line} (ID ${row.id}): column '${LATTICE[j]}' value '${table[i + 1][k]}' is not a positive number`, path);
      }
      return x;
    });
    try {
      parseComposition(row.trueComposition);
    } catch (e) {
      throw new InputError('E_COMPOSITION', `${path} line ${line} (ID ${row.id}): column 'True Composition': ${e instanceof Error ? e.message : String(e)}`, path);
    }
    const cell: CellParams = { a: v[0], b: v[1], c: v[2], alpha: v[3], beta: v[4], gamma: v[5] };
    return { ...row, cell, line };
  });
}

/**
 * Read and parse a CSV file in the OBELiX layout (default: the shared train.csv).
 * @throws InputError `E_READ` when unreadable, otherwise as {@link parseMaterialsCsv}.
 */
export function loadMaterials(path = `${OBELIX_DIR.replace(/\/$/, '')}/train.csv`): MaterialRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('E_READ', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`, path);
  }
  return parseMaterialsCsv(text, path);
}

/**
 * Target of a row: log10 of the conductivity, or of the bound for `<x` values (censored).
 * @throws InputError `E_CSV` naming the row when the value is empty, not a number, or <= 0.
 */
export function parseTarget(row: Pick<MaterialRow, 'id' | 'conductivity'> & { line?: number }): Target {
  const raw = row.conductivity.trim();
  const censored = raw.startsWith('<');
  const x = Number(censored ? raw.slice(1) : raw);
  if (raw === '' || !Number.isFinite(x) || x <= 0) {
    throw new InputError('E_CSV', `line ${row.line ?? '?'} (ID ${row.id}): column 'Ionic conductivity (S cm-1)' value '${raw}' is not a positive number or '<bound'`);
  }
  return { value: Math.log10(x), censored };
}

/** Element-property keys used for statistics (from {@link elementProps}). */
const PROPS = ['electronegativity', 'covalentRadius', 'valenceElectrons', 'mass'] as const;
const STATS = ['mean', 'min', 'max', 'range'] as const;

/** Elements present in `rows` (sorted by symbol). @throws as {@link parseComposition}. */
export function elementVocabulary(rows: readonly Pick<ObelixRow, 'trueComposition'>[]): string[] {
  const s = new Set<string>();
  for (const r of rows) for (const e of parseComposition(r.trueComposition).keys()) s.add(e);
  return [...s].sort();
}

/** Atomic fractions of a composition (amounts / total). */
export function fractions(comp: ReadonlyMap<string, number>): Map<string, number> {
  let tot = 0;
  for (const n of comp.values()) tot += n;
  return new Map([...comp].map(([e, n]) => [e, tot > 0 ? n / tot : 0]));
}

/**
 * Fraction-weighted mean and min/max/range over present elements of each property
 * (16 numbers, order: property-major, then mean, min, max, range).
 * @throws InputError `E_ELEMENT` for an element outside the property table.
 */
export function elementStats(frac: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const p of PROPS) {
    let mean = 0, min = Infinity, max = -Infinity;
    for (const [e, f] of frac) {
      if (f <= 0) continue;
      const v = elementProps(e)[p];
      mean += f * v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    out.push(mean, min, max, max - min);
  }
  return out;
}

/** What a feature table is built from. */
export interface FeatureSpec {
  /** Element symbols whose fractions become columns (elements outside it only enter stats). */
  readonly vocabulary: readonly string[];
  /** Include the structure columns (rows without structure features get NaN there). */
  readonly structure: boolean;
  /** Physics descriptor groups appended after the structure columns (none when absent). */
  readonly physics?: readonly PhysicsGroup[];
  /**
   * OBELiX's own benchmark features instead (obelix-rf.ts): unit-cell amounts of each vocabulary
   * element in `True Composition`, space-group number, a, b, c, alpha, beta, gamma; no structure.
   */
  readonly obelix?: boolean;
}

/** Column names for a spec. */
export function featureNames(spec: FeatureSpec): string[] {
  if (spec.obelix) return [...spec.vocabulary.map((e) => `amount_${e}`), 'space_group', ...LATTICE];
  const names = spec.vocabulary.map((e) => `frac_${e}`);
  for (const p of PROPS) for (const s of STATS) names.push(`${p}_${s}`);
  names.push(...LATTICE, 'volume_per_fu', 'space_group');
  if (spec.structure) names.push('density', 'li_fraction', 'li_li_nearest', 'li_anion_nearest');
  if (spec.structure) for (const g of spec.physics ?? []) names.push(...PHYSICS_GROUPS[g]);
  return names;
}

/**
 * Feature row of one material. `structure` supplies the CIF features when `spec.structure`.
 * @throws InputError `E_COMPOSITION` / `E_ELEMENT` for an unparsable composition or an element
 *   outside the property table, naming the row.
 */
export function featureRow(row: MaterialRow, spec: FeatureSpec, structure?: StructureFeatures): number[] {
  if (spec.obelix) return obelixRow(row, spec.vocabulary);
  let frac: Map<string, number>;
  let stats: number[];
  try {
    frac = fractions(parseComposition(row.trueComposition));
    stats = elementStats(frac);
  } catch (e) {
    throw new InputError('E_COMPOSITION', `line ${row.line} (ID ${row.id}): column 'True Composition': ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = row.cell;
  const rad = Math.PI / 180;
  const ca = Math.cos(c.alpha * rad), cb = Math.cos(c.beta * rad), cg = Math.cos(c.gamma * rad);
  const vol = c.a * c.b * c.c * Math.sqrt(Math.max(0, 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg));
  const out = spec.vocabulary.map((e) => frac.get(e) ?? 0);
  out.push(...stats, c.a, c.b, c.c, c.alpha, c.beta, c.gamma, vol / row.z, row.spaceGroupNumber);
  if (spec.structure) {
    const s = structure;
    out.push(s?.density ?? NaN, s?.liFraction ?? NaN, s?.liLiNearest ?? NaN, s?.liAnionNearest ?? NaN);
    for (const g of spec.physics ?? []) out.push(...groupValues(s?.physics, g).map((v) => (Number.isFinite(v) ? v : capped(g, v))));
  }
  return out;
}

/** OBELiX benchmark row (FeatureSpec `obelix`). @throws InputError `E_COMPOSITION` naming the row. */
function obelixRow(row: MaterialRow, vocabulary: readonly string[]): number[] {
  let amounts: Map<string, number>;
  try {
    amounts = parseComposition(row.trueComposition);
  } catch (e) {
    throw new InputError('E_COMPOSITION', `line ${row.line} (ID ${row.id}): column 'True Composition': ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = row.cell;
  return [...vocabulary.map((e) => amounts.get(e) ?? 0), row.spaceGroupNumber, c.a, c.b, c.c, c.alpha, c.beta, c.gamma];
}

/** Non-finite physics values: no percolation on the grid (+Infinity) becomes a large finite cap; NaN stays missing. */
function capped(g: PhysicsGroup, v: number): number {
  return v === Infinity && g === 'bvse' ? 100 : NaN;
}

/** Feature matrix for `rows` (see {@link featureRow}). */
export function featureTable(rows: readonly MaterialRow[], spec: FeatureSpec,
  structures: ReadonlyMap<string, StructureFeatures> = new Map()): number[][] {
  return rows.map((r) => featureRow(r, spec, structures.get(r.id)));
}
