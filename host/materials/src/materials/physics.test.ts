import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CellParams, ExpandedAtom, Vec3 } from './cif.ts';
import { COULOMB_EV_A, erfc, ewaldPotentials } from './ewald.ts';
import { anionPackingFraction, BV_B, bondValenceSum, bvseLandscape, formalCharges, LI_BV_R0, liNetwork, liSiteEnergies, physicsOfAtoms, PHYSICS_MAX_ATOMS } from './physics.ts';
import { PeriodicUnionFind, rank } from './percolate.ts';
import { featureNames, featureRow, type MaterialRow } from './features.ts';

const cubic = (a: number): CellParams => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const atom = (element: string, frac: Vec3, oxidationState: number | null = null, occupancy = 1): ExpandedAtom =>
  ({ element, frac, oxidationState, occupancy, site: 0 });

/** Conventional rock-salt cell: cation at the fcc points, anion shifted by a/2 along x. */
function rockSalt(cat: string, an: string, ox = true): ExpandedAtom[] {
  const fcc: Vec3[] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
  return [...fcc.map((f) => atom(cat, f, ox ? 1 : null)), ...fcc.map((f) => atom(an, [(f[0] + 0.5) % 1, f[1], f[2]] as Vec3, ox ? -1 : null))];
}

/** Antifluorite Li2X: anions on fcc points, Li on the 8 tetrahedral sites. */
function antifluorite(an: string): ExpandedAtom[] {
  const fcc: Vec3[] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
  const li: ExpandedAtom[] = [];
  for (const x of [0.25, 0.75]) for (const y of [0.25, 0.75]) for (const z of [0.25, 0.75]) li.push(atom('Li', [x, y, z], 1));
  return [...fcc.map((f) => atom(an, f, -2)), ...li];
}

// Madelung constants (nearest-neighbour distance convention): rock salt 1.747565, CsCl 1.762675
// (C. Kittel, Introduction to Solid State Physics, 8th ed., ch. 3, Table 5 and eq. 24 ff.).
test('Ewald: Li and Cl site potentials of rock-salt LiCl give the Madelung constant 1.747565', () => {
  const a = 5.14;
  const phi = ewaldPotentials(rockSalt('Li', 'Cl').map((x) => ({ frac: x.frac, q: x.oxidationState! })), cubic(a), [0, 4]);
  const expect = (1.747565 * COULOMB_EV_A) / (a / 2);
  assert.ok(Math.abs(phi[0] + expect) / expect < 1e-4, `Li: ${phi[0]} vs ${-expect}`);
  assert.ok(Math.abs(phi[1] - expect) / expect < 1e-4, `Cl: ${phi[1]} vs ${expect}`);
  const e = liSiteEnergies(rockSalt('Li', 'Cl'), cubic(a));
  assert.ok(Math.abs(e.mean + expect) / expect < 1e-4);
  assert.ok(e.spread < 1e-6, 'all four Li sites are equivalent');
});

test('Ewald: CsCl Madelung constant, and the result does not depend on the splitting parameter', () => {
  const a = 4.12;
  const charges = [{ frac: [0, 0, 0] as Vec3, q: 1 }, { frac: [0.5, 0.5, 0.5] as Vec3, q: -1 }];
  const expect = (1.762675 * COULOMB_EV_A) / ((a * Math.sqrt(3)) / 2);
  for (const alphaR of [2.8, 3.2, 3.8]) {
    const [phi] = ewaldPotentials(charges, cubic(a), [0], { alphaR });
    assert.ok(Math.abs(phi + expect) / expect < 2e-4, `alphaR ${alphaR}: ${phi} vs ${-expect}`);
  }
});

test('erfc matches tabulated values', () => {
  // Abramowitz & Stegun Table 7.1: erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(2) = 0.9953222650
  assert.ok(Math.abs(erfc(0.5) - 0.4795001222) < 2e-7);
  assert.ok(Math.abs(erfc(1) - 0.1572992071) < 2e-7);
  assert.ok(Math.abs(erfc(2) - 0.0046777350) < 2e-8);
  assert.ok(Math.abs(erfc(-1) - 1.8427007929) < 2e-7);
});

test('bond-valence sums of Li in ideal LiCl, LiF, Li2O and Li2S are close to 1 (checks the R0 table)', () => {
  const licl = bondValenceSum(rockSalt('Li', 'Cl'), cubic(5.14), [0, 0, 0]);
  // hand: 6 Cl at a/2 = 2.57 Å (next Cl at 4.45 Å adds 8 e^((1.91-4.452)/0.37))
  const hand = 6 * Math.exp((LI_BV_R0.Cl - 2.57) / BV_B) + 8 * Math.exp((LI_BV_R0.Cl - (5.14 * Math.sqrt(3)) / 2) / BV_B);
  assert.ok(Math.abs(licl - hand) < 1e-9, `${licl} vs ${hand}`);
  const cases: [number, number][] = [[licl, 1], [bondValenceSum(rockSalt('Li', 'F'), cubic(4.03), [0, 0, 0]), 1]];
  const a2o = 4.61, a2s = 5.71; // lattice constants of Li2O and Li2S (antifluorite)
  cases.push([bondValenceSum(antifluorite('O'), cubic(a2o), [a2o / 4, a2o / 4, a2o / 4]), 1]);
  cases.push([bondValenceSum(antifluorite('S'), cubic(a2s), [a2s / 4, a2s / 4, a2s / 4]), 1]);
  for (const [v] of cases) assert.ok(Math.abs(v - 1) < 0.15, `BVS ${v.toFixed(3)} should be near 1`);
});

