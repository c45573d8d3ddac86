import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cellComposition, expandSites, parseCif, parseTypeSymbol, readCif, type ExpandedAtom } from './cif.ts';
import { parseSymOp, applySymOp } from './symop.ts';
import { loadObelixTrain, parseComposition, type ObelixRow } from './obelix.ts';
import { InputError } from '@dendra/core/errors.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

/*
 * Composition check: expanded cell (sum of occupancies per element) vs the CSV's
 * `Reduced Composition` x `Z` (which equals `True Composition` for every row with a CIF).
 * Tolerance per element = 5e-4 per expanded position of that element (occupancies are printed
 * to 3 decimals in the source CIFs, so each may be off by half a unit of the 3rd decimal, e.g.
 * 0.333 for 1/3) + 5e-3 x Z (CSV amounts are given to 2 decimals per formula unit).
 *
 * 186 of 254 CIFs match within that tolerance. The other 68 genuinely disagree with the table;
 * they are listed here by reason and the test checks each one is classified exactly so.
 */
const MISSING_ELEMENT = {
  // Li (or H) not located in the refinement the CIF comes from: LLTO perovskites (cy2 5tl u2y
  // hta s3h), Li4SiS4 (b4c), Ba3LiTa5ZrSi4O26 (u8r); Li2(OH)Br has no H site (hx7).
  ids: 'b4c cy2 5tl u2y hta s3h u8r hx7',
};
const CELL_MULTIPLE = {
  // The CIF cell holds k formula units with k != CSV Z (vy5: 12 vs 4; yav: 8 vs 4; 9ph: 8 vs 4).
  ids: 'vy5 yav 9ph',
};
const REFINED_NEAR = {
  // Same elements; refined occupancies differ from the nominal formula by more than rounding but
  // by at most 5 % per element (LGPS, argyrodites, garnets, NASICONs with refined Li content).
  ids: 'ix1 joc fj5 lol j8q 824 8ub 7tu ui6 deu usu 1xf my9 z7n lpx yq2 pa1 1m8 6l9 ek5 e6a jej ' +
    'hud z2s zxr ueu 419 c0g fam dae kh3 tbj zzr kop rty kko',
};
const REFINED_FAR = {
  // Same elements, > 5 % off on some element. Notable: 9yt has Li on a 96-fold position with an
  // occupancy that fits a 48-fold one (Li 45.9 vs 24); ckw/yab place O and F on 96/32-fold
  // positions (O 96 vs 48 per cell: setting mismatch in the source); etz has Li 35.8 vs 56;
  // NASICON Li1+xAlxGe2-x(PO4)3 (0fh tjh 8fn 3uq 1dm vg0) refine Al/Ge/Li away from nominal.
  ids: 'opo dmq yqu 0o6 0fh tjh 8fn mg4 3uq 1dm vg0 9yt bnh dlj lxk ga9 ckw yab ysm e81 etz',
};

type Verdict = 'match' | 'missing-element' | 'cell-multiple' | 'refined-near' | 'refined-far';

function classify(row: ObelixRow, atoms: readonly ExpandedAtom[]): Verdict {
  const cell = cellComposition(atoms);
  const want = parseComposition(row.reducedComposition);
  const tol = new Map<string, number>();
  for (const a of atoms) tol.set(a.element, (tol.get(a.element) ?? 0) + 5e-4);
  const els = [...new Set([...cell.keys(), ...want.keys()])];
  const fits = (k: number): boolean => els.every((e) =>
    Math.abs((cell.get(e) ?? 0) - (want.get(e) ?? 0) * k) <= (tol.get(e) ?? 0) + 5e-3 * k);
  if (fits(row.z)) return 'match';
  if (els.some((e) => !cell.has(e) || !want.has(e))) return 'missing-element';
  for (let k = 1; k <= 64; k++) if (k !== row.z && fits(k)) return 'cell-multiple';
  const rel = Math.max(...els.map((e) => Math.abs(cell.get(e)! - want.get(e)! * row.z) / (want.get(e)! * row.z)));
  return rel <= 0.05 ? 'refined-near' : 'refined-far';
}

const haveData = existsSync(`${OBELIX_DIR}train.csv`);

