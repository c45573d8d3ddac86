/**
 * Mechanical suppression of Li dendrites: the Monroe-Newman shear-modulus criterion and a
 * simplified linear-stability growth rate for a sinusoidal perturbation of the Li surface.
 *
 * Criterion (Monroe & Newman, J. Electrochem. Soc. 152, A396 (2005)): with Poisson ratios near
 * 0.33, interface roughening is suppressed when G_electrolyte / G_Li exceeds about 1.8, using
 * G_Li = 4.25 GPa. Ceramics such as LLZO pass this criterion by a wide margin yet still short in
 * practice, through grain boundaries, voids and electronic leakage (Porz et al., Adv. Energy Mater.
 * 7, 1701003 (2017); Han et al., Nat. Energy 4, 187 (2019)); the criterion is necessary-ish, not
 * sufficient, and the simulator treats it as one input among several.
 *
 * Growth rate (our simplified form, NOT the full Monroe-Newman solution). The surface is
 * h = eps cos(k x). Its local plating current is i + delta_i cos(k x) and it grows at
 * d eps/dt = (V_m / F) delta_i, so omega = (V_m / F) delta_i / eps with two contributions:
 * 1. Field focusing (destabilising), as in Mullins & Sekerka, J. Appl. Phys. 35, 444 (1964): a crest
 *    is closer to the counter electrode; with electrolyte conductivity sigma, the ohmic share of the
 *    perturbation is damped by the interfacial kinetic resistance R_ct in series:
 *      delta_i_field / eps = i k / (1 + k sigma R_ct).
 * 2. Interfacial stress (Monroe & Newman's mechanism): the chemical potential of Li at the crest
 *    rises by V_m (gamma k^2 + c G_Li k (G_e/G_Li - r_c)) per unit amplitude, where gamma is the Li
 *    surface energy (0.52 J/m^2, Tyson & Miller, Surf. Sci. 62, 267 (1977)), r_c = 1.8 the
 *    critical ratio and c = 1 a dimensionless coefficient (assumed). That potential shift drives a
 *    current through R_ct plus the spreading resistance 1/(k sigma):
 *      delta_i_stress / eps = -(V_m / F) (gamma k^2 + c G_Li k (r - r_c)) / (R_ct + 1/(k sigma)).
 * omega(k) > 0 means unstable. The stress term changes sign exactly at r = r_c, so for large k the
 * sign of omega reproduces the criterion. All inputs SI (A/m^2, 1/m, S/m, ohm m^2, Pa); bad
 * parameters throw RangeError.
 */
import { FARADAY, LI_MOLAR_VOLUME, LI_SHEAR_MODULUS_GPA, requireFinite } from './constants.ts';

/** Critical shear-modulus ratio G_electrolyte / G_Li (Monroe & Newman 2005). */
export const MN_CRITICAL_RATIO = 1.8;
/** Li surface energy, J/m^2 (Tyson & Miller 1977). */
export const LI_SURFACE_ENERGY = 0.52;

/** Shear-modulus ratio G_electrolyte / G_Li. Throws RangeError for a non-positive modulus. */
export function shearModulusRatio(gElectrolyteGpa: number, gLiGpa = LI_SHEAR_MODULUS_GPA): number {
  requireFinite('gElectrolyte', gElectrolyteGpa, true);
  requireFinite('gLi', gLiGpa, true);
  return gElectrolyteGpa / gLiGpa;
}

/**
 * The Monroe-Newman margin x = (G_e / G_Li) / r_c, the one quantity both the pass/fail verdict and
 * the smooth score are computed from, so they cannot disagree at the threshold. Throws RangeError
 * for a non-positive modulus.
 */
export function mnMargin(gElectrolyteGpa: number, gLiGpa = LI_SHEAR_MODULUS_GPA): number {
  return shearModulusRatio(gElectrolyteGpa, gLiGpa) / MN_CRITICAL_RATIO;
}

/**
 * True when the electrolyte is stiff enough by the Monroe-Newman criterion (ratio > 1.8), decided
 * on {@link mnMargin} exactly as {@link mechanicalInstability}: stable if and only if the score is
 * below 0.5 (at the threshold itself: not stable, score 0.5). Throws RangeError as {@link mnMargin}.
 */
export function isMechanicallyStable(gElectrolyteGpa: number, gLiGpa = LI_SHEAR_MODULUS_GPA): boolean {
  return instabilityOf(mnMargin(gElectrolyteGpa, gLiGpa)) < 0.5;
}

/** The smooth score of a margin: 1 / (1 + x^4); < 0.5 exactly when x > 1. */
function instabilityOf(x: number): number {
  return 1 / (1 + x ** 4);
}

/**
 * A smooth 0..1 mechanical instability score: 1 / (1 + (r / r_c)^4). It is 0.5 at the critical
 * ratio, ~1 for polymers (r << 1) and ~0 for oxide ceramics. The steepness (4) is our choice; near
 * the threshold the score stays close to 0.5 on both sides (0.45 at r = 1.9, 0.55 at r = 1.7): it
 * is a graded input, the verdict is {@link isMechanicallyStable}. Throws RangeError as {@link mnMargin}.
 */
export function mechanicalInstability(gElectrolyteGpa: number, gLiGpa = LI_SHEAR_MODULUS_GPA): number {
  return instabilityOf(mnMargin(gElectrolyteGpa, gLiGpa));
}

