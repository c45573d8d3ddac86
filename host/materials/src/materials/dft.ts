/**
 * DFT input files for screened candidates: VASP (POSCAR, INCAR, KPOINTS) and Quantum ESPRESSO
 * pw.x, built on the parent framework's CIF with the candidate's species (parent lattice kept;
 * ordering of partial occupancies as in {@link ./dft-order.ts}, choices written to NOTES.txt).
 *
 * Settings (a full relaxation with spin polarisation):
 * - VASP: PBE (`GGA = PE`), `ENCUT = 520` eV, `ISPIN = 2`, `EDIFF = 1E-5`, `EDIFFG = -0.02`
 *   (forces < 0.02 eV/Å), `IBRION = 2` (conjugate gradient), `ISIF = 3` (cell + ions), `NSW =
 *   200`, `ISMEAR = 0` with `SIGMA = 0.05` (Gaussian; safe for insulators and metals),
 *   `LAECHG = .TRUE.` so Bader charges can be computed. POTCAR is not written (licensed files):
 *   concatenate the PAW PBE POTCARs in the POSCAR species order.
 * - QE: `vc-relax`, `ecutwfc = 60` Ry, `ecutrho = 480` Ry (8x, for ultrasoft/PAW), `nspin = 2`
 *   with `starting_magnetization = 0.1` per species (pw.x needs a non-zero starting moment),
 *   Gaussian smearing 0.005 Ry. Pseudopotential names are placeholders `<El>.pbe.UPF` in
 *   `pseudo_dir = './pseudo'`: replace them with real PBE files (e.g. from the SSSP library).
 * - k-points (both codes): Monkhorst-Pack mesh n_i = max(1, ceil(2 pi / (0.25 Å^-1 * d_i))), d_i the
 *   spacing of the lattice planes spanned by the other two vectors (i.e. 2 pi / d_i = |b_i|,
 *   the reciprocal vector length): a k-point spacing of at most 0.25 Å^-1 along each direction.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CifStructure } from './cif.ts';
import { candidateCell, type OrderedCell } from './dft-order.ts';
import { elementProps } from './elements.ts';
import { latticeVectors, planeSpacings } from './graph.ts';
import type { Candidate } from './substitute.ts';

/** Largest k-point spacing (Å^-1, 2 pi included). */
export const K_SPACING = 0.25;

/** Monkhorst-Pack divisions for a cell by the {@link K_SPACING} rule. */
export function kMesh(cell: OrderedCell['cell']): [number, number, number] {
  return planeSpacings(cell).map((d) => Math.max(1, Math.ceil((2 * Math.PI) / (K_SPACING * d)))) as [number, number, number];
}

/** Species in first-appearance order and atoms grouped by species. */
function grouped(c: OrderedCell): { species: string[]; atoms: OrderedCell['atoms'] } {
  const species = [...new Set(c.atoms.map((a) => a.element))];
  return { species, atoms: species.flatMap((s) => c.atoms.filter((a) => a.element === s)) };
}

const f = (x: number, d = 10): string => x.toFixed(d).padStart(d + 5);

/** POSCAR text (VASP 5 format, direct coordinates). */
export function poscar(title: string, c: OrderedCell): string {
  const { species, atoms } = grouped(c);
  const L = latticeVectors(c.cell);
  const lines = [title.replace(/\s+/g, ' ').slice(0, 200), '1.0', ...L.map((v) => v.map((x) => f(x)).join(' '))];
  lines.push(species.map((s) => s.padStart(5)).join(' '), species.map((s) => String(c.atoms.filter((a) => a.element === s).length).padStart(5)).join(' '), 'Direct');
  for (const a of atoms) lines.push(`${a.frac.map((x) => f(x)).join(' ')}  ${a.element}`);
  return lines.join('\n') + '\n';
}

