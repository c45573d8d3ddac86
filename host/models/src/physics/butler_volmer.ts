/**
 * Butler-Volmer charge-transfer kinetics at the Li / solid-electrolyte interface.
 *
 *   i = i0 [ exp(alpha_a F eta / (R T)) - exp(-alpha_c F eta / (R T)) ]
 *
 * (Bard & Faulkner, "Electrochemical Methods", 2nd ed., Wiley 2001, sec. 3.4: the current-
 * overpotential equation without mass-transfer limits; its linear (3.4.12) and Tafel (3.4.15)
 * limits are what the tests check.) Sign convention: anodic current and overpotential positive.
 * Currents may be in any unit as long as i and i0 share it; R_ct takes i0 in A/cm^2 and returns
 * ohm cm^2. Bad parameters throw RangeError.
 */
import { FARADAY, GAS_CONSTANT, requireFinite } from './constants.ts';

/** Kinetic parameters of one interface. */
export interface BvParams {
  /** Exchange current density (same unit as the current). */
  i0: number;
  /** Anodic transfer coefficient (default 0.5). */
  alphaA?: number;
  /** Cathodic transfer coefficient (default 0.5). */
  alphaC?: number;
  /** Temperature, K (default 298.15). */
  tK?: number;
}

interface Resolved {
  i0: number;
  a: number;
  c: number;
}

/** Validates parameters and folds F/(RT) into the transfer coefficients (units 1/V). */
function resolve(p: BvParams): Resolved {
  const alphaA = p.alphaA ?? 0.5;
  const alphaC = p.alphaC ?? 0.5;
  const tK = p.tK ?? 298.15;
  requireFinite('i0', p.i0, true);
  requireFinite('alphaA', alphaA, true);
  requireFinite('alphaC', alphaC, true);
  requireFinite('T', tK, true);
  const f = FARADAY / (GAS_CONSTANT * tK);
  return { i0: p.i0, a: alphaA * f, c: alphaC * f };
}

/** Current density for a given overpotential eta (V). Throws RangeError for bad parameters. */
export function bvCurrent(eta: number, p: BvParams): number {
  requireFinite('eta', eta);
  const r = resolve(p);
  return r.i0 * (Math.expm1(r.a * eta) - Math.expm1(-r.c * eta));
}

/**
 * Overpotential (V) that drives current density `i` through the full Butler-Volmer equation.
 *
 * The residual g(eta) = BV(eta) - i is strictly increasing, so the root is unique. It is bracketed
 * in closed form: for i > 0, eta in [0, ln(1 + i/i0)/alpha_a'] (at the upper end the anodic term
 * alone reaches i and the cathodic term is below 1); symmetrically for i < 0. Newton steps are
 * taken while they stay inside the shrinking bracket, bisection otherwise, to a relative tolerance
 * of 1e-13 of the bracket width. Throws RangeError for non-finite i or bad parameters.
 */
export function bvOverpotential(i: number, p: BvParams): number {
  requireFinite('i', i);
  const r = resolve(p);
  if (i === 0) return 0;
  const g = (eta: number) => r.i0 * (Math.expm1(r.a * eta) - Math.expm1(-r.c * eta)) - i;
  const dg = (eta: number) => r.i0 * (r.a * Math.exp(r.a * eta) + r.c * Math.exp(-r.c * eta));
  let lo = i > 0 ? 0 : -Math.log1p(-i / r.i0) / r.c;
  let hi = i > 0 ? Math.log1p(i / r.i0) / r.a : 0;
  let eta = 0.5 * (lo + hi);
  for (let iter = 0; iter < 200; iter++) {
    const val = g(eta);
    if (Math.abs(val) <= 1e-14 * Math.abs(i)) return eta;
    if (val > 0) hi = eta;
    else lo = eta;
    const next = eta - val / dg(eta);
    eta = next > lo && next < hi ? next : 0.5 * (lo + hi);
    if (hi - lo <= 1e-13 * Math.max(Math.abs(lo), Math.abs(hi))) break;
  }
  return eta;
}

/**
 * Charge-transfer resistance R_ct = R T / (n F i0), the slope d eta / d i at eta = 0 when
 * alpha_a + alpha_c = n (Bard & Faulkner eq. 3.4.12). i0 in A/cm^2 gives ohm cm^2.
 * Throws RangeError for non-positive i0, T or n.
 */
export function chargeTransferResistance(i0: number, tK = 298.15, n = 1): number {
  requireFinite('i0', i0, true);
  requireFinite('T', tK, true);
  requireFinite('n', n, true);
  return (GAS_CONSTANT * tK) / (n * FARADAY * i0);
}

/** Tafel-limit overpotential eta = (RT/(alpha F)) ln(|i|/i0), signed like i (anodic or cathodic branch). */
export function tafelOverpotential(i: number, p: BvParams): number {
  requireFinite('i', i);
  const r = resolve(p);
  if (i === 0) throw new RangeError('the Tafel form is undefined at zero current');
  return i > 0 ? Math.log(i / r.i0) / r.a : -Math.log(-i / r.i0) / r.c;
}

/**
 * Closed form for the symmetric case alpha_a = alpha_c = 1/2:
 * eta = (2RT/F) asinh(i / (2 i0)). Throws RangeError for bad parameters.
 */
export function symmetricOverpotential(i: number, i0: number, tK = 298.15): number {
  requireFinite('i', i);
  requireFinite('i0', i0, true);
  requireFinite('T', tK, true);
  return ((2 * GAS_CONSTANT * tK) / FARADAY) * Math.asinh(i / (2 * i0));
}
