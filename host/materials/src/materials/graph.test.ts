import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSites, parseCif } from './cif.ts';
import { buildCrystalGraph, gaussianBasis, latticeVectors, planeSpacings } from './graph.ts';

/**
 * The 192 operations of Fm-3m: the 48 signed permutations of (x, y, z) (point group m-3m) times
 * the four F-centring translations (International Tables Vol. A, space group 225).
 */
function fm3mOps(): string[] {
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const centring = [['', '', ''], ['', '+1/2', '+1/2'], ['+1/2', '', '+1/2'], ['+1/2', '+1/2', '']];
  const ops: string[] = [];
  for (const t of centring) {
    for (const p of perms) {
      for (let s = 0; s < 8; s++) {
        ops.push(p.map((axis, k) => `${(s >> k) & 1 ? '-' : ''}${'xyz'[axis]}${t[k]}`).join(', '));
      }
    }
  }
  return ops;
}

const A = 5.14;
const LICL = `# rock-salt LiCl, a = ${A} Å
data_LiCl
_symmetry_space_group_name_H-M 'F m -3 m'
_cell_length_a ${A}
_cell_length_b ${A}
_cell_length_c ${A}
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
 _symmetry_equiv_pos_site_id
 _symmetry_equiv_pos_as_xyz
${fm3mOps().map((s, i) => ` ${i + 1} '${s}'`).join('\n')}
loop_
 _atom_site_type_symbol
 _atom_site_label
 _atom_site_symmetry_multiplicity
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
 Li+ Li1 4 0 0 0 1
 Cl- Cl1 4 0.5 0.5 0.5 1
`;

test('rock-salt LiCl through the CIF reader: 6 Cl at a/2 and 12 Li at a/sqrt(2) around each Li', () => {
  const s = parseCif(LICL, 'licl.cif');
  assert.equal(s.symops.length, 192);
  const atoms = expandSites(s);
  assert.equal(atoms.length, 8);
  assert.equal(atoms.filter((a) => a.element === 'Li').length, 4);
  const g = buildCrystalGraph(atoms, s.cell, { cutoff: 4.0, nGaussians: 20 });
  const tol = 1e-9;
  g.nodes.forEach((n, i) => {
    const out = g.edges.filter((e) => e.src === i);
    const cl = out.filter((e) => g.nodes[e.dst].element === 'Cl');
    const li = out.filter((e) => g.nodes[e.dst].element === 'Li');
    if (n.element === 'Li') {
      assert.equal(cl.length, 6);
      assert.equal(li.length, 12);
      for (const e of cl) assert.ok(Math.abs(e.distance - A / 2) < tol, `Li-Cl ${e.distance}`);
      for (const e of li) assert.ok(Math.abs(e.distance - A / Math.SQRT2) < tol, `Li-Li ${e.distance}`);
    } else {
      assert.equal(li.length, 6);
      assert.equal(cl.length, 12);
    }
  });
  assert.equal(g.edges.length, 8 * 18);
  // Edge features: the Gaussian expansion of each edge's own length.
  const f = Array.from(g.edgeFeatures.subarray(0, 20));
  assert.deepEqual(f, Array.from(gaussianBasis(g.edges[0].distance, g.centers, g.width)));
  assert.equal(Math.max(...f), f[Math.round(g.edges[0].distance / g.width)]);
});

test('larger cutoff adds the next shells (8 Cl at a*sqrt(3)/2, 6 Li at a)', () => {
  const s = parseCif(LICL, 'licl.cif');
  const g = buildCrystalGraph(expandSites(s), s.cell, { cutoff: 5.2 });
  const li0 = g.edges.filter((e) => e.src === 0);
  const near = (d: number): number => li0.filter((e) => Math.abs(e.distance - d) < 1e-9).length;
  assert.equal(near((A * Math.sqrt(3)) / 2), 8);
  assert.equal(near(A), 6);
  assert.equal(li0.length, 6 + 12 + 8 + 6);
});

test('a tiny cell still finds every neighbour (self-images over several cells)', () => {
  const cif = `data_p1\n_cell_length_a 1.5\n_cell_length_b 1.5\n_cell_length_c 1.5\n_cell_angle_alpha 90\n` +
    `_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n` +
    `_atom_site_fract_z\n_atom_site_occupancy\nLi1 0.5 0.5 0.5 0.5\nNa1 0.5 0.5 0.5 0.5\n`;
  const s = parseCif(cif, 'p1.cif');
  const g = buildCrystalGraph(expandSites(s), s.cell, { cutoff: 3.1 });
  // Simple cubic lattice, a = 1.5: shells at 1.5 (6), 2.1213 (12), 2.598 (8), 3.0 (6) = 32 per
  // node, to both the node's own images and the co-located node; no edge between the two nodes
  // at zero distance.
  for (const i of [0, 1]) assert.equal(g.edges.filter((e) => e.src === i).length, 64);
  assert.ok(g.edges.every((e) => e.distance >= 1.5 - 1e-12));
  assert.ok(g.edges.every((e) => e.weight === 0.25));
  assert.deepEqual(g.nodes.map((n) => n.weight), [0.5, 0.5]);
});

test('lattice geometry for an oblique cell', () => {
  const cell = { a: 5, b: 6, c: 7, alpha: 80, beta: 95, gamma: 110 };
  const L = latticeVectors(cell);
  const len = (v: number[]): number => Math.hypot(v[0], v[1], v[2]);
  const ang = (u: number[], v: number[]): number =>
    (Math.acos((u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (len(u) * len(v))) * 180) / Math.PI;
  assert.ok(Math.abs(len(L[2]) - 7) < 1e-12);
  assert.ok(Math.abs(ang(L[1], L[2]) - 80) < 1e-9);
  assert.ok(Math.abs(ang(L[0], L[2]) - 95) < 1e-9);
  assert.ok(Math.abs(ang(L[0], L[1]) - 110) < 1e-9);
  const d = planeSpacings({ a: 4, b: 5, c: 6, alpha: 90, beta: 90, gamma: 90 });
  assert.deepEqual(d.map((x) => +x.toFixed(12)), [4, 5, 6]);
});

test('graph options are validated', () => {
  const s = parseCif(LICL, 'licl.cif');
  const atoms = expandSites(s);
  assert.throws(() => buildCrystalGraph(atoms, s.cell, { cutoff: 0 }), RangeError);
  assert.throws(() => buildCrystalGraph(atoms, s.cell, { nGaussians: 0 }), RangeError);
  assert.throws(() => buildCrystalGraph(atoms, s.cell, { cutoff: 4, maxEdges: 10 }), /exceeds 10 edges/);
});
