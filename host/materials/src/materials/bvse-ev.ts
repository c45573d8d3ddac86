/**
 * Bond-valence site-energy (BVSE) estimate of the Li+ migration barrier in eV, with the softBV
 * parameters: a separate output from the D0-unit descriptor columns bv_barrier_1d/3d of
 * physics.ts (those stay as they are: the committed model, its card and the ablation use them).
 *
 * The site energy of a Li+ test ion at r (S. Adams and R. P. Rao, Phys. Status Solidi A 208 (2011)
 * 1746; H. Chen, L. L. Wong and S. Adams, Acta Cryst. B75 (2019) 18, "SoftBV upgraded"):
 *
 *   E(r) = Σ_X occ_X D0 [(exp((Rmin - R)/b) - 1)² - 1]            (Li–anion Morse terms, R < Rcut)
 *        + Σ_M occ_M 14.4 q_Li q_M / √(n_Li n_M) erfc(R/ρ) / R     (Li–cation repulsion, R < Rcut)
 *
 * with q the formal charges, n the principal quantum numbers (periodic-table rows) and
 * ρ = f (r_Li + r_M), f = 0.74 (Adams & Rao 2011). Simplifications, stated plainly: r are the
 * Cordero covalent radii of elements.ts (softBV tabulates its own radii), and the charges are not
 * rescaled for electroneutrality as softBV does. The barrier is the energy at which {E <= E*}
 * first percolates through the crystal (1D and 3D; physics.ts gridPercolation) minus the grid
 * minimum, as in softBV. Structures whose formal charges cannot be assigned get no estimate (the
 * repulsion term needs them; without it the minimum falls on framework cation sites).
 *
 * Calibration choice: the Morse terms are multiplied by {@link MORSE_SCALE} = 1/2, the convention
 * of BVlain (A. Dembitskiy et al., github.com/dembart/BVlain, bvlain/potentials.py), an open
 * implementation of Adams' method with the same parameter table. With the sum as written above
 * (scale 1) the barriers of LGPS, Li6PS5Cl, LLZO and LiFePO4 come out 2–3x above their measured Ea;
 * with 1/2 they land near them (docs/materials.md has both). This is an empirical choice, not a
 * derivation.
 */
import { join } from 'node:path';
import { expandSites, parseCif, samePeriodic, type CellParams, type ExpandedAtom } from './cif.ts';
import { cachedByText, CACHE_ROOT } from './cache.ts';
import { elementProps, isElementSymbol } from './elements.ts';
import { COULOMB_EV_A } from './ewald.ts';
import { bvseLandscape, formalCharges, isAnionAtom, PHYSICS_MAX_ATOMS, type BvPair, type BvRepulsion } from './physics.ts';

/**
 * softBV parameters of Li+ with each anion: [D0 (eV), Rmin (Å), b (Å), Rcut (Å)]. Source: the
 * softBV table of Chen, Wong & Adams, Acta Cryst. B75 (2019) 18 (first published in Adams & Rao
 * 2011), as distributed in the `bvse.dat` parameter file of CAVD (Zhao et al.) and
 * FALL-ML/materials-discovery (columns Nc, R0, Rcutoff, D0, Rmin, alpha = 1/b). The matching R0
 * (Å): O 1.17096, S 1.46652, Se 1.62021, Te 1.71028, F 1.08674, Cl 1.39892, Br 1.51288,
 * I 1.64829, N 1.1543.
 */
export const SOFTBV_LI: Readonly<Record<string, readonly [number, number, number, number]>> = {
  O: [0.98816, 1.940013, 0.516, 6],
  S: [1.04027, 2.40971, 0.653, 6],
  Se: [0.8875, 2.68386, 0.684, 7],
  Te: [0.88544, 2.73313, 0.729, 7],
  F: [0.49611, 1.87265, 0.508, 6],
  Cl: [0.49302, 2.39647, 0.634, 7],
  Br: [0.4491, 2.58255, 0.675, 7],
  I: [0.44117, 2.78807, 0.735, 7],
  N: [2.054953, 2.132557, 0.637, 6],
};

/** Screening factor f of the Li–cation repulsion length ρ = f (r_Li + r_M) (Adams & Rao 2011). */
export const SOFTBV_SCREENING = 0.74;
/** Cutoff of the Li–cation repulsion, Å (erfc(R/ρ) < 1e-3 beyond it for every ρ below 2.7 Å). */
export const REPULSION_CUTOFF = 6;

/** Fractional distance under which a cation counts as sharing a Li site. */
const SHARED_SITE_TOL = 1e-3;

/** Scale of the Morse terms (see the module comment: BVlain's convention, an empirical choice). */
export const MORSE_SCALE = 0.5;
/** Default grid of the eV estimate: spacing (Å) and point budget (the barrier drops by up to 0.4 eV from 0.45 to 0.2 Å). */
export const EV_GRID = { spacing: 0.25, maxPoints: 120_000 } as const;

