/**
 * Physics descriptors from a crystal structure, standing in for DFT descriptors when none exist:
 *
 * - **Bond-valence site energy (BVSE) estimate of the Li migration barrier.** The energy of a Li+
 *   test ion on a grid over the cell is the soft-bond-valence Morse sum over the anions
 *   (S. Adams and R. P. Rao, Phys. Status Solidi A 208 (2011) 1746; H. Chen, L. L. Wong and
 *   S. Adams, Acta Cryst. B75 (2019) 18):  E(r) = Σ_X occ_X [(s_X/s_min - 1)² - 1] in units of the
 *   bond dissociation energy D0, with bond valence s = exp((R0 - R)/b) and s_min = 1/N the valence
 *   of one bond at the equilibrium distance of an N-coordinated Li+ (N = {@link BV_COORDINATION}).
 *   The barrier is the energy at which the region {E <= E*} first percolates through the periodic
 *   crystal (1D, and 3D), minus the grid minimum, as in softBV. Simplifications, stated plainly:
 *   one D0 for all anions (so barriers are in D0 units, not eV), no Li–cation Coulomb repulsion
 *   term, and R0, b from the conventional b = 0.37 Å table ({@link LI_BV_R0}), not softBV's own
 *   parameters. The eV estimate with softBV parameters and repulsion (bvse-ev.ts) reuses this grid
 *   through {@link BvseOptions} `pairs` / `repulsion`.
 * - **Ewald electrostatic site energies** of the Li sites (ewald.ts) from formal oxidation states.
 * - **Li sublattice connectivity and Li–Li distances:** the smallest Li–Li bond length at which
 *   the Li sites form an infinite network (1D and 3D; percolate.ts) and the Li–Li coordination
 *   within {@link LI_LI_BOND} Å.
 * - **Anion packing fraction:** anion volume (Shannon radii, ions.ts) over cell volume.
 *
 * Partial occupancy: anions and Li enter with their occupancy as weight; positions of one
 * disordered site are all kept.
 */

import { cellComposition, cellVolume, expandSites, type CellParams, type CifStructure, type ExpandedAtom, type Vec3 } from './cif.ts';
import { erfc, ewaldPotentials } from './ewald.ts';
import { fracToCart, latticeVectors, planeSpacings } from './graph.ts';
import { ionRadius, oxidationStates } from './ions.ts';
import { PeriodicUnionFind, type Offset } from './percolate.ts';

/**
 * Bond-valence R0 (Å) for Li+ with each anion, all with b = {@link BV_B}: N. E. Brese and
 * M. O'Keeffe, "Bond-valence parameters for solids", Acta Cryst. B47 (1991) 192-197, Table 1
 * (Li–O and Li–F as in I. D. Brown and D. Altermatt, Acta Cryst. B41 (1985) 244). Anions not
 * listed (e.g. Te, H-) do not enter the BVSE sum.
 */
export const LI_BV_R0: Readonly<Record<string, number>> = { N: 1.61, O: 1.466, F: 1.36, S: 1.94, Cl: 1.91, Se: 2.09, Br: 2.02, I: 2.22 };
/** The universal bond-valence softness b, Å (Brown & Altermatt 1985). */
export const BV_B = 0.37;
/** Reference Li coordination N for s_min = 1/N (octahedral; N = 4 would shift R_min by b ln 1.5 = 0.15 Å). */
export const BV_COORDINATION = 6;
/** Li–Li distance (Å) counted as a bond for the Li–Li coordination number. */
export const LI_LI_BOND = 3.5;
/** Li–Li percolation search radius, Å (a network not percolating by then reports this value). */
export const LI_PERC_MAX = 7;
/** Default formal charges of anions when a CIF gives none. */
const ANION_CHARGE: Readonly<Record<string, number>> = { N: -3, O: -2, S: -2, Se: -2, Te: -2, F: -1, Cl: -1, Br: -1, I: -1 };