/** Inputs of {@link growthRate}; SI units. */
export interface PerturbationParams {
  /** Mean plating current density, A/m^2 (>= 0). */
  i: number;
  /** Electrolyte ionic conductivity, S/m. */
  sigma: number;
  /** Interfacial charge-transfer resistance, ohm m^2. */
  rct: number;
  /** Electrolyte shear modulus, Pa. */
  gElectrolyte: number;
  /** Li shear modulus, Pa (default 4.25e9). */
  gLi?: number;
  /** Li surface energy, J/m^2 (default 0.52). */
  gamma?: number;
  /** Stress-term coefficient c (default 1, assumed). */
  stressCoeff?: number;
}

/**
 * Growth rate omega(k), 1/s, of a surface perturbation of wavenumber k (1/m) in the simplified model
 * described at the top of this file. Positive = unstable. Throws RangeError for k <= 0, i < 0 or
 * non-positive sigma, rct or moduli.
 */
export function growthRate(k: number, p: PerturbationParams): number {
  requireFinite('k', k, true);
  requireFinite('i', p.i);
  if (p.i < 0) throw new RangeError(`plating current must be >= 0, got ${p.i}`);
  requireFinite('sigma', p.sigma, true);
  requireFinite('rct', p.rct, true);
  requireFinite('gElectrolyte', p.gElectrolyte, true);
  const gLi = p.gLi ?? LI_SHEAR_MODULUS_GPA * 1e9;
  const gamma = p.gamma ?? LI_SURFACE_ENERGY;
  const c = p.stressCoeff ?? 1;
  requireFinite('gLi', gLi, true);
  requireFinite('gamma', gamma);
  requireFinite('stressCoeff', c);
  const vf = LI_MOLAR_VOLUME / FARADAY;
  const field = (p.i * k) / (1 + k * p.sigma * p.rct);
  const stress = gamma * k * k + c * gLi * k * (p.gElectrolyte / gLi - MN_CRITICAL_RATIO);
  const relax = (vf * stress) / (p.rct + 1 / (k * p.sigma));
  return vf * (field - relax);
}

/** The result of {@link maxGrowthRate}. */
export interface GrowthMax {
  /** Wavenumber of the largest growth rate, 1/m. */
  k: number;
  /** The largest growth rate, 1/s. */
  omega: number;
  /**
   * True when the maximum is interior (bracketed by smaller values on both sides and refined);
   * false when omega still rises towards an end of the widened search range: then `k` is that end
   * and `omega` a bound (for a stable electrolyte at any k, omega rises towards 0 as k -> 0).
   */
  interior: boolean;
}

/** Widest search range of {@link maxGrowthRate}, 1/m (1 mm^-1 .. 0.1 nm^-1 scale). */
export const K_LIMITS = { min: 1, max: 1e11 } as const;

/**
 * The largest growth rate over wavenumbers, starting from a logarithmic grid kMin..kMax (1/m):
 * when the best grid point is at an end, the range is widened by 100x on that side (up to
 * {@link K_LIMITS}) until the maximum is bracketed, then refined by golden-section search in log k
 * between its grid neighbours. Never returns the edge of the grid for an interior maximum.
 * Throws RangeError as {@link growthRate}, or if kMin >= kMax or points < 3.
 */
export function maxGrowthRate(p: PerturbationParams, kMin = 1e3, kMax = 1e9, points = 121): GrowthMax {
  requireFinite('kMin', kMin, true);
  requireFinite('kMax', kMax, true);
  if (!(kMax > kMin) || !(points >= 3)) throw new RangeError('need kMin < kMax and at least 3 points');
  let lo = Math.log(kMin), hi = Math.log(kMax);
  for (;;) {
    const step = (hi - lo) / (points - 1);
    const w = Array.from({ length: points }, (_, j) => growthRate(Math.exp(lo + j * step), p));
    let j = 0;
    for (let q = 1; q < points; q++) if (w[q] > w[j]) j = q;
    const atLo = j === 0, atHi = j === points - 1;
    if (atLo && lo > Math.log(K_LIMITS.min)) { lo = Math.max(Math.log(K_LIMITS.min), lo - Math.log(100)); continue; }
    if (atHi && hi < Math.log(K_LIMITS.max)) { hi = Math.min(Math.log(K_LIMITS.max), hi + Math.log(100)); continue; }
    if (atLo || atHi) return { k: Math.exp(lo + j * step), omega: w[j], interior: false };
    return refine(p, lo + (j - 1) * step, lo + (j + 1) * step);
  }
}

/** Golden-section search for the maximum of omega over log k in [a, b] (60 steps). */
function refine(p: PerturbationParams, a: number, b: number): GrowthMax {
  const r = (Math.sqrt(5) - 1) / 2;
  let c = b - r * (b - a), d = a + r * (b - a);
  let fc = growthRate(Math.exp(c), p), fd = growthRate(Math.exp(d), p);
  for (let n = 0; n < 60; n++) {
    if (fc > fd) { b = d; d = c; fd = fc; c = b - r * (b - a); fc = growthRate(Math.exp(c), p); }
    else { a = c; c = d; fc = fd; d = a + r * (b - a); fd = growthRate(Math.exp(d), p); }
  }
  return fc > fd ? { k: Math.exp(c), omega: fc, interior: true } : { k: Math.exp(d), omega: fd, interior: true };
}
