/**
 * The cumulative-damage physics estimator: the simulator's own initiation law (physics/ccd.ts,
 * Miner's-rule damage D += dt (1 + kappa s) / t_init(i, CCD(T, P)), plating on charge only) run on
 * what a BMS measures (per-cycle charge current and mean temperature), with NOMINAL constants: the
 * preset's CCD law and instability, the calibrated tau, no per-cell spread (the cells' true
 * multipliers are hidden). No learning. It is the pack model's baseline and the fallback a board
 * could run without a model.
 *
 * Per cycle, with Q2 = integral of i^2 over the charge time and i_pk the peak charge current:
 * 1 / t_init = i^2 / (tau (CCD^2 - i^2)) below the CCD, so dD = (1 + kappa s) Q2 / (tau (CCD^2 - i_pk^2))
 * (exact for a constant charge current), capped at the t_min floor of ccd.ts (Q2 / i_pk^2 charge hours
 * at 1 / t_min). Projected ahead: D(t + N) = D(t) + N x (mean dD over the last window); cycles to
 * initiation = (1 - D(t)) / rate (0 once D(t) >= 1).
 */
import { criticalCurrentDensity } from '../physics/ccd.ts';
import { CALIBRATION, interfaceInstability } from '../physics/impedance.ts';
import type { Electrolyte } from '../physics/electrolytes.ts';

/** Floor of the initiation time, hours (ccd.ts default t_min). */
const T_MIN_H = 0.05;
/** Longest lead the estimator reports, cycles (a cell whose damage does not grow). */
export const MAX_LEAD_CYCLES = 1000;

/** Measured per-cycle inputs of one cell (index j = cycle j + 1). */
export interface DamageInputs {
  q2Chg: readonly number[];
  iChgPk: readonly number[];
  tMean: readonly number[];
}

/**
 * Nominal damage increment per cycle and its running sum. Never throws for finite inputs (a cycle
 * without charge adds 0; a non-positive CCD, impossible for the presets, would throw RangeError
 * from ccd.ts).
 */
export function nominalDamage(s: DamageInputs, e: Electrolyte, pressureMPa: number): { rate: number[]; cum: number[] } {
  const gain = 1 + CALIBRATION.instabilityRateGain * interfaceInstability(e);
  const tau = CALIBRATION.initiationTauH;
  const rate: number[] = [];
  const cum: number[] = [];
  let acc = 0;
  for (let j = 0; j < s.q2Chg.length; j++) {
    const q2 = Math.max(0, s.q2Chg[j]);
    const ipk = Math.max(0, s.iChgPk[j]);
    let d = 0;
    if (q2 > 0 && ipk > 0) {
      const ccd = criticalCurrentDensity(e, s.tMean[j] + 273.15, pressureMPa);
      const cap = (gain * q2) / (ipk * ipk * T_MIN_H);
      d = ipk < ccd ? Math.min(cap, (gain * q2) / (tau * (ccd * ccd - ipk * ipk))) : cap;
    }
    rate.push(d);
    cum.push((acc += d));
  }
  return { rate, cum };
}

/** Damage projected `horizon` cycles past cycle t (1-based), from the mean rate of the last `window` cycles. */
export function projectedDamage(d: { rate: readonly number[]; cum: readonly number[] }, t: number, window: number, horizon: number): number {
  return d.cum[t - 1] + horizon * meanRate(d.rate, t, window);
}

/** Cycles until the nominal damage reaches 1 at the recent rate (0 when already >= 1; capped at {@link MAX_LEAD_CYCLES}). */
export function physicsLead(d: { rate: readonly number[]; cum: readonly number[] }, t: number, window: number): number {
  const left = 1 - d.cum[t - 1];
  if (left <= 0) return 0;
  const r = meanRate(d.rate, t, window);
  return r > 0 ? Math.min(MAX_LEAD_CYCLES, left / r) : MAX_LEAD_CYCLES;
}

function meanRate(rate: readonly number[], t: number, window: number): number {
  const from = Math.max(0, t - window);
  let s = 0;
  for (let j = from; j < t; j++) s += rate[j];
  return t > from ? s / (t - from) : 0;
}
