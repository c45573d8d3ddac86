import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCif } from './cif.ts';
import { structureFeatures } from './structure.ts';

const CIF = `data_toy
_cell_length_a 4
_cell_length_b 4
_cell_length_c 4
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Li1 Li+ 0 0 0 1
Cl1 Cl- 0.5 0 0 1
`;

test('structure features of a toy P1 cell: density, Li fraction, nearest distances via images', () => {
  const f = structureFeatures(parseCif(CIF));
  // (6.94 + 35.45) g/mol in 64 Å^3 -> g/cm^3 with 1e24 / N_A
  assert.ok(Math.abs(f.density - (42.39 / 64) * (1e24 / 6.02214076e23)) < 1e-9);
  assert.equal(f.liFraction, 0.5);
  assert.ok(Math.abs(f.liLiNearest - 4) < 1e-9, 'nearest Li is its own periodic image');
  assert.ok(Math.abs(f.liAnionNearest - 2) < 1e-9);
});