/** The physics descriptors of one structure (NaN where undefined, e.g. no Li). */
export interface PhysicsFeatures {
  /** BVSE 1D percolation barrier, D0 units. */
  readonly bvBarrier1d: number;
  /** BVSE 3D percolation barrier, D0 units. */
  readonly bvBarrier3d: number;
  /** Occupancy-weighted mean electrostatic site energy of a Li+ ion on the Li sites, eV. */
  readonly ewaldLiMean: number;
  /** Max - min of that site energy over the Li sites, eV (site-energy disorder). */
  readonly ewaldLiSpread: number;
  /** Smallest Li–Li bond length (Å) at which Li sites percolate in 1D / 3D. */
  readonly liPerc1d: number;
  readonly liPerc3d: number;
  /** Occupancy-weighted mean number of Li neighbours within {@link LI_LI_BOND} Å of a Li site. */
  readonly liLiCn: number;
  /** Anion volume fraction of the cell. */
  readonly anionPacking: number;
}

/** Descriptor groups for ablation, with their column names in feature tables. */
export const PHYSICS_GROUPS = {
  bvse: ['bv_barrier_1d', 'bv_barrier_3d'],
  ewald: ['ewald_li_mean', 'ewald_li_spread'],
  linet: ['li_perc_1d', 'li_perc_3d', 'li_li_cn'],
  packing: ['anion_packing'],
} as const;
/** A descriptor group name. */
export type PhysicsGroup = keyof typeof PHYSICS_GROUPS;
/** All groups in column order. */
export const ALL_PHYSICS: readonly PhysicsGroup[] = ['bvse', 'ewald', 'linet', 'packing'];

/** Values of one group, in the order of {@link PHYSICS_GROUPS}. */
export function groupValues(p: PhysicsFeatures | undefined, g: PhysicsGroup): number[] {
  if (!p) return PHYSICS_GROUPS[g].map(() => NaN);
  switch (g) {
    case 'bvse': return [p.bvBarrier1d, p.bvBarrier3d];
    case 'ewald': return [p.ewaldLiMean, p.ewaldLiSpread];
    case 'linet': return [p.liPerc1d, p.liPerc3d, p.liLiCn];
    case 'packing': return [p.anionPacking];
  }
}

/** True for an atom that acts as an anion: a tabulated anion element with no positive state. */
export function isAnionAtom(a: Pick<ExpandedAtom, 'element' | 'oxidationState'>): boolean {
  return a.element in ANION_CHARGE && (a.oxidationState === null || a.oxidationState < 0);
}

/** Cartesian images of `atoms` whose position lies within `margin` Å of the cell (all faces). */
function imagesNear(atoms: readonly ExpandedAtom[], cell: CellParams, margin: number): { cart: Vec3; atom: ExpandedAtom }[] {
  const L = latticeVectors(cell);
  const reach = planeSpacings(cell).map((d) => margin / d);
  const out: { cart: Vec3; atom: ExpandedAtom }[] = [];
  for (const atom of atoms) {
    const lo = atom.frac.map((f, k) => Math.ceil(-reach[k] - f));
    const hi = atom.frac.map((f, k) => Math.floor(1 + reach[k] - f));
    for (let n0 = lo[0]; n0 <= hi[0]; n0++) {
      for (let n1 = lo[1]; n1 <= hi[1]; n1++) {
        for (let n2 = lo[2]; n2 <= hi[2]; n2++) out.push({ cart: fracToCart(L, [atom.frac[0] + n0, atom.frac[1] + n1, atom.frac[2] + n2]), atom });
      }
    }
  }
  return out;
}

/** Bond valence of a Li–X bond of length r (Å). */
export function bondValence(anion: string, r: number): number {
  const r0 = LI_BV_R0[anion];
  if (r0 === undefined) throw new RangeError(`no Li bond-valence parameter for '${anion}'`);
  return Math.exp((r0 - r) / BV_B);
}

/**
 * Bond-valence sum of a Li+ at Cartesian point `p` over anion images within `cutoff` Å.
 * Used to check the parameters: a Li on its own site should have a sum near 1.
 */
