import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseComposition, parseCsv, parseObelix } from './obelix.ts';
import { parseCif } from './cif.ts';
import { InputError } from '@dendra/core/errors.ts';

test('compositions with brackets and fractional amounts', () => {
  assert.deepEqual(Object.fromEntries(parseComposition('LiV(PO4)F')), { Li: 1, V: 1, P: 1, O: 4, F: 1 });
  assert.deepEqual(Object.fromEntries(parseComposition('Li0.6[Li0.2Sn0.8S2]')), { Li: 0.8, Sn: 0.8, S: 2 });
  assert.deepEqual(Object.fromEntries(parseComposition('Li7.0Bi1.0O6.0')), { Li: 7, Bi: 1, O: 6 });
  for (const bad of ['Li(PO4', 'Li)', 'Xx2', 'li2', '']) {
    assert.throws(() => parseComposition(bad), (e: unknown) => e instanceof InputError && e.code === 'E_COMPOSITION', bad);
  }
});

test('CSV quoting and row validation', () => {
  assert.deepEqual(parseCsv('a,"b,""c"""\r\n1,2\n'), [['a', 'b,"c"'], ['1', '2']]);
  assert.throws(() => parseCsv('a\n"x', 'f.csv'), /f\.csv line 2: unterminated/);
  const head = 'ID,Reduced Composition,Z,True Composition,Ionic conductivity (S cm-1),Space group #,Family,DOI,Cif ID\n';
  const rows = parseObelix(head + 'abc,LiCl,4,Li4.0Cl4.0,<1E-10,225,halide,10.1/x|10.1/y,done\n');
  assert.equal(rows[0].z, 4);
  assert.equal(rows[0].conductivity, '<1E-10');
  assert.equal(rows[0].hasCif, true);
  assert.throws(() => parseObelix(head + 'abc,LiCl,0,Li,1,225,h,d,done\n', 't.csv'), /t\.csv line 2: Z '0'/);
  assert.throws(() => parseObelix(head + 'abc,LiCl\n', 't.csv'), /t\.csv line 2: 2 fields/);
  assert.throws(() => parseObelix('ID,Z\n', 't.csv'), /missing column 'Reduced Composition'/);
});

test('CIF text fields and comments are skipped as values', () => {
  const cif = 'data_x\n_publ_section_title\n;\nA title; with semicolons\n# not a comment here\n;\n' +
    '_cell_length_a 3 # comment\n_cell_length_b 3\n_cell_length_c 3\n_cell_angle_alpha 90\n_cell_angle_beta 90\n' +
    '_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nLi1 0 0 0\n';
  const s = parseCif(cif, 'x.cif');
  assert.equal(s.cell.a, 3);
  assert.equal(s.sites[0].line, 18);
  assert.equal(s.sites[0].occupancy, 1);
});
