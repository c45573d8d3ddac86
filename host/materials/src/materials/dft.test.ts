import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCif } from './cif.ts';
import { apportion, candidateCell, spread, supercellFactors } from './dft-order.ts';
import { incar, kMesh, kpoints, poscar, pwInput, writeDftInputs } from './dft.ts';
import type { Candidate } from './substitute.ts';

// A made-up cubic cell: Li on a half-occupied 2-position site, M (Zr) at the origin, X (O) twice.
const CIF = `data_test
_cell_length_a 5.0
_cell_length_b 5.0
_cell_length_c 10.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
'x, y, z'
loop_
_atom_site_type_symbol
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Li Li1 0.5 0.5 0.1 1.0
Li Li2 0.5 0.5 0.6 1.0
Li Li3 0.0 0.5 0.3 0.5
Li Li4 0.5 0.0 0.8 0.5
Zr Zr1 0.0 0.0 0.0 1.0
O O1 0.0 0.0 0.25 1.0
O O2 0.0 0.0 0.75 1.0
O O3 0.5 0.5 0.35 1.0
`;
// The ordered parent holds 3-4 Li per Zr; the candidate Li2 Zr0.5 Hf0.5 O3 (2 + 4 - 6 = 0) needs
// 2 Li per formula unit, so Li must be removed until the 2x1x1 supercell is neutral.
const cand: Candidate = {
  id: 'c00001', formula: 'Li2Zr0.5Hf0.5O3', family: 'isovalent', rule: 'test', parentId: 'test', parentFamily: '',
  amounts: new Map([['Li', 2], ['Zr', 0.5], ['Hf', 0.5], ['O', 3]]), states: new Map([['Li', 1], ['Zr', 4], ['Hf', 4], ['O', -2]]),
  sites: [{ host: 'Li', occupants: [['Li', 2]] }, { host: 'Zr', occupants: [['Zr', 0.5], ['Hf', 0.5]] }, { host: 'O', occupants: [['O', 3]] }],
};

test('apportion and spread are exact and even', () => {
  assert.deepEqual(apportion([0.615, 0.385], 4), [2, 2]);
  assert.deepEqual(apportion([1, 1, 1], 4), [2, 1, 1]);
  assert.deepEqual(spread(['A', 'B'], [2, 2]), ['A', 'B', 'A', 'B']);
  assert.deepEqual(supercellFactors({ a: 5, b: 5, c: 10, alpha: 90, beta: 90, gamma: 90 }, 2), [2, 1, 1]);
});

test('candidate cell: supercell for half substitution, neutral under the states', () => {
  const cell = candidateCell(cand, parseCif(CIF, 'test.cif'));
  const count = (e: string): number => cell.atoms.filter((a) => a.element === e).length;
  assert.equal(count('Zr'), 1);
  assert.equal(count('Hf'), 1);
  assert.equal(count('O'), 6);
  assert.equal(count('Li'), 4);
  assert.equal(cell.cell.a, 10);
  assert.ok(cell.notes.some((n) => n.includes('neutral')));
  assert.ok(cell.notes.some((n) => n.includes('exactly')));
});

test('VASP and QE writers: required tags, k-mesh rule, species order', () => {
  const cell = candidateCell(cand, parseCif(CIF, 'test.cif'));
  assert.deepEqual(kMesh(cell.cell), [3, 6, 3]);
  const p = poscar('t', cell).split('\n');
  assert.equal(p[1], '1.0');
  assert.equal(p[5].trim().split(/\s+/).length, p[6].trim().split(/\s+/).length);
  assert.equal(p[7], 'Direct');
  const inc = incar('t');
  for (const tag of ['GGA = PE', 'ENCUT = 520', 'ISPIN = 2', 'IBRION = 2', 'ISMEAR = 0', 'EDIFF = 1E-5']) assert.ok(inc.includes(tag), tag);
  assert.match(kpoints(cell), /Monkhorst-Pack\n3 6 3\n0 0 0/);
  const pw = pwInput('c1', cell);
  for (const s of ['&CONTROL', '&SYSTEM', 'ecutwfc = 60', 'nspin = 2', 'ATOMIC_SPECIES', 'Hf.pbe.UPF', 'CELL_PARAMETERS angstrom', 'ATOMIC_POSITIONS crystal', 'K_POINTS automatic', 'nat = 12']) assert.ok(pw.includes(s), s);
  const dir = mkdtempSync(join(tmpdir(), 'dft-'));
  assert.deepEqual(writeDftInputs(cand, parseCif(CIF, 'test.cif'), 'vasp', dir), ['POSCAR', 'INCAR', 'KPOINTS', 'NOTES.txt']);
  assert.match(readFileSync(join(dir, 'NOTES.txt'), 'utf8'), /POTCAR not written/);
});
