/**
 * CIF reader for crystal structures: cell, symmetry operations, atom sites (with partial
 * occupancies and oxidation states) and expansion of the asymmetric unit to the full cell.
 *
 * Scope: the first `data_` block of a CIF 1.1 file, as written by pymatgen and most databases.
 * Every value comes from an untrusted file, so every value is range-checked and every failure is
 * an {@link InputError} with code `E_CIF` whose message reads `file.cif line N: what is wrong`.
 */

import { readFileSync, statSync } from 'node:fs';
import { cifError, parseBlock, CIF_LIMITS, type CifBlock, type CifLoop, type Token } from './cif-lex.ts';
import { applySymOp, IDENTITY, parseSymOp, wrap01, type SymOp, type Vec3 } from './symop.ts';
import { isElementSymbol } from './elements.ts';
import { InputError } from '@dendra/core/errors.ts';

export type { SymOp, Vec3 } from './symop.ts';

/** Unit-cell parameters: lengths in Å, angles in degrees. */
export interface CellParams {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
}

/** One row of the `_atom_site_` loop (asymmetric unit). */
export interface AtomSite {
  readonly label: string;
  /** `_atom_site_type_symbol` as written (or the label when the column is absent). */
  readonly typeSymbol: string;
  /** Element symbol, e.g. `Li` for `Li1+`. */
  readonly element: string;
  /** Oxidation state from the type symbol or `_atom_type_oxidation_number`; null if unknown. */
  readonly oxidationState: number | null;
  /** Fractional coordinates as written. */
  readonly frac: Vec3;
  /** Site occupancy in [0, 1] (1 when the column is absent). */
  readonly occupancy: number;
  /** `_atom_site_symmetry_multiplicity` when given, else null. */
  readonly multiplicity: number | null;
  /** 1-based line of the row in the file. */
  readonly line: number;
}

/** A parsed CIF data block. */
export interface CifStructure {
  readonly path: string;
  /** Data block name (after `data_`). */
  readonly name: string;
  readonly cell: CellParams;
  /** Symmetry operations; `[IDENTITY]` when the file lists none (P1). */
  readonly symops: readonly SymOp[];
  readonly sites: readonly AtomSite[];
  /** `_cell_formula_units_Z` when present. */
  readonly formulaUnitsZ: number | null;
}

/** One atom (or partially occupied position) of the expanded cell. */
export interface ExpandedAtom {
  readonly element: string;
  readonly oxidationState: number | null;
  /** Fractional coordinates wrapped to [0, 1). */
  readonly frac: Vec3;
  readonly occupancy: number;
  /** Index of the generating site in {@link CifStructure.sites}. */
  readonly site: number;
}

/** Limits on untrusted input, besides the tokenizer's. */
export const CIF_STRUCT_LIMITS = {
  maxSymops: 192,
  maxSites: 10_000,
  maxExpandedAtoms: 200_000,
  maxCellLength: 1000,
  /** Smallest spacing of the (100), (010), (001) lattice planes, Å: no crystal is thinner, and the periodic-image loops of the descriptors grow with 1 / spacing. */
  minPlaneSpacing: 0.5,
  maxCoordinate: 1e4,
} as const;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:\(\d+\))?$/;

/** Read a CIF numeric value (standard uncertainty `(n)` dropped); null for `?` / `.`. */
function cifNumber(tok: Token, path: string, what: string): number | null {
  if (!tok.quoted && (tok.text === '?' || tok.text === '.')) return null;
  if (!NUMBER.test(tok.text)) throw cifError(path, tok.line, `${what}: '${tok.text.slice(0, 40)}' is not a number`);
  const v = Number(tok.text.replace(/\(\d+\)$/, ''));
  if (!Number.isFinite(v)) throw cifError(path, tok.line, `${what}: '${tok.text.slice(0, 40)}' is not finite`);
  return v;
}

function requiredItemNumber(b: CifBlock, tag: string, path: string): [number, number] {
  const it = b.items.get(tag);
  if (it === undefined) throw cifError(path, 1, `missing ${tag}`);
  const v = cifNumber(it.value, path, tag);
  if (v === null) throw cifError(path, it.line, `${tag} is unknown ('?' or '.')`);
  return [v, it.line];
}

