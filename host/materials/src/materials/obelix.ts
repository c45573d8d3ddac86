/**
 * OBELiX training-split table (`train.csv`, Therrien et al. 2025, CC BY 4.0): CSV reading and
 * composition strings. Only the columns the materials code uses are typed; the official test
 * split is deliberately not handled here (it is not in the data folder and must not be fetched).
 *
 * Column layout (header of train.csv, data tag v1.2.0-data): `ID, Reduced Composition, Z,
 * True Composition, Ionic conductivity (S cm-1), ..., Space group #, a, b, c, alpha, beta, gamma,
 * Family, DOI, ..., Cif ID, ...`. `Cif ID` is `done` when `cifs/<ID>.cif` exists.
 */

import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';
import { isElementSymbol } from './elements.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

/** Default location of the shared OBELiX folder. */

/** One row of train.csv (selected columns, raw strings kept). */
export interface ObelixRow {
  readonly id: string;
  readonly reducedComposition: string;
  /** Formula units per cell, `Z` column. */
  readonly z: number;
  readonly trueComposition: string;
  /** Raw conductivity text (may be a censored value such as `<1E-10`). */
  readonly conductivity: string;
  readonly spaceGroupNumber: number;
  readonly family: string;
  /** DOI field as written (several DOIs are separated by `|`). */
  readonly doi: string;
  /** True when the structure file `cifs/<id>.cif` exists (`Cif ID` = `done`). */
  readonly hasCif: boolean;
}

/**
 * Parse RFC 4180 CSV (comma separator, `"` quoting with `""` escapes, CRLF or LF).
 * @throws InputError `E_CSV` for an unterminated quoted field, naming the line.
 */
export function parseCsv(text: string, path = '<csv>'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0, line = 1, quoted = false, quoteLine = 1;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      if (ch === '\n') line++;
      field += ch; i++;
      continue;
    }
    if (ch === '"') { quoted = true; quoteLine = line; i++; }
    else if (ch === ',') { row.push(field); field = ''; i++; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = ''; i++; line++;
    } else { field += ch; i++; }
  }
  if (quoted) throw new InputError('E_CSV', `${path} line ${quoteLine}: unterminated quoted field`, path);
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

const NEEDED = ['ID', 'Reduced Composition', 'Z', 'True Composition', 'Ionic conductivity (S cm-1)',
  'Space group #', 'Family', 'DOI', 'Cif ID'] as const;

/**
 * Parse train.csv text into rows.
 * @throws InputError `E_CSV` when a needed column is missing, a row has the wrong number of
 *   fields, or `Z` / `Space group #` is not a positive integer; messages name the line.
 */
export function parseObelix(text: string, path = '<train.csv>'): ObelixRow[] {
  const table = parseCsv(text, path).filter((r) => !(r.length === 1 && r[0] === ''));
  if (table.length === 0) throw new InputError('E_CSV', `${path}: empty file`, path);
  const header = table[0];
  const col: Record<string, number> = {};
  for (const name of NEEDED) {
    col[name] = header.indexOf(name);
    if (col[name] < 0) throw new InputError('E_CSV', `${path} line 1: missing column '${name}'`, path);
  }
  return table.slice(1).map((r, k) => {
    const line = k + 2;
    if (r.length !== header.length) throw new InputError('E_CSV', `${path} line ${line}: ${r.length} fields, header has ${header.length}`, path);
    const int = (name: string): number => {
      const v = Number(r[col[name]]);
      if (!(Number.isInteger(v) && v >= 1 && v <= 1000)) throw new InputError('E_CSV', `${path} line ${line}: ${name} '${r[col[name]]}' is not a positive integer`, path);
      return v;
    };
    return {
      id: r[col['ID']], reducedComposition: r[col['Reduced Composition']], z: int('Z'),
      trueComposition: r[col['True Composition']], conductivity: r[col['Ionic conductivity (S cm-1)']],
      spaceGroupNumber: int('Space group #'), family: r[col['Family']], doi: r[col['DOI']],
      hasCif: r[col['Cif ID']] === 'done',
    };
  });
}

/**
 * Load and parse `train.csv` from `dir` (default {@link OBELIX_DIR}).
 * @throws InputError `E_READ` when the file cannot be read, or as {@link parseObelix}.
 */
export function loadObelixTrain(dir: string = OBELIX_DIR): ObelixRow[] {
  const path = `${dir.replace(/\/$/, '')}/train.csv`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('E_READ', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`, path);
  }
  return parseObelix(text, path);
}

type Counts = Map<string, number>;

function addInto(dst: Counts, src: Counts, k: number): void {
  for (const [e, n] of src) dst.set(e, (dst.get(e) ?? 0) + n * k);
}

/** Parse formula text from `pos` until an unmatched `)`/`]` or the end; returns counts and end. */
function parseGroup(s: string, pos: number, depth: number, formula: string): [Counts, number] {
  const bad = (why: string): InputError => new InputError('E_COMPOSITION', `composition '${formula.slice(0, 80)}': ${why}`);
  if (depth > 8) throw bad('brackets nested too deeply');
  const out: Counts = new Map();
  const amount = /(\d+(?:\.\d*)?|\.\d+)?/y;
  while (pos < s.length && s[pos] !== ')' && s[pos] !== ']') {
    let part: Counts;
    if (s[pos] === '(' || s[pos] === '[') {
      const close = s[pos] === '(' ? ')' : ']';
      const [inner, end] = parseGroup(s, pos + 1, depth + 1, formula);
      if (s[end] !== close) throw bad(`unmatched '${s[pos]}'`);
      part = inner;
      pos = end + 1;
    } else {
      const m = /[A-Z][a-z]?/y;
      m.lastIndex = pos;
      const el = m.exec(s);
      if (el === null) throw bad(`unexpected '${s[pos]}' at position ${pos}`);
      if (!isElementSymbol(el[0])) throw bad(`unknown element '${el[0]}'`);
      part = new Map([[el[0], 1]]);
      pos = m.lastIndex;
    }
    amount.lastIndex = pos;
    const a = amount.exec(s);
    const k = a !== null && a[1] !== undefined ? Number(a[1]) : 1;
    pos = amount.lastIndex;
    addInto(out, part, k);
  }
  return [out, pos];
}

/**
 * Parse a composition such as `Li7.0Bi1.0O6.0`, `Li6PS5Cl` or `LiV(PO4)F`: element symbols each
 * followed by an optional non-negative amount (default 1), with `(...)`/`[...]` groups that may
 * carry a multiplier. Repeated elements are summed.
 * @throws InputError `E_COMPOSITION` for text that is not such a formula, has unbalanced
 *   brackets, or names an unknown element.
 */
export function parseComposition(formula: string): Map<string, number> {
  const s = formula.replace(/\s+/g, '');
  const [out, end] = parseGroup(s, 0, 0, formula);
  if (end !== s.length) {
    throw new InputError('E_COMPOSITION', `composition '${formula.slice(0, 80)}': unmatched '${s[end]}'`);
  }
  if (out.size === 0) throw new InputError('E_COMPOSITION', `composition '${formula.slice(0, 80)}' is empty`);
  return out;
}