/** The softBV Li–anion pair terms in eV, in the form of physics.ts (a = Rmin, m = 1), Morse depth times `scale`. */
export function softBvPairs(scale = MORSE_SCALE): Record<string, BvPair> {
  return Object.fromEntries(Object.entries(SOFTBV_LI).map(([el, [d0, rMin, b, cutoff]]) => [el, { a: rMin, m: 1, b, d0: d0 * scale, cutoff }]));
}

/**
 * softBV Morse pair energy (eV) of Li+ and anion `el` at distance r (Å), times `scale`, ignoring the cutoff.
 * @throws RangeError for an anion without softBV Li parameters.
 */
export function softBvPairEnergy(el: string, r: number, scale = MORSE_SCALE): number {
  const p = SOFTBV_LI[el];
  if (p === undefined) throw new RangeError(`no softBV Li parameter for '${el}'`);
  const x = Math.exp((p[1] - r) / p[2]) - 1;
  return scale * p[0] * (x * x - 1);
}

/**
 * Li–cation repulsion terms of a cell: every non-Li atom with a positive formal charge, except
 * cations that share a site with Li (e.g. Al on LLZO's 24d): weighted by occupancy they would sit
 * on every such Li site and block it, while only a few of those sites hold one.
 * Null when formal charges cannot be assigned (formalCharges) or an element is outside the table.
 */
export function liRepulsionTerms(atoms: readonly ExpandedAtom[]): BvRepulsion[] | null {
  const q = formalCharges(atoms);
  if (q === null) return null;
  const li = elementProps('Li');
  const out: BvRepulsion[] = [];
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i];
    if (a.element === 'Li' || q[i] <= 0 || isAnionAtom(a)) continue;
    if (atoms.some((l) => l.element === 'Li' && samePeriodic(l.frac, a.frac, SHARED_SITE_TOL))) continue;
    if (!isElementSymbol(a.element)) return null;
    const m = elementProps(a.element);
    out.push({ atom: a, k: (a.occupancy * COULOMB_EV_A * q[i]) / Math.sqrt(li.row * m.row),
      rho: SOFTBV_SCREENING * (li.covalentRadius + m.covalentRadius), cutoff: REPULSION_CUTOFF });
  }
  return out;
}

/** The eV barrier estimate of one structure. */
export interface BvseEv {
  /** 1D / 3D percolation barrier, eV. */
  readonly barrier1d: number;
  readonly barrier3d: number;
  /** Grid minimum of the site energy, eV. */
  readonly eMin: number;
  readonly grid: readonly [number, number, number];
}

/** Options of {@link bvseBarrierEv}. */
export interface BvseEvOptions {
  /** Grid spacing, Å (default {@link EV_GRID}). */
  readonly spacing?: number;
  readonly maxPoints?: number;
  /** Morse scale (default {@link MORSE_SCALE}; 1 = the sum as written by Adams & Rao). */
  readonly morseScale?: number;
}

/**
 * softBV barrier estimate in eV of an expanded cell. Null when the cell has no anion with a softBV
 * Li parameter, no Li, formal charges that cannot be assigned, or more than PHYSICS_MAX_ATOMS
 * atoms. Never throws for a valid cell.
 */
export function bvseBarrierEv(atoms: readonly ExpandedAtom[], cell: CellParams, o: BvseEvOptions = {}): BvseEv | null {
  if (atoms.length > PHYSICS_MAX_ATOMS || !atoms.some((a) => a.element === 'Li')) return null;
  if (!atoms.some((a) => isAnionAtom(a) && a.element in SOFTBV_LI)) return null;
  const repulsion = liRepulsionTerms(atoms);
  if (repulsion === null) return null;
  const r = bvseLandscape(atoms, cell, { spacing: o.spacing ?? EV_GRID.spacing, maxPoints: o.maxPoints ?? EV_GRID.maxPoints,
    pairs: softBvPairs(o.morseScale ?? MORSE_SCALE), repulsion });
  return { barrier1d: r.e1d - r.eMin, barrier3d: r.e3d - r.eMin, eMin: r.eMin, grid: r.grid };
}

/** Version of the eV estimate for the cache; bump when this file changes what it computes. */
export const BVSE_EV_VERSION = 1;
/** Cache of eV estimates (derived data, never committed), keyed by CIF text hash. */
export const BVSE_EV_CACHE_DIR = join(CACHE_ROOT, 'materials-bvse-ev');

/**
 * {@link bvseBarrierEv} (default options) of a CIF text, through the cache (cache.ts).
 * @throws InputError as parseCif / expandSites for a CIF that cannot be read or expanded.
 */
export function cachedBvseEv(text: string, path: string, cacheDir: string | null = BVSE_EV_CACHE_DIR): BvseEv | null {
  return cachedByText(cacheDir, BVSE_EV_VERSION, text, () => {
    const cif = parseCif(text, path);
    return bvseBarrierEv(expandSites(cif), cif.cell);
  });
}