/**
 * Read and validate the cell: lengths in (0, 1000] Å, angles in (0, 180) degrees, a positive
 * volume (angles that cannot close a cell are rejected) and lattice planes at least
 * `minPlaneSpacing` apart.
 */
function readCell(b: CifBlock, path: string): CellParams {
  const lens: number[] = [];
  for (const t of ['a', 'b', 'c']) {
    const [v, line] = requiredItemNumber(b, `_cell_length_${t}`, path);
    if (!(v > 0 && v <= CIF_STRUCT_LIMITS.maxCellLength)) throw cifError(path, line, `_cell_length_${t} = ${v} is out of range (0, ${CIF_STRUCT_LIMITS.maxCellLength}] Å`);
    lens.push(v);
  }
  const angs: number[] = [];
  let lastLine = 1;
  for (const t of ['alpha', 'beta', 'gamma']) {
    const [v, line] = requiredItemNumber(b, `_cell_angle_${t}`, path);
    if (!(v > 0 && v < 180)) throw cifError(path, line, `_cell_angle_${t} = ${v} is out of range (0, 180) degrees`);
    angs.push(v);
    lastLine = Math.max(lastLine, line);
  }
  const cell = { a: lens[0], b: lens[1], c: lens[2], alpha: angs[0], beta: angs[1], gamma: angs[2] };
  if (!(volumeFactor(cell) > 1e-6)) throw cifError(path, lastLine, 'cell angles do not form a cell (volume <= 0)');
  const r = Math.PI / 180;
  const spacing = Math.min(...lens.map((l, k) => (l * Math.sqrt(volumeFactor(cell))) / Math.sin(angs[k] * r)));
  if (spacing < CIF_STRUCT_LIMITS.minPlaneSpacing) {
    throw cifError(path, lastLine, `cell lattice planes ${spacing.toPrecision(3)} Å apart: below ${CIF_STRUCT_LIMITS.minPlaneSpacing} Å, not a crystal`);
  }
  return cell;
}

function volumeFactor(c: CellParams): number {
  const r = Math.PI / 180;
  const ca = Math.cos(c.alpha * r), cb = Math.cos(c.beta * r), cg = Math.cos(c.gamma * r);
  return 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
}

/** Cell volume in Å^3 (`abc * sqrt(1 - cos²α - cos²β - cos²γ + 2 cosα cosβ cosγ)`). */
export function cellVolume(c: CellParams): number {
  return c.a * c.b * c.c * Math.sqrt(Math.max(0, volumeFactor(c)));
}

const SYMOP_TAGS = ['_space_group_symop_operation_xyz', '_symmetry_equiv_pos_as_xyz'];

function findLoop(b: CifBlock, tag: string): [CifLoop, number] | null {
  for (const l of b.loops) {
    const k = l.tags.indexOf(tag);
    if (k >= 0) return [l, k];
  }
  return null;
}

/** Symmetry operations from either tag, looped or single; identity when absent. */
function readSymops(b: CifBlock, path: string): SymOp[] {
  for (const tag of SYMOP_TAGS) {
    const found = findLoop(b, tag);
    const toks: Token[] = found ? found[0].rows.map((r) => r[found[1]]) : [];
    const single = b.items.get(tag);
    if (single) toks.push(single.value);
    if (toks.length === 0) continue;
    if (toks.length > CIF_STRUCT_LIMITS.maxSymops) throw cifError(path, toks[0].line, `${toks.length} symmetry operations (> ${CIF_STRUCT_LIMITS.maxSymops})`);
    return toks.map((t) => {
      const op = parseSymOp(t.text);
      if (typeof op === 'string') throw cifError(path, t.line, `symmetry operation: ${op}`);
      return op;
    });
  }
  return [IDENTITY];
}

/**
 * Split a type symbol such as `Li`, `Li1+`, `O2-`, `Fe2.5+` or a label such as `Li0`, `O12a`
 * into element and oxidation state (null when no signed charge is written).
 * @returns null when no element symbol can be read at the start of `s`.
 */
