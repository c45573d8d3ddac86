import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BMS_SENSORS, measureCell, measurePack, type SensorModel } from './sensors.ts';
import { Rng } from './rng.ts';
import type { CellSeries } from './cell.ts';

const n = 400;
const truth = (): CellSeries => ({
  iPeak: Array(n).fill(0.3), iRms: Array(n).fill(0.2), vMax: Array(n).fill(4.1), vMin: Array(n).fill(3.2), tMean: Array(n).fill(25),
  tMax: Array(n).fill(27), rInt: Array(n).fill(50), soc: Array(n).fill(0.5), q2Chg: Array(n).fill(0.27), iChgPk: Array(n).fill(0.2),
});
const none: SensorModel = { currentGain: 0, currentNoise: 0, voltOffset: 0, voltNoise: 0, tempOffset: 0, tempDrift: 0, tempNoise: 0, impedanceNoise: 0, impedanceDrift: 0, dropout: 0 };

test('a perfect sensor model reports the truth; the input is not modified', () => {
  const s = truth();
  const m = measureCell(s, none, new Rng(3));
  assert.deepEqual(m, truth());
  assert.deepEqual(s, truth());
});

test('BMS sensors: noisy, per-cell offsets, deterministic in the seed, cells differ', () => {
  const a = measurePack([truth(), truth()], 7);
  assert.deepEqual(a, measurePack([truth(), truth()], 7), 'same seed, same readings');
  assert.notDeepEqual(a, measurePack([truth(), truth()], 8));
  assert.notDeepEqual(a[0].tMean, a[1].tMean, 'each cell has its own sensor');
  const meanErr = (v: number[], t: number) => v.reduce((s, x) => s + x - t, 0) / v.length;
  const sdErr = (v: number[], t: number) => Math.sqrt(v.reduce((s, x) => s + (x - t) ** 2, 0) / v.length);
  assert.ok(sdErr(a[0].tMean, 25) > 0.2 && sdErr(a[0].tMean, 25) < 5, `thermistor error sd ${sdErr(a[0].tMean, 25)}`);
  assert.ok(Math.abs(meanErr(a[0].iRms, 0.2)) < 0.01, 'current readings are unbiased to within the gain error');
  assert.ok(a.every((c) => c.rInt.some((z) => z !== 50)), 'impedance is noisy');
});

test('a dropout repeats the previous cycle on every channel; cycle 1 is always read', () => {
  const s = truth();
  s.tMean = s.tMean.map((_, j) => 20 + j);
  const m = measureCell(s, { ...none, dropout: 0.3 }, new Rng(1));
  let lost = 0;
  for (let j = 1; j < n; j++) {
    if (m.tMean[j] === m.tMean[j - 1]) { lost++; assert.equal(m.rInt[j], m.rInt[j - 1]); } else assert.equal(m.tMean[j], 20 + j);
  }
  assert.equal(m.tMean[0], 20);
  assert.ok(lost > 0.2 * n && lost < 0.4 * n, `${lost} dropouts at p = 0.3`);
  assert.ok(BMS_SENSORS.dropout > 0 && BMS_SENSORS.tempDrift > 0 && BMS_SENSORS.impedanceDrift > 0, 'the shipped model has dropouts and drift');
});
