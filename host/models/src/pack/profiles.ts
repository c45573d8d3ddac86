/**
 * Grid duty cycles and ambient temperature for the pack simulator.
 *
 * A cycle is a list of segments of constant nominal per-cell current density (mA/cm^2, positive =
 * charge = Li plating on the anode). The shapes are stylised, not taken from a data set:
 * - `peak-shaving`: one day; charge overnight (00-06 h), discharge over the evening peak (17-21 h)
 *   with a day-to-day peak size that varies +-15 %; charge and discharge balance.
 * - `solar-smoothing`: one day; cloud-driven hourly charge/discharge through 07-18 h around a solar
 *   bell, with the day's net charge returned in the evening (18-22 h).
 * - `constant`: the symmetric-cell laboratory protocol of the seed: 1 h at +i, 1 h at -i.
 */
import type { Rng } from './rng.ts';

/** Duty-cycle names. */
export type Duty = 'peak-shaving' | 'solar-smoothing' | 'constant';
/** All duty names. */
export const DUTIES: readonly Duty[] = ['peak-shaving', 'solar-smoothing', 'constant'];

/** One constant-current piece of a cycle. */
export interface Segment {
  /** Nominal per-cell current density, mA/cm^2 (positive = charge). */
  i: number;
  /** Duration, hours. */
  dtH: number;
  /** Hour of day at the middle of the segment (for the ambient model). */
  hour: number;
}

/** Hourly segments for one day from a 24-entry current array. */
function hourly(cur: number[]): Segment[] {
  return cur.map((i, h) => ({ i, dtH: 1, hour: h + 0.5 }));
}

function peakShaving(iNom: number, rng: Rng): Segment[] {
  const f = Math.min(1.4, Math.max(0.6, 1 + 0.15 * rng.normal()));
  const cur = new Array<number>(24).fill(0);
  for (let h = 0; h < 6; h++) cur[h] = (iNom * f * 4) / 6;
  for (let h = 17; h < 21; h++) cur[h] = -iNom * f;
  return hourly(cur);
}

function solarSmoothing(iNom: number, rng: Rng): Segment[] {
  const cur = new Array<number>(24).fill(0);
  let net = 0;
  for (let h = 7; h < 18; h++) {
    const bell = Math.sin((Math.PI * (h + 0.5 - 7)) / 11);
    const cloud = rng.normal();
    const i = iNom * (0.5 * bell + 0.6 * cloud);
    cur[h] = Math.max(-1.3 * iNom, Math.min(1.3 * iNom, i));
    net += cur[h];
  }
  for (let h = 18; h < 22; h++) cur[h] = -net / 4;
  return hourly(cur);
}

/**
 * The segments of one cycle for a duty at nominal current density iNom (mA/cm^2). Random day-to-day
 * variation is drawn from `rng`. Throws RangeError for an unknown duty or a negative iNom.
 */
export function cycleSegments(duty: Duty, iNom: number, rng: Rng): Segment[] {
  if (!(iNom >= 0) || !Number.isFinite(iNom)) throw new RangeError(`current density must be >= 0, got ${iNom}`);
  switch (duty) {
    case 'peak-shaving':
      return peakShaving(iNom, rng);
    case 'solar-smoothing':
      return solarSmoothing(iNom, rng);
    case 'constant':
      return [{ i: iNom, dtH: 1, hour: 12 }, { i: -iNom, dtH: 1, hour: 12 }];
    default:
      throw new RangeError(`unknown duty '${String(duty)}' (one of: ${DUTIES.join(', ')})`);
  }
}

/** Ambient temperature model parameters, degrees C. */
export interface AmbientParams {
  meanC: number;
  /** Half peak-to-peak daily swing (peak at 15 h). */
  dailySwingC: number;
  /** Half peak-to-peak seasonal swing over 365 cycles. */
  seasonalSwingC: number;
}

/** Ambient temperature in kelvin on cycle `cycle` at hour of day `hour`. */
export function ambientK(p: AmbientParams, cycle: number, hour: number): number {
  const season = p.seasonalSwingC * Math.sin((2 * Math.PI * cycle) / 365);
  const day = p.dailySwingC * Math.sin((2 * Math.PI * (hour - 9)) / 24);
  return 273.15 + p.meanC + season + day;
}