export function bondValenceSum(atoms: readonly ExpandedAtom[], cell: CellParams, p: Vec3, cutoff = 5): number {
  let s = 0;
  for (const im of imagesNear(atoms.filter((a) => isAnionAtom(a) && a.element in LI_BV_R0), cell, cutoff)) {
    const r = Math.hypot(im.cart[0] - p[0], im.cart[1] - p[1], im.cart[2] - p[2]);
    if (r < cutoff) s += im.atom.occupancy * bondValence(im.atom.element, r);
  }
  return s;
}

/** BVSE landscape summary. */
export interface BvseResult {
  readonly eMin: number;
  /** Energy at which {E <= E*} first percolates in 1D / 3D (Infinity if never on the grid). */
  readonly e1d: number;
  readonly e3d: number;
  readonly grid: [number, number, number];
}

/** Grid options of {@link bvseLandscape}. */
export interface BvseOptions {
  /** Target grid spacing, Å (default 0.45). */
  readonly spacing?: number;
  /** Upper bound on grid points; the spacing grows to respect it (default 20,000). */
  readonly maxPoints?: number;
  /** Li–anion interaction cutoff, Å (default 5; ignored when `pairs` is given). */
  readonly cutoff?: number;
  /** Li–anion pair terms by anion element (default: {@link conventionalPairs}, energies in D0 units). */
  readonly pairs?: Readonly<Record<string, BvPair>>;
  /** Li–cation repulsion terms added to the sum (default none). */
  readonly repulsion?: readonly BvRepulsion[];
}

/**
 * One Li–anion Morse pair term of the BVSE sum: E(r) = d0 [(m exp((a - r)/b) - 1)² - 1] for
 * r < cutoff (Å), minimum -d0 at r = a + b ln m. a: R0 with m = 1/s_min, or Rmin with m = 1;
 * b: softness, Å; d0: 1 (D0 units) or eV.
 */
export interface BvPair { readonly a: number; readonly m: number; readonly b: number; readonly d0: number; readonly cutoff: number }

/** Screened Coulomb repulsion of a Li+ test ion from a framework cation: k erfc(r/rho)/r for r < cutoff (k in eV Å, occupancy included; rho, cutoff in Å). */
export interface BvRepulsion { readonly atom: ExpandedAtom; readonly k: number; readonly rho: number; readonly cutoff: number }

/** The D0-unit pair terms of the descriptor columns: R0 of {@link LI_BV_R0}, b = {@link BV_B}, m = {@link BV_COORDINATION}. */
export function conventionalPairs(cutoff = 5): Record<string, BvPair> {
  return Object.fromEntries(Object.entries(LI_BV_R0).map(([el, r0]) => [el, { a: r0, m: BV_COORDINATION, b: BV_B, d0: 1, cutoff }]));
}

/**
 * BVSE energy of a Li+ test ion on a regular grid over the cell, and its percolation energies.
 * @throws RangeError when the structure has no anion with a Li bond-valence parameter.
 */