export function parseTypeSymbol(s: string): { element: string; oxidationState: number | null } | null {
  const m = /^([A-Za-z]{1,2})(.*)$/.exec(s);
  if (!m) return null;
  let el = m[1][0].toUpperCase() + m[1].slice(1).toLowerCase();
  let rest = m[2];
  if (!isElementSymbol(el) && el.length === 2) {
    rest = el[1] + rest;
    el = el[0];
  }
  if (!isElementSymbol(el)) return null;
  if (el.length === 1 && /^[a-z]/.test(rest)) return null; // e.g. "Xq": not an element
  const charge = /^(\d+(?:\.\d+)?)?([+-])$/.exec(rest);
  if (!charge) return { element: el, oxidationState: null };
  const mag = charge[1] === undefined ? 1 : Number(charge[1]);
  return { element: el, oxidationState: charge[2] === '-' ? -mag : mag };
}

/** `_atom_type_symbol` -> `_atom_type_oxidation_number`, when that loop exists. */
function readOxidationTable(b: CifBlock, path: string): Map<string, number> {
  const out = new Map<string, number>();
  const found = findLoop(b, '_atom_type_symbol');
  if (!found) return out;
  const k = found[0].tags.indexOf('_atom_type_oxidation_number');
  if (k < 0) return out;
  for (const r of found[0].rows) {
    const v = cifNumber(r[k], path, '_atom_type_oxidation_number');
    if (v !== null) out.set(r[found[1]].text, v);
  }
  return out;
}

type Columns = { x: number; y: number; z: number; type: number; label: number; occ: number; mult: number };

function siteColumns(l: CifLoop, path: string): Columns {
  const col = (t: string): number => l.tags.indexOf(`_atom_site_${t}`);
  const c = { x: col('fract_x'), y: col('fract_y'), z: col('fract_z'), type: col('type_symbol'),
    label: col('label'), occ: col('occupancy'), mult: col('symmetry_multiplicity') };
  if (c.x < 0 || c.y < 0 || c.z < 0) throw cifError(path, l.line, 'atom site loop lacks _atom_site_fract_x/y/z');
  if (c.type < 0 && c.label < 0) throw cifError(path, l.line, 'atom site loop has neither _atom_site_type_symbol nor _atom_site_label');
  return c;
}

function readSite(r: readonly Token[], c: Columns, ox: Map<string, number>, path: string): AtomSite {
  const line = r[0].line;
  const frac: Vec3 = [0, 0, 0];
  [c.x, c.y, c.z].forEach((k, i) => {
    const v = cifNumber(r[k], path, 'fractional coordinate');
    if (v === null || Math.abs(v) > CIF_STRUCT_LIMITS.maxCoordinate) throw cifError(path, r[k].line, `fractional coordinate '${r[k].text.slice(0, 40)}' is missing or out of range`);
    frac[i] = v;
  });
  const typeTok = r[c.type >= 0 ? c.type : c.label];
  const parsed = parseTypeSymbol(typeTok.text);
  if (parsed === null) throw cifError(path, typeTok.line, `unknown element in type symbol '${typeTok.text.slice(0, 40)}'`);
  let occupancy = 1;
  if (c.occ >= 0) {
    const v = cifNumber(r[c.occ], path, '_atom_site_occupancy');
    if (v !== null && !(v >= 0 && v <= 1 + 1e-6)) throw cifError(path, r[c.occ].line, `occupancy ${v} is outside [0, 1]`);
    occupancy = v === null ? 1 : Math.min(v, 1);
  }
  let multiplicity: number | null = null;
  if (c.mult >= 0) {
    const v = cifNumber(r[c.mult], path, '_atom_site_symmetry_multiplicity');
    if (v !== null && !(Number.isInteger(v) && v >= 1 && v <= 1000)) throw cifError(path, r[c.mult].line, `multiplicity ${v} is not an integer in [1, 1000]`);
    multiplicity = v;
  }
  const oxidationState = parsed.oxidationState ?? ox.get(typeTok.text) ?? null;
  const label = c.label >= 0 ? r[c.label].text : typeTok.text;
  return { label, typeSymbol: typeTok.text, element: parsed.element, oxidationState, frac, occupancy, multiplicity, line };
}