test('BVSE on rock-salt LiCl: minimum at the Li site by hand, isotropic percolation above the tetrahedral site', () => {
  const a = 5.14;
  const f = (r: number): number => (Math.exp((LI_BV_R0.Cl - r) / BV_B) * 6 - 1) ** 2 - 1;
  const eOct = 6 * f(a / 2) + 8 * f((a * Math.sqrt(3)) / 2);
  const eTet = 4 * f((a * Math.sqrt(3)) / 4) + 12 * f((a * Math.sqrt(11)) / 4);
  const r = bvseLandscape(rockSalt('Li', 'Cl'), cubic(a), { spacing: 0.25, cutoff: 5 });
  assert.ok(Math.abs(r.eMin - eOct) < 1e-9, `min ${r.eMin} vs octahedral site ${eOct}`);
  assert.ok(r.e1d > eTet && Number.isFinite(r.e1d), `a path must leave the octahedron: ${r.e1d} > ${eTet}`);
  assert.ok(Math.abs(r.e3d - r.e1d) < 1e-9, 'cubic: percolates in 3D at the same energy as in 1D');
});

test('Li sublattice: fcc Li in LiCl percolates at a/√2; a 1D chain percolates in 1D first', () => {
  const a = 5.14;
  const n = liNetwork(rockSalt('Li', 'Cl'), cubic(a));
  assert.ok(Math.abs(n.perc1d - a / Math.SQRT2) < 1e-9 && Math.abs(n.perc3d - a / Math.SQRT2) < 1e-9);
  assert.equal(n.cn, 0, 'no Li-Li pair within 3.5 Å at a = 5.14');
  assert.equal(liNetwork(rockSalt('Li', 'F'), cubic(4.03)).cn, 12, 'fcc: 12 Li neighbours at 2.85 Å');
  const chain = liNetwork([atom('Li', [0, 0, 0])], { a: 6, b: 6, c: 2.5, alpha: 90, beta: 90, gamma: 90 });
  assert.equal(chain.perc1d, 2.5);
  assert.equal(chain.perc3d, 6);
  assert.equal(chain.cn, 2);
});

test('anion packing fraction of LiCl: four Cl- spheres (Shannon 1.81 Å) per a³', () => {
  const a = 5.14;
  assert.ok(Math.abs(anionPackingFraction(rockSalt('Li', 'Cl'), cubic(a)) - (4 * (4 / 3) * Math.PI * 1.81 ** 3) / a ** 3) < 1e-12);
});

test('formal charges: CIF states when given, else a balancing assignment, else null', () => {
  assert.deepEqual(formalCharges(rockSalt('Li', 'Cl')), [1, 1, 1, 1, -1, -1, -1, -1]);
  assert.deepEqual(formalCharges([atom('Li', [0, 0, 0]), atom('Li', [0.5, 0.5, 0.5]), atom('O', [0.25, 0.25, 0.25])]), [1, 1, -2]);
  assert.equal(formalCharges([atom('Li', [0, 0, 0]), atom('Xe', [0.5, 0.5, 0.5])]), null);
});

test('periodic union-find: wrap rank gives the cluster dimension', () => {
  const uf = new PeriodicUnionFind(2);
  assert.equal(uf.link(0, 1, [0, 0, 0]), 0);
  assert.equal(uf.link(1, 0, [1, 0, 0]), 1, 'closing the loop through the next cell along x');
  assert.equal(uf.link(0, 0, [0, 1, 0]), 2);
  assert.equal(uf.link(1, 1, [1, 1, 0]), 2, 'in-plane vector adds no dimension');
  assert.equal(uf.link(0, 1, [0, 0, -1]), 3);
  assert.equal(rank([[1, 0, 0], [2, 0, 0], [0, 1, 1]]), 2);
});

test('feature rows carry the physics groups in order, NaN when a structure has none', () => {
  const p = physicsOfAtoms(rockSalt('Li', 'Cl'), cubic(5.14));
  const spec = { vocabulary: ['Cl', 'Li'], structure: true, physics: ['packing', 'ewald'] as const };
  const names = featureNames(spec);
  assert.deepEqual(names.slice(-3), ['anion_packing', 'ewald_li_mean', 'ewald_li_spread']);
  const row = { id: 'x', trueComposition: 'Li4Cl4', z: 4, spaceGroupNumber: 225, conductivity: '1e-9', line: 2,
    cell: cubic(5.14) } as unknown as MaterialRow;
  const s = { density: 2, liFraction: 0.5, liLiNearest: 3.6, liAnionNearest: 2.57, physics: p };
  const x = featureRow(row, spec, s);
  assert.equal(x.length, names.length);
  assert.deepEqual(x.slice(-3), [p.anionPacking, p.ewaldLiMean, p.ewaldLiSpread]);
  assert.ok(featureRow(row, spec, { ...s, physics: undefined }).slice(-3).every(Number.isNaN));
});

test('a cell of more than PHYSICS_MAX_ATOMS atoms gets missing (NaN) descriptors at once instead of quadratic pair loops', () => {
  const cell: CellParams = { a: 60, b: 60, c: 60, alpha: 90, beta: 90, gamma: 90 };
  const atoms: ExpandedAtom[] = Array.from({ length: PHYSICS_MAX_ATOMS + 1 }, (_, i) => ({
    element: i % 2 ? 'Cl' : 'Li', oxidationState: i % 2 ? -1 : 1, frac: [(i % 13) / 13, ((i * 7) % 17) / 17, ((i * 3) % 19) / 19] as Vec3, occupancy: 1, site: i,
  }));
  const p = physicsOfAtoms(atoms, cell);
  assert.ok(Object.values(p).every((v) => Number.isNaN(v)), JSON.stringify(p)); // a computed cell gives a finite packing fraction
});
