/**
 * Evaluation of the board's over-temperature alert on held-out data. For each window the board
 * raises when the forecast OT (degC, CONTRACTS.md "Output and alert value", window.ts forecastC)
 * exceeds the limit at any of the next `horizon` hours; the truth is whether the actual OT exceeds
 * the limit in those hours. Scored three ways:
 *
 * - windows: precision/recall over every window (includes windows already above the limit, where
 *   repeating the last value is trivially right);
 * - onset windows: only windows whose last observed OT is at or below the limit (a real forecast);
 * - events: each upward crossing at row r (OT[r-1] <= limit < OT[r]) is detected when the window
 *   ending at r-1 alerted; its lead time is r - t0, where t0 is the earliest end of the unbroken run
 *   of alerting, below-limit windows ending at r-1 (at most `horizon` hours back).
 *
 * The board's hysteresis only affects when an alert is cleared, so it plays no part here.
 */
import { TARGET, WINDOW, percentile, type EttData, type RowRange } from './data.ts';
import { BOARD_CONFIG } from './config.ts';
import * as stats from '@dendra/core/stats.ts';

const HORIZON = BOARD_CONFIG.horizon;

/** One forecast window: `last` = row of the last observed hour, `forecast` = OT in degC at last+1.. */
export interface AlertWindow {
  last: number;
  forecast: ArrayLike<number>;
}

/** Precision/recall counts of one window set (null where a ratio has no denominator). */
export interface AlertCounts {
  windows: number;
  /** Windows whose actual OT exceeds the limit within the horizon. */
  positives: number;
  alerts: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
}

/** Scores of one forecaster at one limit. */
export interface AlertScores {
  all: AlertCounts;
  onset: AlertCounts;
  events: { count: number; detected: number; recall: number | null; medianLeadH: number | null };
}

/** Alert metrics of the int8 model and the last-value baseline at one limit. */
export interface AlertingAtLimit {
  limitC: number;
  limitSource: string;
  int8: AlertScores;
  lastValue: AlertScores;
}

/** The "alerting" section of the model card and of `dendra eval grid`. */
export interface AlertingReport {
  split: string;
  rows: RowRange;
  definition: string;
  limits: AlertingAtLimit[];
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Median of a non-empty list (mean of the middle two for even lengths); null when empty. */
export function median(v: readonly number[]): number | null {
  return v.length === 0 ? null : stats.median(v);
}

/** Counts true/false positives over windows given alert and truth flags. */
function counts(alert: readonly boolean[], truth: readonly boolean[], keep: readonly boolean[]): AlertCounts {
  let windows = 0, positives = 0, alerts = 0, tp = 0;
  alert.forEach((a, i) => {
    if (!keep[i]) return;
    windows++;
    if (truth[i]) positives++;
    if (a) alerts++;
    if (a && truth[i]) tp++;
  });
  return { windows, positives, alerts, tp, fp: alerts - tp, fn: positives - tp, precision: ratio(tp, alerts), recall: ratio(tp, positives) };
}

/** Exceedance (`> limit`) of any value of ot[from..from+n-1] (truncated at the series end). */
function exceeds(ot: ArrayLike<number>, from: number, n: number, limit: number): boolean {
  for (let i = from; i < Math.min(from + n, ot.length); i++) if (ot[i] > limit) return true;
  return false;
}

/**
 * Scores alert windows against the actual series.
 *
 * @param ot Actual OT per row (degC); window `last` values index into it.
 * @param windows Forecast windows (any order; each forecast holds at least `horizon` values).
 * @param limitC Alert limit (strictly above raises, as the board).
 * @param horizon Hours ahead an alert covers (24 on the board).
 * @returns Counts and ratios; ratios are null when their denominator is 0. Never throws.
 */
export function scoreAlerts(ot: ArrayLike<number>, windows: readonly AlertWindow[], limitC: number, horizon = HORIZON): AlertScores {
  const alert = windows.map((w) => exceeds(w.forecast, 0, horizon, limitC));
  const truth = windows.map((w) => exceeds(ot, w.last + 1, horizon, limitC));
  const below = windows.map((w) => ot[w.last] <= limitC);
  const byLast = new Map(windows.map((w, i) => [w.last, i]));
  const leads: number[] = [];
  let count = 0;
  for (const [last, i] of byLast) {
    const r = last + 1;
    if (!(r < ot.length && below[i] && ot[r] > limitC)) continue;
    count++;
    if (!alert[i]) continue;
    let t0 = last;
    for (let t = last - 1; t >= r - horizon; t--) {
      const k = byLast.get(t);
      if (k === undefined || !alert[k] || !below[k]) break;
      t0 = t;
    }
    leads.push(r - t0);
  }
  return {
    all: counts(alert, truth, alert.map(() => true)),
    onset: counts(alert, truth, below),
    events: { count, detected: leads.length, recall: ratio(leads.length, count), medianLeadH: median(leads) },
  };
}

/** Rows a split forecasts: its own rows, after the `WINDOW` input rows borrowed from the previous split. */
export function forecastRows(r: RowRange): RowRange {
  return { start: r.start + WINDOW, end: r.end };
}

/** Inputs of {@link evaluateAlerting}. */
export interface AlertingInputs {
  data: EttData;
  /** The evaluated split (test), including its WINDOW leading input rows. */
  split: RowRange;
  /** Window start rows (as windowStarts). */
  starts: readonly number[];
  /** int8 model forecast in degC per window (same order as `starts`), from forecastC. */
  int8Forecasts: readonly ArrayLike<number>[];
  /** Extra limits (e.g. the board's own) besides the split's 90th and 95th percentile of OT. */
  extraLimits?: { limitC: number; limitSource: string }[];
}

/**
 * Alert precision/recall/lead of the int8 model and of the last-value baseline (OT stays at the
 * last observed value, so it alerts exactly when OT is already above the limit) on one split, at
 * the 90th and 95th percentile of that split's own OT rows, plus any extra limits.
 */
export function evaluateAlerting(inp: AlertingInputs): AlertingReport {
  const own = forecastRows(inp.split);
  const ot = inp.data.rows.map((r) => r[TARGET]);
  const limits = [
    { limitC: percentile(inp.data, own, TARGET, 90), limitSource: "90th percentile of the split's own OT" },
    { limitC: percentile(inp.data, own, TARGET, 95), limitSource: "95th percentile of the split's own OT" },
    ...(inp.extraLimits ?? []),
  ];
  const model: AlertWindow[] = inp.starts.map((s, k) => ({ last: s + WINDOW - 1, forecast: inp.int8Forecasts[k] }));
  const naive: AlertWindow[] = inp.starts.map((s) => ({ last: s + WINDOW - 1, forecast: new Array<number>(HORIZON).fill(ot[s + WINDOW - 1]) }));
  return {
    split: 'test',
    rows: own,
    definition: 'alert = forecast OT > limit within 24 h of the last observed hour; truth = actual OT > limit within those 24 h; onset = windows whose last OT <= limit; event = upward crossing, lead = hours from the first alert of the unbroken below-limit alert run to the crossing',
    limits: limits.map((l) => ({ ...l, int8: scoreAlerts(ot, model, l.limitC), lastValue: scoreAlerts(ot, naive, l.limitC) })),
  };
}
