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

/** True when the electrolyte is stiff enough by the Monroe-Newman criterion (ratio > 1.8). */
export function isMechanicallyStable(gElectrolyteGpa: number, gLiGpa = LI_SHEAR_MODULUS_GPA): boolean {
  return shearModulusRatio(gElectrolyteGpa, gLiGpa) > MN_CRITICAL_RATIO;
}

/**
 * A smooth 0..1 mechanical instability score: 1 / (1 + (r / r_c)^4). It is 0.5 at the critical
 * ratio, ~1 for polymers (r << 1) and ~0 for oxide ceramics. The steepness (4) is our choice.
 */
export function mechanicalInstability(gElectrolyteGpa: number, gLiGpa = LI_SHEAR_MODULUS_GPA): number {
  const x = shearModulusRatio(gElectrolyteGpa, gLiGpa) / MN_CRITICAL_RATIO;
  return 1 / (1 + x ** 4);
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

/**
 * The largest growth rate over a logarithmic grid of wavenumbers kMin..kMax (1/m), and where it is.
 * Throws RangeError as {@link growthRate}, or if kMin >= kMax or points < 2.
 */
export function maxGrowthRate(p: PerturbationParams, kMin = 1e3, kMax = 1e9, points = 121): { k: number; omega: number } {
  requireFinite('kMin', kMin, true);
  requireFinite('kMax', kMax, true);
  if (!(kMax > kMin) || !(points >= 2)) throw new RangeError('need kMin < kMax and at least 2 points');
  let best = { k: kMin, omega: -Infinity };
  for (let j = 0; j < points; j++) {
    const k = kMin * (kMax / kMin) ** (j / (points - 1));
    const omega = growthRate(k, p);
    if (omega > best.omega) best = { k, omega };
  }
  return best;
}
