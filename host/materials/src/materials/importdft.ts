/**
 * Parsers for DFT results (`dendra materials import-dft`): VASP OUTCAR and vasprun.xml, Bader
 * ACF.dat, NEB image energies, Quantum ESPRESSO pw.x output. The kind is detected from the text.
 * All values are bounds-checked (|energy| <= 1e7 eV, finite numbers); a malformed file throws a
 * one-line InputError `E_DFT` naming the file and line.
 */

import { readFileSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';

/** Rydberg in eV (CODATA 2018: 13.605693122994 eV). */
export const RY_EV = 13.605693122994;
const MAX_ABS_E = 1e7;

/** One imported result. */
export interface DftResult {
  readonly path: string;
  readonly kind: 'outcar' | 'vasprun' | 'bader' | 'neb' | 'qe';
  /** Final total energy in eV (OUTCAR TOTEN, vasprun e_fr_energy, QE '!' line), else null. */
  readonly energyEv: number | null;
  /** Band gap in eV when derivable, else null. */
  readonly bandGapEv: number | null;
  /** Bader charges per atom (ACF.dat). */
  readonly charges?: number[];
  /** NEB: forward barrier max(E) - E(first image), reverse max(E) - E(last), in eV. */
  readonly barrierEv?: number;
  readonly reverseBarrierEv?: number;
  /** False when the file looks truncated (no normal end marker). */
  readonly complete: boolean;
}

const bad = (path: string, line: number, why: string): InputError => new InputError('E_DFT', `${path} line ${line}: ${why}`, path);

function num(path: string, line: number, s: string | undefined, what: string, limit = MAX_ABS_E): number {
  const v = Number(s);
  if (s === undefined || s.trim() === '' || !Number.isFinite(v) || Math.abs(v) > limit) throw bad(path, line, `${what} '${s ?? ''}' is not a number within ±${limit}`);
  return v;
}

/** Gap from (energy, occupation) pairs: min unoccupied - max occupied (occupied: occ > 0.5). */
function gapOf(levels: ReadonlyArray<readonly [number, number]>): number | null {
  let vbm = -Infinity, cbm = Infinity;
  for (const [e, o] of levels) { if (o > 0.5) vbm = Math.max(vbm, e); else cbm = Math.min(cbm, e); }
  return Number.isFinite(vbm) && Number.isFinite(cbm) ? Math.max(0, cbm - vbm) : null;
}

/**
 * VASP OUTCAR: last `free  energy   TOTEN  =  x eV`; band gap from the last printed eigenvalue
 * block (rows `band  energy  occupation` after the last `E-fermi` line).
 * @throws InputError `E_DFT` when no TOTEN line exists or a value is malformed (names the line).
 */
export function parseOutcar(text: string, path = 'OUTCAR'): DftResult {
  const lines = text.split(/\r?\n/);
  let energy: number | null = null, lastFermi = -1;
  lines.forEach((l, i) => {
    if (l.includes('TOTEN')) {
      const m = /TOTEN\s*=\s*(\S+)/.exec(l);
      if (!m) throw bad(path, i + 1, 'TOTEN line without a value');
      energy = num(path, i + 1, m[1], 'TOTEN');
    }
    if (/^\s*E-fermi\s*:/.test(l)) lastFermi = i;
  });
  if (energy === null) throw bad(path, lines.length, 'no "free energy TOTEN" line (not a finished VASP OUTCAR?)');
  const levels: Array<[number, number]> = [];
  if (lastFermi >= 0) {
    for (let i = lastFermi + 1; i < lines.length; i++) {
      const l = lines[i];
      if (/^\s*-{10,}/.test(l) || /Fermi|total charge|magnetization|CHARGE/i.test(l)) break;
      const m = /^\s+(\d+)\s+(\S+)\s+(\S+)\s*$/.exec(l);
      if (m) levels.push([num(path, i + 1, m[2], 'band energy'), num(path, i + 1, m[3], 'occupation', 2.5)]);
    }
  }
  return { path, kind: 'outcar', energyEv: energy, bandGapEv: gapOf(levels), complete: /General timing and accounting/.test(text) };
}

/**
 * vasprun.xml: the last `<i name="e_fr_energy">` value (simple line scan, no XML parser); a
 * band gap is not derived here (use the OUTCAR).
 * @throws InputError `E_DFT` when no energy is found or it is malformed (names the line).
 */
export function parseVasprun(text: string, path = 'vasprun.xml'): DftResult {
  let energy: number | null = null;
  text.split(/\r?\n/).forEach((l, i) => {
    const m = /<i\s+name="e_fr_energy"\s*>([^<]*)<\/i>/.exec(l);
    if (m) energy = num(path, i + 1, m[1].trim(), 'e_fr_energy');
  });
  if (energy === null) throw bad(path, 1, 'no <i name="e_fr_energy"> element');
  return { path, kind: 'vasprun', energyEv: energy, bandGapEv: null, complete: /<\/modeling>/.test(text) };
}

/**
 * Bader ACF.dat: rows `index x y z charge min_dist atomic_vol` between dashed lines; indices must
 * run 1, 2, ...; charges within [0, 200] electrons.
 * @throws InputError `E_DFT` for a malformed row or no rows (names the line).
 */
export function parseAcf(text: string, path = 'ACF.dat'): DftResult {
  const charges: number[] = [];
  const lines = text.split(/\r?\n/);
  let dashes = 0;
  lines.forEach((l, i) => {
    if (/^\s*-{5,}\s*$/.test(l)) { dashes++; return; }
    if (dashes !== 1 || l.trim() === '') return;
    const f = l.trim().split(/\s+/);
    if (f.length < 5 || Number(f[0]) !== charges.length + 1) throw bad(path, i + 1, `expected atom row ${charges.length + 1} with index, x, y, z, charge`);
    const q = num(path, i + 1, f[4], 'charge', 200);
    if (q < 0) throw bad(path, i + 1, `negative charge ${q}`);
    charges.push(q);
  });
  if (charges.length === 0) throw bad(path, lines.length, 'no atom rows between dashed lines');
  return { path, kind: 'bader', energyEv: null, bandGapEv: null, charges, complete: dashes >= 2 };
}

/**
 * NEB image energies (eV): one energy per line, or VTST `neb.dat` rows (image, distance,
 * energy, force, ...; energy taken from column 3). `#` starts a comment. Needs >= 3 images.
 * @throws InputError `E_DFT` for a malformed line or fewer than 3 images (names the line).
 */
export function parseNeb(text: string, path = 'neb.dat'): DftResult {
  const e: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const l = raw.replace(/#.*/, '').trim();
    if (l === '') return;
    const f = l.split(/\s+/);
    if (f.length !== 1 && f.length < 3) throw bad(path, i + 1, `expected one energy or 'image distance energy ...', got ${f.length} fields`);
    e.push(num(path, i + 1, f.length === 1 ? f[0] : f[2], 'image energy'));
  });
  if (e.length < 3) throw bad(path, lines.length, `NEB needs at least 3 images, got ${e.length}`);
  const top = Math.max(...e);
  return { path, kind: 'neb', energyEv: null, bandGapEv: null, barrierEv: top - e[0], reverseBarrierEv: top - e[e.length - 1], complete: true };
}

