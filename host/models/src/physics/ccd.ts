/**
 * Critical current density (CCD), dendrite initiation time and filament propagation: a
 * phenomenological model, stated honestly. Nothing here is a first-principles prediction.
 *
 * CCD(T, P) = CCD_ref * exp(-(Ea_ccd / k_B)(1/T - 1/T_ref)) * (P / P_ref)^gamma
 * - Temperature: CCD rises with temperature (Li/LLZO: Sharafi et al., J. Power Sources 302, 135
 *   (2016)). An Arrhenius form with Ea_ccd ~0.3 eV (CCD roughly doubles from 25 to 45 C) is our
 *   assumption matching that trend, not a fit to their data.
 * - Stack pressure: CCD rises with pressure because Li creep refills stripping voids (Kasemchainan
 *   et al., Nat. Mater. 18, 1105 (2019), Li6PS5Cl). The power law with gamma = 0.5 is assumed.
 *
 * Initiation time at constant current density i (Sand-like form):
 *   t_init = tau * ((CCD / i)^n - 1),  i < CCD;   t_min otherwise.
 * The (1/i)^n scaling with n = 2 is borrowed from Sand's time, t_s = pi D (z c0 F)^2 / (4 (i t_a)^2)
 * (H. J. S. Sand, Phil. Mag. 1, 45 (1901)), which describes salt depletion in a LIQUID electrolyte.
 * A single-ion solid conductor does not deplete, so here it is an analogy only; the "-1" (initiation
 * becomes immediate as i reaches the CCD) is our assumption, consistent with the CCD being the
 * current above which cells short within the first cycles. tau is a calibration constant (see
 * impedance.ts and pack/calibration.test.ts). Under a varying current the simulator accumulates
 * damage D += dt / t_init(i(t)) and initiates at D = 1 (Miner's-rule style; assumed).
 *
 * Propagation after initiation: a filament advances by the Faradaic volume of the Li plated into
 * it, v = i V_m / (F phi), phi = fraction of the area feeding the tip (phi = 1 is the slowest,
 * most conservative case and the default). Bad parameters throw RangeError throughout.
 */
import { arrheniusRatio } from './arrhenius.ts';
import { FARADAY, LI_MOLAR_VOLUME, requireFinite } from './constants.ts';

/** The CCD parameters of an electrolyte (a subset of the presets in electrolytes.ts). */
export interface CcdParams {
  /** CCD at the reference state, mA/cm^2. */
  ccdRef: number;
  ccdRefK: number;
  ccdRefPressureMPa: number;
  ccdPressureExponent: number;
  ccdEaEv: number;
}

/** Critical current density at temperature tK (K) and stack pressure (MPa), mA/cm^2. */
export function criticalCurrentDensity(p: CcdParams, tK: number, pressureMPa: number): number {
  requireFinite('ccdRef', p.ccdRef, true);
  requireFinite('pressure', pressureMPa, true);
  requireFinite('ccdRefPressureMPa', p.ccdRefPressureMPa, true);
  requireFinite('ccdPressureExponent', p.ccdPressureExponent);
  const thermal = arrheniusRatio(p.ccdEaEv, tK, p.ccdRefK);
  return p.ccdRef * thermal * (pressureMPa / p.ccdRefPressureMPa) ** p.ccdPressureExponent;
}

/** Options of {@link initiationTime}. */
export interface InitiationParams {
  /** Time scale tau, hours. */
  tauH: number;
  /** Exponent n (default 2, Sand). */
  exponent?: number;
  /** Floor of the initiation time at or above the CCD, hours (default 0.05). */
  tMinH?: number;
}

/**
 * Dendrite initiation time in hours at constant |i| (mA/cm^2) for a given CCD: Infinity at i = 0,
 * falling as i approaches the CCD, t_min at or above it. Throws RangeError for a non-positive CCD
 * or tau, or a non-finite current.
 */
export function initiationTime(i: number, ccd: number, p: InitiationParams): number {
  requireFinite('i', i);
  requireFinite('ccd', ccd, true);
  requireFinite('tauH', p.tauH, true);
  const n = p.exponent ?? 2;
  const tMin = p.tMinH ?? 0.05;
  requireFinite('exponent', n, true);
  requireFinite('tMinH', tMin, true);
  const a = Math.abs(i);
  if (a === 0) return Infinity;
  if (a >= ccd) return tMin;
  return Math.max(tMin, p.tauH * ((ccd / a) ** n - 1));
}

/**
 * Filament tip speed in micrometres per hour for a plating current |i| (mA/cm^2) and a feeding
 * area fraction phi in (0, 1]. At 0.5 mA/cm^2 and phi = 1 it is ~2.4 um/h.
 */
export function filamentVelocity(i: number, phi = 1): number {
  requireFinite('i', i);
  requireFinite('phi', phi, true);
  if (phi > 1) throw new RangeError(`phi must be in (0, 1], got ${phi}`);
  const aPerM2 = Math.abs(i) * 10;
  return ((aPerM2 * LI_MOLAR_VOLUME) / (FARADAY * phi)) * 1e6 * 3600;
}

/** Hours for a filament to cross a separator of thicknessUm at constant |i|; Infinity at i = 0. */
export function propagationTime(thicknessUm: number, i: number, phi = 1): number {
  requireFinite('thicknessUm', thicknessUm, true);
  const v = filamentVelocity(i, phi);
  return v === 0 ? Infinity : thicknessUm / v;
}