test('every OBELiX training CIF parses; expanded site counts equal declared multiplicities', { skip: haveData ? false : `OBELiX data not found at ${OBELIX_DIR}` }, () => {
  const rows = loadObelixTrain().filter((r) => r.hasCif);
  assert.equal(rows.length, 254);
  let sites = 0;
  for (const r of rows) {
    const s = readCif(`${OBELIX_DIR}cifs/${r.id}.cif`);
    const atoms = expandSites(s);
    s.sites.forEach((site, i) => {
      assert.notEqual(site.multiplicity, null, `${r.id} ${site.label}: multiplicity column`);
      assert.equal(atoms.filter((a) => a.site === i).length, site.multiplicity, `${r.id} ${site.label}`);
      sites++;
    });
    for (const a of atoms) for (const f of a.frac) assert.ok(f >= 0 && f < 1, `${r.id}: wrapped coordinate ${f}`);
  }
  assert.ok(sites > 1000);
});

test('OBELiX CIF compositions equal Reduced Composition x Z, with the listed exceptions', { skip: haveData ? false : `OBELiX data not found at ${OBELIX_DIR}` }, () => {
  const rows = loadObelixTrain().filter((r) => r.hasCif);
  const expected = new Map<string, Verdict>();
  const lists: [Verdict, string][] = [['missing-element', MISSING_ELEMENT.ids], ['cell-multiple', CELL_MULTIPLE.ids],
    ['refined-near', REFINED_NEAR.ids], ['refined-far', REFINED_FAR.ids]];
  for (const [v, ids] of lists) for (const id of ids.split(' ')) expected.set(id, v);
  const counts: Record<Verdict, number> = { match: 0, 'missing-element': 0, 'cell-multiple': 0, 'refined-near': 0, 'refined-far': 0 };
  for (const r of rows) {
    const v = classify(r, expandSites(readCif(`${OBELIX_DIR}cifs/${r.id}.cif`)));
    counts[v]++;
    assert.equal(v, expected.get(r.id) ?? 'match', `${r.id} (${r.reducedComposition}, Z=${r.z})`);
    // True Composition is the per-cell formula: it must equal Reduced x Z for every CIF row.
    const t = parseComposition(r.trueComposition), red = parseComposition(r.reducedComposition);
    for (const [e, n] of red) assert.ok(Math.abs(n * r.z - (t.get(e) ?? 0)) < 0.02, `${r.id} ${e}`);
  }
  assert.deepEqual(counts, { match: 186, 'missing-element': 8, 'cell-multiple': 3, 'refined-near': 36, 'refined-far': 21 });
});

