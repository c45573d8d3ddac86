/**
 * Interfacial impedance growth over cycling, and the constants that calibrate the simulator to the
 * seed paper (seed/000_a7950b7ffa2af7c4.txt, "Impedance growth over cycling" and "Cycle life
 * distribution"): symmetric Li/SSE/Li cells at 0.5 mA/cm^2 grow ~10 ohm cm^2 (stable interface)
 * vs ~35 ohm cm^2 (unstable) over 300 cycles, with median cycle life ~275 vs ~90 cycles. The seed
 * says its figures come from synthetic replicates, so these are targets, not ground truth.
 *
 * Model (phenomenological, assumed):
 * - Interphase growth is parabolic, thickness^2 proportional to exposure, as observed for the
 *   growing Li/LGPS interphase (Wenzel et al., Solid State Ionics 286, 24 (2016)). Here the
 *   exposure of one cycle is the plated charge relative to 0.5 mAh/cm^2 times an Arrhenius factor
 *   (0.3 eV, assumed), so delta_R(n) = K (1 + beta s) sqrt(n) at the reference condition.
 * - s in [0, 1] is an interface instability score (see {@link interfaceInstability}); an unstable
 *   interface grows faster by (1 + beta s). K and beta are chosen so that s = 0 and s = 1 give the
 *   seed's 10 and 35 ohm cm^2 at 300 cycles.
 * - The measured interfacial resistance at temperature T is (R_ct + delta_R) scaled by the
 *   electrolyte's conduction Arrhenius factor (assumed to share its activation energy).
 * Bad parameters throw RangeError.
 */
import { arrheniusRatio } from './arrhenius.ts';
import { T_298, requireFinite } from './constants.ts';
import type { Electrolyte } from './electrolytes.ts';
import { mechanicalInstability } from './monroe_newman.ts';

/** The seed's calibration targets. */
export const SEED_TARGETS = Object.freeze({
  /** Current density of the seed's symmetric-cell tests, mA/cm^2. */
  currentDensity: 0.5,
  stable: { impedanceGrowth300: 10, medianCycleLife: 275 },
  unstable: { impedanceGrowth300: 35, medianCycleLife: 90 },
});

/** Model constants, fitted to {@link SEED_TARGETS} (see pack/calibration.test.ts). */
export const CALIBRATION = Object.freeze({
  /** K: growth of a stable interface per sqrt(cycle), ohm cm^2 (10 / sqrt(300)). */
  growthPerSqrtCycle: 10 / Math.sqrt(300),
  /** beta: extra growth of a fully unstable interface (35 / 10 - 1). */
  instabilityGrowthGain: 2.5,
  /** Plated charge per cycle of the reference condition, mAh/cm^2 (0.5 mA/cm^2 for 1 h). */
  referenceChargeMah: 0.5,
  /** Activation energy of interphase growth, eV (assumed). */
  growthEaEv: 0.3,
  /** tau of ccd.ts initiationTime, hours (fitted so the stable median life is ~275 cycles). */
  initiationTauH: 236,
  /** kappa: damage accrues (1 + kappa s) times faster at an unstable interface (fitted). */
  instabilityRateGain: 2.33,
});

/** Clamps to [0, 1]. */
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Interface instability score s in [0, 1]: chemical instability against Li plus half the
 * Monroe-Newman mechanical score, clamped. The weights are our heuristic, not a literature result.
 */
export function interfaceInstability(e: Pick<Electrolyte, 'chemicalInstability' | 'shearModulusGpa'>): number {
  requireFinite('chemicalInstability', e.chemicalInstability);
  return clamp01(e.chemicalInstability + 0.5 * mechanicalInstability(e.shearModulusGpa));
}

/**
 * Impedance growth delta_R (ohm cm^2) after n cycles at the reference condition (0.5 mAh/cm^2 per
 * cycle, 298 K) for instability s. Throws RangeError for n < 0 or s outside [0, 1].
 */
export function impedanceGrowth(n: number, s: number): number {
  requireFinite('n', n);
  if (n < 0) throw new RangeError(`cycle count must be >= 0, got ${n}`);
  checkScore(s);
  return CALIBRATION.growthPerSqrtCycle * (1 + CALIBRATION.instabilityGrowthGain * s) * Math.sqrt(n);
}

/** Throws RangeError unless s is in [0, 1]. */
function checkScore(s: number): void {
  requireFinite('s', s);
  if (s < 0 || s > 1) throw new RangeError(`instability score must be in [0, 1], got ${s}`);
}

/**
 * One cycle of parabolic growth under varying conditions: returns the new delta_R given the old
 * one, the instability s, the plated charge of the cycle (mAh/cm^2), the cell temperature (K) and a
 * per-cell multiplier. Equals {@link impedanceGrowth} when repeated at the reference condition.
 * Throws RangeError for negative deltaR or charge, s outside [0, 1], or T <= 0.
 */
export function growImpedance(deltaR: number, s: number, chargeMah: number, tK: number, multiplier = 1): number {
  requireFinite('deltaR', deltaR);
  requireFinite('chargeMah', chargeMah);
  if (deltaR < 0 || chargeMah < 0) throw new RangeError('deltaR and chargeMah must be >= 0');
  checkScore(s);
  const k = CALIBRATION.growthPerSqrtCycle * (1 + CALIBRATION.instabilityGrowthGain * s) * multiplier;
  const exposure = (chargeMah / CALIBRATION.referenceChargeMah) * arrheniusRatio(CALIBRATION.growthEaEv, tK, T_298);
  return Math.sqrt(deltaR * deltaR + k * k * exposure);
}

/**
 * Interfacial resistance at temperature tK, ohm cm^2: (rct298 + deltaR) times the Arrhenius factor
 * exp((Ea/k_B)(1/T - 1/298.15)). Throws RangeError for T <= 0 or negative resistances.
 */
export function interfacialResistance(rct298: number, deltaR: number, eaEv: number, tK: number): number {
  requireFinite('rct298', rct298);
  requireFinite('deltaR', deltaR);
  if (rct298 < 0 || deltaR < 0) throw new RangeError('resistances must be >= 0');
  return (rct298 + deltaR) / arrheniusRatio(eaEv, tK, T_298);
}
