/**
 * Thermally activated ionic conduction.
 *
 * Two forms are used in the solid-electrolyte literature (e.g. West, "Solid State Chemistry and
 * its Applications", 2nd ed., Wiley 2014, ch. 8; Bachman et al., Chem. Rev. 116, 140 (2016)):
 * - plain Arrhenius: sigma(T) = A exp(-Ea / (k_B T))
 * - hopping (Nernst-Einstein) form: sigma(T) = (A / T) exp(-Ea / (k_B T)), which is what a plot of
 *   ln(sigma T) against 1/T linearises.
 *
 * Temperatures are kelvin, activation energies eV; A carries whatever conductivity unit the caller
 * uses (S/cm here) and, for the hopping form, an extra factor of K.
 * Every function throws RangeError for non-finite input or non-positive T, sigma or A.
 */
import { BOLTZMANN_EV, requireFinite } from './constants.ts';

/** Which Arrhenius form: `plain` = A e^(-Ea/kT), `hopping` = (A/T) e^(-Ea/kT). */
export type ArrheniusForm = 'plain' | 'hopping';

/** Parameters of an Arrhenius law. */
export interface ArrheniusParams {
  /** Prefactor (S/cm for `plain`, S K/cm for `hopping`). */
  prefactor: number;
  /** Activation energy, eV. */
  eaEv: number;
  form: ArrheniusForm;
}

/** Plain Arrhenius value A exp(-Ea/(k_B T)). Throws RangeError for T <= 0 or non-finite input. */
export function arrhenius(prefactor: number, eaEv: number, tK: number): number {
  requireFinite('prefactor', prefactor);
  requireFinite('eaEv', eaEv);
  requireFinite('T', tK, true);
  return prefactor * Math.exp(-eaEv / (BOLTZMANN_EV * tK));
}

/** Hopping-form conductivity (A/T) exp(-Ea/(k_B T)). Throws RangeError for T <= 0 or non-finite input. */
export function ionicConductivity(prefactor: number, eaEv: number, tK: number): number {
  return arrhenius(prefactor, eaEv, tK) / tK;
}

/** Evaluates an {@link ArrheniusParams} law at T (K). Throws RangeError as {@link arrhenius}. */
export function evaluate(p: ArrheniusParams, tK: number): number {
  return p.form === 'plain' ? arrhenius(p.prefactor, p.eaEv, tK) : ionicConductivity(p.prefactor, p.eaEv, tK);
}

/**
 * The prefactor that makes a law of the given form pass through (tRefK, sigmaRef).
 * Throws RangeError for non-positive sigmaRef or tRefK.
 */
export function prefactorFrom(sigmaRef: number, eaEv: number, tRefK: number, form: ArrheniusForm): number {
  requireFinite('sigmaRef', sigmaRef, true);
  requireFinite('eaEv', eaEv);
  requireFinite('tRef', tRefK, true);
  const a = sigmaRef * Math.exp(eaEv / (BOLTZMANN_EV * tRefK));
  return form === 'plain' ? a : a * tRefK;
}

/** Ratio value(T) / value(tRefK) for a law of either form with activation energy eaEv. */
export function arrheniusRatio(eaEv: number, tK: number, tRefK: number, form: ArrheniusForm = 'plain'): number {
  requireFinite('eaEv', eaEv);
  requireFinite('T', tK, true);
  requireFinite('tRef', tRefK, true);
  const r = Math.exp((-eaEv / BOLTZMANN_EV) * (1 / tK - 1 / tRefK));
  return form === 'plain' ? r : (r * tRefK) / tK;
}

/** A point of a conductivity (or rate) measurement. */
export interface ArrheniusPoint {
  tK: number;
  value: number;
}

/** Result of a least-squares Arrhenius fit. */
export interface ArrheniusFit extends ArrheniusParams {
  /** Coefficient of determination of the linearised fit (1 for exact data). */
  r2: number;
}

/** y-value of the linearised form: ln(sigma) for plain, ln(sigma T) for hopping. */
function linearY(p: ArrheniusPoint, form: ArrheniusForm): number {
  requireFinite('T', p.tK, true);
  requireFinite('value', p.value, true);
  return Math.log(form === 'plain' ? p.value : p.value * p.tK);
}

/**
 * Least-squares fit of ln(y) against 1/T, y = sigma (plain) or sigma T (hopping).
 * Slope = -Ea/k_B. Throws RangeError with fewer than two points, two equal temperatures only,
 * or a non-positive T or value.
 */
export function fitArrhenius(points: readonly ArrheniusPoint[], form: ArrheniusForm = 'hopping'): ArrheniusFit {
  if (points.length < 2) throw new RangeError(`an Arrhenius fit needs at least 2 points, got ${points.length}`);
  const xs = points.map((p) => 1 / p.tK);
  const ys = points.map((p) => linearY(p, form));
  const n = points.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (!(sxx > 0)) throw new RangeError('an Arrhenius fit needs at least two distinct temperatures');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { prefactor: Math.exp(intercept), eaEv: -slope * BOLTZMANN_EV, form, r2 };
}

/**
 * Activation energy (eV) from two measurements: Ea = k_B ln(y2/y1) / (1/T1 - 1/T2).
 * Throws RangeError as {@link fitArrhenius}.
 */
export function activationEnergyFromTwoPoints(a: ArrheniusPoint, b: ArrheniusPoint, form: ArrheniusForm = 'hopping'): number {
  return fitArrhenius([a, b], form).eaEv;
}