test('symmetry operation strings', () => {
  const op = parseSymOp('-x+1/2, y, z+1/4');
  assert.ok(typeof op !== 'string');
  assert.deepEqual(op.rot, [[-1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(op.trans, [0.5, 0, 0.25]);
  assert.deepEqual(applySymOp(op, [0.1, 0.2, 0.3]), [0.4, 0.2, 0.55]);
  const hex = parseSymOp("x-y, x, 1/6+z");
  assert.ok(typeof hex !== 'string');
  assert.deepEqual(hex.rot, [[1, -1, 0], [1, 0, 0], [0, 0, 1]]);
  assert.ok(Math.abs(hex.trans[2] - 1 / 6) < 1e-15);
  assert.match(parseSymOp('x, y') as string, /3 comma-separated/);
  assert.match(parseSymOp('x, x, z') as string, /determinant 0/);
  assert.match(parseSymOp('x, y, w') as string, /bad term/);
  assert.match(parseSymOp('2*x, y, z') as string, /determinant 2/);
});

test('type symbols: oxidation suffix stripped, oxidation state kept', () => {
  assert.deepEqual(parseTypeSymbol('Li1+'), { element: 'Li', oxidationState: 1 });
  assert.deepEqual(parseTypeSymbol('O2-'), { element: 'O', oxidationState: -2 });
  assert.deepEqual(parseTypeSymbol('Cl-'), { element: 'Cl', oxidationState: -1 });
  assert.deepEqual(parseTypeSymbol('Fe2.5+'), { element: 'Fe', oxidationState: 2.5 });
  assert.deepEqual(parseTypeSymbol('Li'), { element: 'Li', oxidationState: null });
  assert.deepEqual(parseTypeSymbol('Li0'), { element: 'Li', oxidationState: null });
  assert.deepEqual(parseTypeSymbol('Sn3'), { element: 'Sn', oxidationState: null });
  assert.equal(parseTypeSymbol('Xq1+'), null);
  assert.equal(parseTypeSymbol('12'), null);
});

const GOOD = `data_test
_cell_length_a 4.0
_cell_length_b 4.0
_cell_length_c 6.0(2)
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
 _space_group_symop_operation_xyz
 'x, y, z'
 '-x, -y, z+1/2'
loop_
 _atom_site_type_symbol
 _atom_site_label
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
 Li1+ Li1 0.0 0.0 0.0 0.5
 Na1+ Na1 0.0 0.0 0.0 0.5
 O2- O1 0.25 0.3 0.1 1.0
 Cl- Cl1 0.5 0.5 0.75 1
`;

test('parse and expand a small CIF: dedupe under PBC, shared sites and partial occupancy kept', () => {
  const s = parseCif(GOOD, 'good.cif');
  assert.deepEqual(s.cell, { a: 4, b: 4, c: 6, alpha: 90, beta: 90, gamma: 90 });
  assert.equal(s.symops.length, 2);
  assert.equal(s.sites[0].oxidationState, 1);
  assert.equal(s.sites[2].oxidationState, -2);
  const atoms = expandSites(s);
  // Li, Na: (0,0,0) and (0,0,1/2); O: general, 2; Cl: (1/2,1/2,3/4) and (1/2,1/2,5/4 -> 1/4).
  assert.equal(atoms.length, 8);
  const comp = cellComposition(atoms);
  assert.deepEqual(Object.fromEntries(comp), { Li: 1, Na: 1, O: 2, Cl: 2 });
  const cl = atoms.filter((a) => a.element === 'Cl').map((a) => a.frac[2]).sort();
  assert.deepEqual(cl, [0.25, 0.75]);
  // Coordinates that differ by a lattice vector within 1e-3 collapse to one atom.
  const near = GOOD.replace("'-x, -y, z+1/2'", "'x+1, y, z+0.0004'");
  assert.equal(expandSites(parseCif(near, 'near.cif')).length, 4);
});

/** Assert that `text` is rejected with E_CIF naming `line` and matching `what`. */
function rejects(text: string, line: number, what: RegExp): void {
  assert.throws(() => parseCif(text, 'bad.cif'), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.code, 'E_CIF');
    assert.equal(e.path, 'bad.cif');
    assert.match(e.message, new RegExp(`^bad\\.cif line ${line}: `));
    assert.match(e.message, what);
    return true;
  });
}

test('malformed CIFs are rejected with the offending line', () => {
  const lines = GOOD.split('\n');
  const edit = (n: number, s: string): string => lines.map((l, i) => (i === n - 1 ? s : l)).join('\n');
  rejects(edit(11, " '-x, -y, q+1/2'"), 11, /symmetry operation: bad term/);
  rejects(edit(11, " '-x, -y'"), 11, /3 comma-separated/);
  rejects(edit(20, ' Li1+ Li1 zero 0.0 0.0 0.5'), 20, /not a number/);
  rejects(edit(20, ' Xx1+ Li1 0.0 0.0 0.0 0.5'), 20, /unknown element/);
  rejects(edit(22, ' O2- O1 0.25 0.3 0.1 1.5'), 22, /occupancy 1.5 is outside/);
  rejects(edit(23, ' Cl- Cl1 0.5 0.5 0.75'), 23, /not a multiple of its 6 columns/);
  rejects(edit(2, '_cell_length_a -4.0'), 2, /out of range/);
  rejects(edit(7, '_cell_angle_gamma 180'), 7, /_cell_angle_gamma = 180/);
  rejects(edit(5, '_cell_angle_alpha 170').replace('_cell_angle_beta 90', '_cell_angle_beta 10'), 7, /do not form a cell/);
  rejects(edit(10, " 'x, y, z"), 10, /unterminated single-quoted/);
  rejects(edit(2, '_cell_length_a 0.01'), 7, /lattice planes 0\.0100 Å apart: below 0\.5 Å/); // would stall the descriptor loops
  rejects(edit(7, '_cell_angle_gamma 179'), 7, /lattice planes .* Å apart: below 0\.5 Å/);
  rejects(edit(3, '_cell_length_b'), 3, /has no value/);
  rejects(edit(4, '_cell_length_a 4.0'), 4, /appears twice/);
  rejects('junk\n' + GOOD, 1, /expected data_/);
  rejects('', 1, /no data_ block/);
  rejects(GOOD.replace('_cell_length_b 4.0\n', ''), 1, /missing _cell_length_b/);
  rejects(GOOD.replace(/loop_\n _atom_site_type_symbol[\s\S]*$/, ''), 1, /no atom site loop/);
  rejects(edit(12, ';\nunterminated text'), 12, /unterminated ;-text field/);
});

test('readCif reports unreadable files as E_READ', () => {
  assert.throws(() => readCif('/nonexistent/x.cif'), (e: unknown) => e instanceof InputError && e.code === 'E_READ');
});