export function bvseLandscape(atoms: readonly ExpandedAtom[], cell: CellParams, o: BvseOptions = {}): BvseResult {
  const pairs = o.pairs ?? conventionalPairs(o.cutoff ?? 5), maxPoints = o.maxPoints ?? 20_000;
  const anions = atoms.filter((a) => isAnionAtom(a) && a.element in pairs);
  if (anions.length === 0) throw new RangeError('no anion with a Li bond-valence parameter');
  const rep = o.repulsion ?? [];
  const cutoff = Math.max(...anions.map((a) => pairs[a.element].cutoff), ...rep.map((r) => r.cutoff));
  const L = latticeVectors(cell);
  const len = L.map((v) => Math.hypot(...v));
  let spacing = o.spacing ?? 0.45;
  const dims = (): [number, number, number] => len.map((l) => Math.max(4, Math.ceil(l / spacing))) as [number, number, number];
  while (dims()[0] * dims()[1] * dims()[2] > maxPoints) spacing *= 1.1;
  const n = dims();
  const repOf = new Map(rep.map((r) => [r.atom, r]));
  const pack = (a: ExpandedAtom): number[] => {
    const r = repOf.get(a);
    if (r !== undefined) return [1 / r.rho, 0, 0, r.k, r.cutoff * r.cutoff];
    const q = pairs[a.element];
    return [q.a, q.m, q.b, a.occupancy * q.d0, q.cutoff * q.cutoff];
  };
  const bins = binImages(imagesNear([...anions, ...repOf.keys()], cell, cutoff), cutoff, pack);
  const energy = new Float64Array(n[0] * n[1] * n[2]);
  for (let i = 0, idx = 0; i < n[0]; i++) {
    for (let j = 0; j < n[1]; j++) {
      for (let k = 0; k < n[2]; k++, idx++) {
        const p = fracToCart(L, [i / n[0], j / n[1], k / n[2]]);
        const b = [0, 1, 2].map((a) => Math.floor((p[a] - bins.origin[a]) / cutoff));
        let e = 0;
        for (let d0 = -1; d0 <= 1; d0++) {
          for (let d1 = -1; d1 <= 1; d1++) {
            for (let d2 = -1; d2 <= 1; d2++) {
              const list = bins.map.get(binKey(b[0] + d0, b[1] + d1, b[2] + d2));
              if (list === undefined) continue;
              for (let m = 0; m < list.length; m += IMAGE_STRIDE) {
                const dx = list[m] - p[0], dy = list[m + 1] - p[1], dz = list[m + 2] - p[2];
                const d2s = dx * dx + dy * dy + dz * dz;
                if (d2s >= list[m + 7]) continue;
                if (list[m + 4] === 0) {
                  const r = Math.sqrt(d2s);
                  e += (list[m + 6] * erfc(r * list[m + 3])) / r;
                  continue;
                }
                const x = Math.exp((list[m + 3] - Math.sqrt(d2s)) / list[m + 5]) * list[m + 4] - 1;
                e += list[m + 6] * (x * x - 1);
              }
            }
          }
        }
        energy[idx] = e;
      }
    }
  }
  return { ...gridPercolation(energy, n), grid: n };
}

function binKey(a: number, b: number, c: number): number {
  return ((a + 512) * 1024 + (b + 512)) * 1024 + (c + 512);
}

/** Numbers per image in a bin: x, y, z, a, m, b, occupancy x d0, cutoff² (repulsion: m = 0, a = 1/rho, weight k). */
const IMAGE_STRIDE = 8;

/** Anion images in cubic bins of side `size` Å, {@link IMAGE_STRIDE} numbers per image. */
function binImages(ims: readonly { cart: Vec3; atom: ExpandedAtom }[], size: number, pack: (a: ExpandedAtom) => number[]): { origin: Vec3; map: Map<number, number[]> } {
  const origin: Vec3 = [Infinity, Infinity, Infinity];
  for (const m of ims) for (let a = 0; a < 3; a++) origin[a] = Math.min(origin[a], m.cart[a] - size);
  const map = new Map<number, number[]>();
  for (const m of ims) {
    const key = binKey(...([0, 1, 2].map((a) => Math.floor((m.cart[a] - origin[a]) / size)) as [number, number, number]));
    let list = map.get(key);
    if (list === undefined) map.set(key, (list = []));
    list.push(m.cart[0], m.cart[1], m.cart[2], ...pack(m.atom));
  }
  return { origin, map };
}

/** Percolation energies of a periodic scalar grid (6-neighbour connectivity). */
export function gridPercolation(energy: Float64Array, n: readonly [number, number, number]): { eMin: number; e1d: number; e3d: number } {
  const order = Uint32Array.from(energy.keys()).sort((a, b) => energy[a] - energy[b]);
  const active = new Uint8Array(energy.length);
  const uf = new PeriodicUnionFind(energy.length);
  const steps: [number, number, number][] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
  let e1d = Infinity;
  for (const idx of order) {
    active[idx] = 1;
    const ijk = [Math.floor(idx / (n[1] * n[2])), Math.floor(idx / n[2]) % n[1], idx % n[2]];
    for (const s of steps) {
      const t = ijk.map((v, a) => v + s[a]);
      const c = t.map((v, a) => Math.floor(v / n[a])) as unknown as Offset;
      const q = t.map((v, a) => v - c[a] * n[a]);
      const qi = (q[0] * n[1] + q[1]) * n[2] + q[2];
      if (!active[qi]) continue;
      const dim = uf.link(idx, qi, c);
      if (dim >= 1 && e1d === Infinity) e1d = energy[idx];
      if (dim >= 3) return { eMin: energy[order[0]], e1d, e3d: energy[idx] };
    }
  }
  return { eMin: energy[order[0]], e1d, e3d: Infinity };
}