/**
 * QE pw.x output: last `!    total energy = x Ry` (converted to eV); gap from
 * `highest occupied, lowest unoccupied level (ev): a b`; 0 gap is not claimed for metals.
 * @throws InputError `E_DFT` when no '!' energy line exists or a value is malformed.
 */
export function parseQe(text: string, path = 'pw.out'): DftResult {
  let energy: number | null = null, gap: number | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => {
    if (/^!\s+total energy/.test(l)) {
      const m = /=\s*(\S+)\s+Ry/.exec(l);
      if (!m) throw bad(path, i + 1, "'!' total energy line without '= value Ry'");
      energy = num(path, i + 1, m[1], 'total energy', MAX_ABS_E / RY_EV) * RY_EV;
    }
    const h = /highest occupied, lowest unoccupied level \(ev\):\s*(\S+)\s+(\S+)/.exec(l);
    if (h) gap = num(path, i + 1, h[2], 'LUMO') - num(path, i + 1, h[1], 'HOMO');
  });
  if (energy === null) throw bad(path, lines.length, "no '!    total energy' line (SCF not converged or not pw.x output)");
  return { path, kind: 'qe', energyEv: energy, bandGapEv: gap, complete: /JOB DONE/.test(text) };
}

/** Detect the kind of a DFT file from its content (and name for NEB). */
export function detectKind(text: string, path: string): DftResult['kind'] | null {
  if (/<modeling>|<i name="e_fr_energy"/.test(text)) return 'vasprun';
  if (/Program PWSCF|^!\s+total energy/m.test(text)) return 'qe';
  if (/TOTEN/.test(text) && /vasp|POTCAR|TOTEN/i.test(text)) return 'outcar';
  if (/CHARGE/.test(text) && /MIN DIST/.test(text)) return 'bader';
  if (/neb|barrier|images?/i.test(path) || /^[\s\d.eE+-]+$/.test(text.replace(/#.*$/gm, ''))) return 'neb';
  return null;
}

/**
 * Read and parse one DFT file (kind detected by {@link detectKind}).
 * @throws InputError `E_READ` when unreadable or over 200 MB, `E_DFT` when the kind is unknown
 *   or the content is malformed.
 */
export function importDftFile(path: string): DftResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('E_READ', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`, path);
  }
  if (text.length > 200 * 1024 * 1024) throw new InputError('E_READ', `${path}: larger than 200 MB`, path);
  const kind = detectKind(text, path);
  if (kind === null) throw bad(path, 1, 'not a recognised DFT output (OUTCAR, vasprun.xml, ACF.dat, NEB energies, pw.x output)');
  return { outcar: parseOutcar, vasprun: parseVasprun, bader: parseAcf, neb: parseNeb, qe: parseQe }[kind](text, path);
}
