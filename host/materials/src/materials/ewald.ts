/**
 * Ewald summation of the electrostatic potential at chosen sites of a periodic point-charge
 * crystal (P. P. Ewald, Ann. Phys. 369 (1921) 253; the split used here is the standard one in
 * e.g. D. Frenkel and B. Smit, "Understanding Molecular Simulation", 2nd ed., ch. 12.1):
 *
 *   φ_i = Σ_j Σ_n' q_j erfc(α r)/r                                   (real space, r = |r_j + n - r_i|)
 *       + (4π/V) Σ_{k≠0} exp(-k²/4α²)/k² Σ_j q_j cos(k·(r_j - r_i))    (reciprocal space)
 *       - 2α q_i/√π                                                   (self term)
 *       - π Q/(V α²)                                                  (neutralizing background, Q = Σ q_j)
 *
 * in e/Å, multiplied by {@link COULOMB_EV_A} to give volts (site energy q_i φ_i in eV).
 * Partial occupancy is mean field: q_j = occupancy × oxidation state. Pairs closer than
 * {@link MIN_PAIR_DISTANCE} (split or mixed sites, which are alternatives, not neighbours) are
 * removed from the sum entirely (their whole 1/r term, real and reciprocal parts).
 */

import { cellVolume, type CellParams, type Vec3 } from './cif.ts';
import { fracToCart, latticeVectors, planeSpacings } from './graph.ts';

/** e²/(4π ε0) in eV·Å (CODATA 2018: 14.399645 eV·Å). */
export const COULOMB_EV_A = 14.3996454784;
/** Pairs closer than this (Å) are alternatives of one disordered site and do not interact. */
export const MIN_PAIR_DISTANCE = 1.0;

/** A point charge in fractional coordinates. */
export interface PointCharge {
  readonly frac: Vec3;
  /** Charge in units of e (occupancy-weighted). */
  readonly q: number;
}

/** Accuracy knobs (defaults give ~1e-5 relative accuracy). */
export interface EwaldOptions {
  /** Real-space cutoff, Å (default 8). */
  readonly rCut?: number;
  /** α·rCut (default 3.2; erfc(3.2) ≈ 6e-6). */
  readonly alphaR?: number;
  /** exp(-k²/4α²) cut (default 1e-7). */
  readonly kTol?: number;
}

function reciprocal(L: readonly Vec3[], V: number): Vec3[] {
  const cross = (p: Vec3, q: Vec3): Vec3 => [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];
  const s = (2 * Math.PI) / V;
  return [cross(L[1], L[2]), cross(L[2], L[0]), cross(L[0], L[1])].map((v) => v.map((x) => x * s) as Vec3);
}

/**
 * Electrostatic potential (volts) at each charge listed in `at` (indices into `charges`), from all
 * `charges` of the cell and their periodic images.
 * @throws RangeError for an empty charge list or a degenerate cell.
 */
export function ewaldPotentials(charges: readonly PointCharge[], cell: CellParams, at: readonly number[], o: EwaldOptions = {}): number[] {
  const V = cellVolume(cell);
  if (charges.length === 0 || !(V > 0)) throw new RangeError('Ewald sum needs charges and a cell of positive volume');
  const rCut = o.rCut ?? 8, alpha = (o.alphaR ?? 3.2) / rCut;
  const L = latticeVectors(cell);
  const cart = charges.map((c) => fracToCart(L, c.frac));
  const Q = charges.reduce((s, c) => s + c.q, 0);
  const phi = at.map((i) => realSpace(charges, cart, L, cell, i, alpha, rCut) - (2 * alpha * charges[i].q) / Math.sqrt(Math.PI) - (Math.PI * Q) / (V * alpha * alpha));
  const recip = reciprocalSpace(charges, cart, L, V, at, alpha, o.kTol ?? 1e-7);
  return phi.map((p, k) => (p + recip[k]) * COULOMB_EV_A);
}

function realSpace(charges: readonly PointCharge[], cart: readonly Vec3[], L: readonly Vec3[], cell: CellParams, i: number, alpha: number, rCut: number): number {
  const reach = planeSpacings(cell).map((d) => Math.ceil(rCut / d));
  let s = 0;
  for (let j = 0; j < charges.length; j++) {
    const base = [0, 1, 2].map((k) => cart[j][k] - cart[i][k]);
    for (let n0 = -reach[0]; n0 <= reach[0]; n0++) {
      for (let n1 = -reach[1]; n1 <= reach[1]; n1++) {
        for (let n2 = -reach[2]; n2 <= reach[2]; n2++) {
          const x = base[0] + n0 * L[0][0] + n1 * L[1][0] + n2 * L[2][0];
          const y = base[1] + n0 * L[0][1] + n1 * L[1][1] + n2 * L[2][1];
          const z = base[2] + n0 * L[0][2] + n1 * L[1][2] + n2 * L[2][2];
          const r = Math.hypot(x, y, z);
          if (r >= rCut) continue;
          if (r < MIN_PAIR_DISTANCE) {
            // the self term (r = 0) is handled analytically; other close pairs are removed whole
            if (r > 1e-9) s -= (charges[j].q * erf(alpha * r)) / r;
            continue;
          }
          s += (charges[j].q * erfc(alpha * r)) / r;
        }
      }
    }
  }
  return s;
}

function reciprocalSpace(charges: readonly PointCharge[], cart: readonly Vec3[], L: readonly Vec3[], V: number,
  at: readonly number[], alpha: number, kTol: number): number[] {
  const B = reciprocal(L, V);
  const kMax = 2 * alpha * Math.sqrt(-Math.log(kTol));
  const hMax = L.map((a) => Math.ceil((kMax * Math.hypot(...a)) / (2 * Math.PI)));
  const out = at.map(() => 0);
  for (let h = 0; h <= hMax[0]; h++) {
    for (let k = -hMax[1]; k <= hMax[1]; k++) {
      for (let l = -hMax[2]; l <= hMax[2]; l++) {
        // half space: k and -k give equal terms, count one of each pair twice
        if (h === 0 && (k < 0 || (k === 0 && l <= 0))) continue;
        const kv = [0, 1, 2].map((c) => h * B[0][c] + k * B[1][c] + l * B[2][c]);
        const k2 = kv[0] * kv[0] + kv[1] * kv[1] + kv[2] * kv[2];
        const w = Math.exp(-k2 / (4 * alpha * alpha)) / k2;
        if (w * k2 < kTol) continue;
        let re = 0, im = 0;
        for (let j = 0; j < charges.length; j++) {
          const t = kv[0] * cart[j][0] + kv[1] * cart[j][1] + kv[2] * cart[j][2];
          re += charges[j].q * Math.cos(t); im += charges[j].q * Math.sin(t);
        }
        at.forEach((i, n) => {
          const t = kv[0] * cart[i][0] + kv[1] * cart[i][1] + kv[2] * cart[i][2];
          out[n] += ((8 * Math.PI) / V) * w * (re * Math.cos(t) + im * Math.sin(t));
        });
      }
    }
  }
  return out;
}

/**
 * Complementary error function: the Chebyshev-fitted form of W. H. Press et al., "Numerical
 * Recipes in C", 2nd ed. (1992), sec. 6.2 (fractional error < 1.2e-7 everywhere).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** erf(x) = 1 - erfc(x). */
export function erf(x: number): number {
  return 1 - erfc(x);
}
