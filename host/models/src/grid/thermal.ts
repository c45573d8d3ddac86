/**
 * The top-oil thermal prior: the first-order (exponential) response of the top-oil temperature rise
 * to the load, as in the loading guides IEC 60076-7 (exponential equations, clause 8.2.2) and IEEE
 * C57.91 (clause 7, "top-oil rise"). In steady state the top-oil rise at load factor K is
 * dTheta_o = dTheta_or * ((1 + R K^2) / (1 + R))^x; after a load step it approaches that value with
 * time constant k11 * tau_o:  k11 tau_o d(dTheta_o)/dt = dTheta_or ((1 + R K^2)/(1 + R))^x - dTheta_o.
 *
 * Parameters used (the guides' defaults for an ONAN distribution transformer, which ETTh1's is
 * taken to be; its rating is not published): oil exponent x = 0.8, loss ratio R = 5, oil time
 * constant tau_o = 180 min, k11 = 1. These are the values we take from IEC 60076-7:2018 Table 4 and
 * IEEE C57.91-2011 (n = 0.8 for ONAN); Dendra's search corpus holds no copy of either standard, so
 * they were not re-checked against the text here.
 *
 * ETTh1 has no rated current: K is the apparent power of the high-voltage side,
 * sqrt(HUFL^2 + HULL^2) (useful and "useless" load as active and reactive parts), over its 99th
 * percentile on the training rows. The prior is the normalized rise (dTheta_or = 1), discretized
 * exactly for hourly rows: theta[t] = a theta[t-1] + (1 - a) u[t], a = exp(-60 / (k11 tau_o)),
 * theta[0] = u[0]. It is causal (uses rows up to t only), so it leaks nothing from the future.
 */
import type { EttData, RowRange } from './data.ts';

/** The thermal parameters (see the file comment for the source). */
export const THERMAL = Object.freeze({
  oilExponent: 0.8,
  lossRatio: 5,
  tauOilMin: 180,
  k11: 1,
  ratedPercentile: 99,
  source: 'IEC 60076-7:2018 exponential equations (Table 4, ONAN distribution transformer: x = 0.8, R = 5, tau_o = 180 min, k11 = 1); IEEE C57.91-2011 clause 7 (n = 0.8 ONAN); values not re-checked against the standards text (not in the search corpus)',
});

/** Apparent power of the HV side per row: sqrt(HUFL^2 + HULL^2). */
function apparent(row: ArrayLike<number>): number {
  return Math.hypot(row[0], row[1]);
}

/**
 * The thermal prior for every row of `data` (f64), with the rating from the rows of `train`.
 *
 * @throws RangeError when `train` is empty or the load is zero on all its rows.
 */
export function thermalPrior(data: EttData, train: RowRange): Float64Array {
  const s = data.rows.slice(train.start, train.end).map(apparent).sort((x, y) => x - y);
  if (s.length === 0) throw new RangeError('thermal prior: empty training range');
  const rated = s[Math.min(s.length - 1, Math.floor((THERMAL.ratedPercentile / 100) * (s.length - 1)))];
  if (!(rated > 0)) throw new RangeError('thermal prior: zero load on every training row');
  const { oilExponent: x, lossRatio: R, tauOilMin, k11 } = THERMAL;
  const a = Math.exp(-60 / (k11 * tauOilMin));
  const out = new Float64Array(data.rows.length);
  let theta = NaN;
  data.rows.forEach((row, t) => {
    const k = apparent(row) / rated;
    const u = ((1 + R * k * k) / (1 + R)) ** x;
    theta = t === 0 ? u : a * theta + (1 - a) * u;
    out[t] = theta;
  });
  return out;
}

/** A copy of `data` whose rows carry the thermal prior as an 8th column (f32). */
export function withThermal(data: EttData, train: RowRange): EttData {
  const prior = thermalPrior(data, train);
  return {
    source: data.source, dates: data.dates,
    rows: data.rows.map((r, t) => {
      const o = new Float32Array(r.length + 1);
      o.set(r);
      o[r.length] = prior[t];
      return o;
    }),
  };
}