/** Li sublattice connectivity: percolation bond lengths (Å) and the Li–Li coordination. */
export function liNetwork(atoms: readonly ExpandedAtom[], cell: CellParams): { perc1d: number; perc3d: number; cn: number } {
  const li = atoms.filter((a) => a.element === 'Li' && a.occupancy > 0);
  if (li.length === 0) return { perc1d: NaN, perc3d: NaN, cn: NaN };
  const L = latticeVectors(cell);
  const reach = planeSpacings(cell).map((d) => LI_PERC_MAX / d);
  const edges: { i: number; j: number; c: Offset; r: number }[] = [];
  let cn = 0, occ = 0;
  for (let i = 0; i < li.length; i++) {
    occ += li[i].occupancy;
    for (let j = 0; j < li.length; j++) {
      const df = [0, 1, 2].map((k) => li[j].frac[k] - li[i].frac[k]);
      const lo = df.map((d, k) => Math.ceil(-reach[k] - d)), hi = df.map((d, k) => Math.floor(reach[k] - d));
      for (let n0 = lo[0]; n0 <= hi[0]; n0++) {
        for (let n1 = lo[1]; n1 <= hi[1]; n1++) {
          for (let n2 = lo[2]; n2 <= hi[2]; n2++) {
            const v = fracToCart(L, [df[0] + n0, df[1] + n1, df[2] + n2]);
            const r = Math.hypot(...v);
            if (r < 1e-6 || r > LI_PERC_MAX) continue;
            if (r >= 1.0 && r <= LI_LI_BOND) cn += li[i].occupancy * li[j].occupancy;
            if (j > i || (j === i && (n0 > 0 || (n0 === 0 && (n1 > 0 || (n1 === 0 && n2 > 0)))))) edges.push({ i, j, c: [n0, n1, n2], r });
          }
        }
      }
    }
  }
  edges.sort((a, b) => a.r - b.r);
  const uf = new PeriodicUnionFind(li.length);
  let perc1d = LI_PERC_MAX, perc3d = LI_PERC_MAX;
  for (const e of edges) {
    const dim = uf.link(e.i, e.j, e.c);
    if (dim >= 1 && perc1d === LI_PERC_MAX) perc1d = e.r;
    if (dim >= 3) { perc3d = e.r; break; }
  }
  return { perc1d, perc3d, cn: cn / occ };
}

/** Anion volume fraction: Σ occ (4/3)π r³ over anions (Shannon CN VI radii) / cell volume. */
export function anionPackingFraction(atoms: readonly ExpandedAtom[], cell: CellParams): number {
  let v = 0;
  for (const a of atoms) {
    if (!isAnionAtom(a)) continue;
    const r = ionRadius(a.element, a.oxidationState ?? ANION_CHARGE[a.element]);
    if (r !== null) v += a.occupancy * (4 / 3) * Math.PI * r ** 3;
  }
  return v / cellVolume(cell);
}

/** Largest |net charge| / total positive charge accepted when assigning formal charges. */
export const CHARGE_MISMATCH = 0.03;

/**
 * Formal charges per atom: the CIF's oxidation states when every atom has one; otherwise one
 * state per element (tabulated states of ions.ts, anions at their usual charge) chosen to make the
 * cell as neutral as possible, accepted when the residual is at most {@link CHARGE_MISMATCH} of
 * the positive charge (partial occupancies rarely balance exactly; the Ewald sum puts any residual
 * in a uniform background). Null when no combination comes that close.
 */