function readSites(b: CifBlock, path: string): AtomSite[] {
  const found = findLoop(b, '_atom_site_fract_x');
  if (!found) throw cifError(path, 1, 'no atom site loop (_atom_site_fract_x)');
  const [l] = found;
  if (l.rows.length === 0) throw cifError(path, l.line, 'atom site loop has no rows');
  if (l.rows.length > CIF_STRUCT_LIMITS.maxSites) throw cifError(path, l.line, `${l.rows.length} atom sites (> ${CIF_STRUCT_LIMITS.maxSites})`);
  const c = siteColumns(l, path);
  const ox = readOxidationTable(b, path);
  return l.rows.map((r) => readSite(r, c, ox, path));
}

/**
 * Parse CIF text.
 * @param path file name used in error messages.
 * @throws InputError `E_CIF` (message `path line N: ...`) for syntax errors, a missing or
 *   out-of-range cell, unreadable symmetry operations, unknown elements, non-numeric or
 *   out-of-range coordinates/occupancies, or input beyond {@link CIF_STRUCT_LIMITS}.
 */
export function parseCif(text: string, path = '<cif>'): CifStructure {
  const b = parseBlock(text, path);
  const cell = readCell(b, path);
  const symops = readSymops(b, path);
  const sites = readSites(b, path);
  const zItem = b.items.get('_cell_formula_units_z');
  let formulaUnitsZ: number | null = null;
  if (zItem) {
    formulaUnitsZ = cifNumber(zItem.value, path, '_cell_formula_units_Z');
    if (formulaUnitsZ !== null && !(Number.isInteger(formulaUnitsZ) && formulaUnitsZ >= 1)) {
      throw cifError(path, zItem.line, `_cell_formula_units_Z = ${formulaUnitsZ} is not a positive integer`);
    }
  }
  return { path, name: b.name, cell, symops, sites, formulaUnitsZ };
}

/**
 * Read and parse a CIF file.
 * @throws InputError `E_CIF` as {@link parseCif}, or when the file is larger than the reader's
 *   limit; `E_READ` when the file cannot be read.
 */
export function readCif(path: string): CifStructure {
  let text: string;
  try {
    if (statSync(path).size > CIF_LIMITS.maxChars) throw cifError(path, 1, 'file too large');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'E_CIF') throw e;
    throw new InputError('E_READ', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`, path);
  }
  return parseCif(text, path);
}

/** True when fractional positions coincide modulo lattice translations within `tol`. */
export function samePeriodic(p: Vec3, q: Vec3, tol: number): boolean {
  for (let i = 0; i < 3; i++) {
    const d = p[i] - q[i];
    if (Math.abs(d - Math.round(d)) >= tol) return false;
  }
  return true;
}

/**
 * Expand the asymmetric unit with the symmetry operations into the full cell.
 * Images of one site that coincide under periodic boundaries (all fractional components within
 * `tol`, default 1e-3) are merged; distinct sites sharing a position (mixed occupancy, e.g. Br/I)
 * are all kept, each with its own occupancy.
 * @throws InputError `E_CIF` when the expanded cell exceeds `maxExpandedAtoms` atoms.
 */
export function expandSites(s: CifStructure, tol = 1e-3): ExpandedAtom[] {
  const out: ExpandedAtom[] = [];
  s.sites.forEach((site, idx) => {
    const mine: Vec3[] = [];
    for (const op of s.symops) {
      const p = applySymOp(op, site.frac).map(wrap01) as Vec3;
      if (mine.some((q) => samePeriodic(p, q, tol))) continue;
      mine.push(p);
      out.push({ element: site.element, oxidationState: site.oxidationState, frac: p, occupancy: site.occupancy, site: idx });
    }
    if (out.length > CIF_STRUCT_LIMITS.maxExpandedAtoms) throw cifError(s.path, site.line, `expanded cell exceeds ${CIF_STRUCT_LIMITS.maxExpandedAtoms} atoms`);
  });
  return out;
}

/** Sum of occupancies per element over expanded atoms (the cell's composition). */
export function cellComposition(atoms: readonly ExpandedAtom[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of atoms) m.set(a.element, (m.get(a.element) ?? 0) + a.occupancy);
  return m;
}