/** INCAR text for a PBE spin-polarised relaxation (settings in the module comment). */
export function incar(system: string): string {
  return [`SYSTEM = ${system.replace(/\s+/g, ' ').slice(0, 60)}`, 'PREC = Accurate', 'GGA = PE', 'ENCUT = 520', 'ISPIN = 2',
    'EDIFF = 1E-5', 'EDIFFG = -0.02', 'IBRION = 2', 'ISIF = 3', 'NSW = 200', 'ISMEAR = 0', 'SIGMA = 0.05',
    'LREAL = Auto', 'LORBIT = 11', 'LCHARG = .TRUE.', 'LAECHG = .TRUE.', 'LWAVE = .FALSE.'].join('\n') + '\n';
}

/** KPOINTS text: Monkhorst-Pack mesh by the {@link K_SPACING} rule. */
export function kpoints(c: OrderedCell): string {
  return `Monkhorst-Pack, k-spacing <= ${K_SPACING} 1/A\n0\nMonkhorst-Pack\n${kMesh(c.cell).join(' ')}\n0 0 0\n`;
}

/** Quantum ESPRESSO pw.x input (settings in the module comment). */
export function pwInput(prefix: string, c: OrderedCell): string {
  const { species, atoms } = grouped(c);
  const L = latticeVectors(c.cell);
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '_');
  return [
    '&CONTROL', "  calculation = 'vc-relax'", `  prefix = '${safe}'`, "  pseudo_dir = './pseudo'", "  outdir = './tmp'",
    '  tprnfor = .true.', '  tstress = .true.', '  forc_conv_thr = 1.0d-3', '/',
    '&SYSTEM', '  ibrav = 0', `  nat = ${atoms.length}`, `  ntyp = ${species.length}`, '  ecutwfc = 60', '  ecutrho = 480', '  nspin = 2',
    ...species.map((_, i) => `  starting_magnetization(${i + 1}) = 0.1`),
    "  occupations = 'smearing'", "  smearing = 'gaussian'", '  degauss = 0.005', '/',
    '&ELECTRONS', '  conv_thr = 1.0d-8', '  mixing_beta = 0.4', '/',
    '&IONS', "  ion_dynamics = 'bfgs'", '/', '&CELL', "  cell_dynamics = 'bfgs'", '/',
    'ATOMIC_SPECIES', ...species.map((s) => `  ${s.padEnd(3)} ${elementProps(s).mass.toFixed(4)}  ${s}.pbe.UPF`),
    'CELL_PARAMETERS angstrom', ...L.map((v) => v.map((x) => f(x)).join(' ')),
    'ATOMIC_POSITIONS crystal', ...atoms.map((a) => `  ${a.element.padEnd(3)}${a.frac.map((x) => f(x)).join(' ')}`),
    'K_POINTS automatic', `  ${kMesh(c.cell).join(' ')} 0 0 0`, '',
  ].join('\n');
}

/** Which code to write inputs for. */
export type DftFormat = 'vasp' | 'qe';

/**
 * Write inputs for one candidate into `dir` (created): POSCAR/INCAR/KPOINTS or pw.in, plus
 * NOTES.txt (ordering choices, placeholders). Returns the written file names.
 * @throws Error from the file system (the CLI reports it); InputError as {@link candidateCell}.
 */
export function writeDftInputs(cand: Candidate, cif: CifStructure, format: DftFormat, dir: string): string[] {
  const cell = candidateCell(cand, cif);
  mkdirSync(dir, { recursive: true });
  const title = `${cand.id} ${cand.formula} on parent ${cand.parentId} (${cand.rule})`;
  const files: Array<[string, string]> = format === 'vasp'
    ? [['POSCAR', poscar(title, cell)], ['INCAR', incar(`${cand.id} ${cand.formula}`)], ['KPOINTS', kpoints(cell)]]
    : [['pw.in', pwInput(cand.id, cell)]];
  const extra = format === 'vasp' ? 'POTCAR not written: concatenate PBE PAW POTCARs in POSCAR species order.'
    : 'Pseudopotentials are placeholders <El>.pbe.UPF in ./pseudo: replace with real PBE files.';
  files.push(['NOTES.txt', [`# ${title}`, '# Ordered approximant of a partially occupied parent (not an enumerated ground-state ordering).', `# ${extra}`,
    ...cell.notes.map((n) => `- ${n}`)].join('\n') + '\n']);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([n]) => n);
}
