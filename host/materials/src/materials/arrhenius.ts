/**
 * Arrhenius law for ionic conductivity, the form used for solid electrolytes (thermally activated
 * hopping; A. R. West, "Solid State Chemistry and its Applications", 2nd ed., ch. 8):
 *
 *   σ(T) = (A / T) exp(-Ea / (k_B T))      ⇔      ln(σ T) = ln A - Ea / (k_B T)
 *
 * with σ in S/cm, T in K, A in S·K/cm and Ea in eV. A temperature series is fitted by ordinary
 * least squares of ln(σT) on 1/T; a room-temperature σ plus a known Ea fixes A.
 */
import { BOLTZMANN_EV } from '@dendra/models/physics/constants.ts';

/** Room temperature used for OBELiX's conductivities, K. */
export const ROOM_T = 298.15;

/** Arrhenius parameters. */
export interface Arrhenius {
  /** Activation energy, eV. */
  readonly eaEv: number;
  /** Pre-exponential factor A, S·K/cm. */
  readonly a: number;
}

/** One measurement of a series. */
export interface SeriesPoint { readonly t: number; readonly sigma: number }

/** A fit with its quality. */
export interface ArrheniusFit extends Arrhenius {
  /** R² of ln(σT) against 1/T. */
  readonly r2: number;
  readonly n: number;
}

/**
 * σ(T) in S/cm. @throws RangeError for T <= 0 or A <= 0.
 */
export function sigmaAt(p: Arrhenius, t: number): number {
  if (!(t > 0) || !(p.a > 0)) throw new RangeError(`Arrhenius needs T > 0 and A > 0 (T=${t}, A=${p.a})`);
  return (p.a / t) * Math.exp(-p.eaEv / (BOLTZMANN_EV * t));
}

/**
 * Parameters from σ at one temperature and a known Ea: A = σ T exp(Ea / k_B T).
 * @throws RangeError for σ <= 0 or T <= 0.
 */
export function fromPoint(sigma: number, t: number, eaEv: number): Arrhenius {
  if (!(sigma > 0) || !(t > 0)) throw new RangeError(`need σ > 0 and T > 0 (σ=${sigma}, T=${t})`);
  return { eaEv, a: sigma * t * Math.exp(eaEv / (BOLTZMANN_EV * t)) };
}

/**
 * Least-squares fit of a temperature series.
 * @throws RangeError with fewer than 2 distinct temperatures or a non-positive σ or T.
 */
export function fitArrhenius(points: readonly SeriesPoint[]): ArrheniusFit {
  for (const p of points) if (!(p.t > 0) || !(p.sigma > 0)) throw new RangeError(`σ and T must be > 0 (T=${p.t}, σ=${p.sigma})`);
  const x = points.map((p) => 1 / p.t), y = points.map((p) => Math.log(p.sigma * p.t));
  const n = points.length;
  const mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i] - mx) ** 2; sxy += (x[i] - mx) * (y[i] - my); syy += (y[i] - my) ** 2; }
  if (n < 2 || !(sxx > 0)) throw new RangeError('an Arrhenius fit needs at least 2 distinct temperatures');
  const slope = sxy / sxx;
  const sse = y.reduce((s, v, i) => s + (v - (my + slope * (x[i] - mx))) ** 2, 0);
  return { eaEv: -slope * BOLTZMANN_EV, a: Math.exp(my - slope * mx), r2: syy > 0 ? 1 - sse / syy : 1, n };
}