export function formalCharges(atoms: readonly ExpandedAtom[]): number[] | null {
  if (atoms.every((a) => a.oxidationState !== null)) return atoms.map((a) => a.oxidationState as number);
  const comp = [...cellComposition(atoms)];
  const options = comp.map(([e]) => (e in ANION_CHARGE && !['S', 'Se', 'Te', 'N'].includes(e) ? [ANION_CHARGE[e]] : oxidationStates(e)));
  if (options.some((o) => o.length === 0)) return null;
  let best: number[] | null = null, bestMis = Infinity;
  const pick: number[] = [];
  const walk = (k: number): void => {
    if (k === comp.length) {
      let q = 0, pos = 0;
      comp.forEach(([, x], i) => { q += x * pick[i]; pos += Math.max(0, x * pick[i]); });
      const mis = pos > 0 ? Math.abs(q) / pos : Infinity;
      if (mis < bestMis - 1e-12) { bestMis = mis; best = [...pick]; }
      return;
    }
    for (const q of options[k]) { pick[k] = q; walk(k + 1); }
  };
  walk(0);
  if (best === null || bestMis > CHARGE_MISMATCH) return null;
  const state = new Map(comp.map(([e], i) => [e, (best as number[])[i]]));
  return atoms.map((a) => state.get(a.element) as number);
}

/** Ewald site energies of a Li+ ion on each Li site (eV): mean (occupancy-weighted) and spread. */
export function liSiteEnergies(atoms: readonly ExpandedAtom[], cell: CellParams): { mean: number; spread: number } {
  const q = formalCharges(atoms);
  const liIdx = atoms.flatMap((a, i) => (a.element === 'Li' ? [i] : []));
  if (q === null || liIdx.length === 0) return { mean: NaN, spread: NaN };
  const phi = ewaldPotentials(atoms.map((a, i) => ({ frac: a.frac, q: a.occupancy * q[i] })), cell, liIdx);
  let s = 0, w = 0;
  liIdx.forEach((i, k) => { s += atoms[i].occupancy * phi[k]; w += atoms[i].occupancy; });
  return { mean: s / w, spread: Math.max(...phi) - Math.min(...phi) };
}

/**
 * All physics descriptors of a parsed CIF.
 * @throws InputError `E_CIF` when the cell is too large to expand (see expandSites).
 */
export function physicsFeatures(cif: CifStructure): PhysicsFeatures {
  const atoms = expandSites(cif);
  return physicsOfAtoms(atoms, cif.cell);
}

/** Expanded cells with more atoms get no physics descriptors (all NaN: missing); OBELiX's largest has 344. */
export const PHYSICS_MAX_ATOMS = 2000;

/**
 * {@link physicsFeatures} on an already expanded cell. Never throws for a valid cell; a cell of more
 * than {@link PHYSICS_MAX_ATOMS} atoms (the pair loops grow with its square) gets all-NaN descriptors.
 */
export function physicsOfAtoms(atoms: readonly ExpandedAtom[], cell: CellParams): PhysicsFeatures {
  if (atoms.length > PHYSICS_MAX_ATOMS) {
    return { bvBarrier1d: NaN, bvBarrier3d: NaN, ewaldLiMean: NaN, ewaldLiSpread: NaN, liPerc1d: NaN, liPerc3d: NaN, liLiCn: NaN, anionPacking: NaN };
  }
  let b1 = NaN, b3 = NaN;
  if (atoms.some((a) => isAnionAtom(a) && a.element in LI_BV_R0)) {
    const r = bvseLandscape(atoms, cell);
    b1 = r.e1d - r.eMin;
    b3 = r.e3d - r.eMin;
  }
  const net = liNetwork(atoms, cell);
  const ew = liSiteEnergies(atoms, cell);
  return { bvBarrier1d: b1, bvBarrier3d: b3, ewaldLiMean: ew.mean, ewaldLiSpread: ew.spread,
    liPerc1d: net.perc1d, liPerc3d: net.perc3d, liLiCn: net.cn, anionPacking: anionPackingFraction(atoms, cell) };
}
