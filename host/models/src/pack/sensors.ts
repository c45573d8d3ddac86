/**
 * What a BMS measures, not what the simulator knows: each cell's per-cycle telemetry passed through
 * a seeded sensor model before any feature is built (dataset.ts). Per cell, fixed for its life: a
 * current-sensor gain error, a voltage offset, a thermistor offset; drifting: the thermistor
 * (random walk per cycle) and the impedance measurement (relative random walk); per reading:
 * white noise on every channel; and dropouts: a cell's reading of a cycle is lost and the BMS
 * repeats the previous cycle's (as the BMS export reader does, bms.ts). The magnitudes are assumed
 * (typical of a grid BMS: 0.5 % current accuracy, mV voltage, +-1 C thermistors, a few % impedance
 * from a pulse test), not taken from a data sheet.
 */
import { Rng } from './rng.ts';
import type { CellSeries } from './cell.ts';

/** Sensor-model magnitudes (standard deviations unless stated). */
export interface SensorModel {
  /** Relative gain error of the current sensor, per cell. */
  currentGain: number;
  /** Relative noise of a cycle's current statistics. */
  currentNoise: number;
  /** Voltage offset per cell and noise per reading, V. */
  voltOffset: number;
  voltNoise: number;
  /** Thermistor offset per cell, random-walk step per cycle and noise per reading, C. */
  tempOffset: number;
  tempDrift: number;
  tempNoise: number;
  /** Relative impedance noise per reading and relative random-walk step per cycle. */
  impedanceNoise: number;
  impedanceDrift: number;
  /** Probability that a cell's reading of a cycle is lost (repeated from the previous cycle). */
  dropout: number;
}

/** The sensor model of the training data and the replay. */
export const BMS_SENSORS: SensorModel = {
  currentGain: 0.005, currentNoise: 0.01, voltOffset: 0.003, voltNoise: 0.003,
  tempOffset: 0.7, tempDrift: 0.03, tempNoise: 0.3, impedanceNoise: 0.03, impedanceDrift: 0.003, dropout: 0.02,
};

const CHANNELS = ['iPeak', 'iRms', 'vMax', 'vMin', 'tMean', 'tMax', 'rInt', 'soc', 'q2Chg', 'iChgPk'] as const;

/**
 * One cell's telemetry as its BMS reports it (deterministic in `rng`'s state). Cycle 1 is never a
 * dropout (a record starts with a reading). Never throws; the input is not modified.
 */
export function measureCell(s: CellSeries, m: SensorModel, rng: Rng): CellSeries {
  const gain = 1 + m.currentGain * rng.normal();
  const vOff = m.voltOffset * rng.normal();
  let tOff = m.tempOffset * rng.normal();
  let zDrift = 0;
  const out = Object.fromEntries(CHANNELS.map((c) => [c, [] as number[]])) as unknown as CellSeries;
  const n = s.iPeak.length;
  for (let j = 0; j < n; j++) {
    tOff += m.tempDrift * rng.normal();
    zDrift += m.impedanceDrift * rng.normal();
    const lost = j > 0 && rng.next() < m.dropout;
    const ni = () => gain * (1 + m.currentNoise * rng.normal());
    const r = {
      iPeak: s.iPeak[j] * ni(), iRms: s.iRms[j] * ni(), q2Chg: s.q2Chg[j] * ni() ** 2, iChgPk: s.iChgPk[j] * ni(),
      vMax: s.vMax[j] + vOff + m.voltNoise * rng.normal(), vMin: s.vMin[j] + vOff + m.voltNoise * rng.normal(),
      tMean: s.tMean[j] + tOff + m.tempNoise * rng.normal(), tMax: s.tMax[j] + tOff + m.tempNoise * rng.normal(),
      rInt: s.rInt[j] * (1 + zDrift) * (1 + m.impedanceNoise * rng.normal()), soc: s.soc[j],
    };
    for (const c of CHANNELS) out[c].push(lost ? out[c][j - 1] : r[c]);
  }
  return out;
}

/** Every cell of a pack through the sensor model, seeded by `seed` (cell k uses its own stream). */
export function measurePack(series: readonly CellSeries[], seed: number, m: SensorModel = BMS_SENSORS): CellSeries[] {
  const root = new Rng(seed).fork('bms-sensors');
  return series.map((s, k) => measureCell(s, m, root.fork(`cell-${k}`)));
}
