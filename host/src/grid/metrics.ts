/**
 * Forecast error metrics of the grid model (normalized OT units, over all 24 horizon steps) and
 * the naive baselines the model card compares against.
 */
import { HORIZON, N_CHANNELS, TARGET, WINDOW } from './data.ts';
import { mulberry32 } from '../random.ts';

/** Mean squared and mean absolute error over every (window, horizon step). */
export interface ErrorMetrics {
  mse: number;
  mae: number;
  /** Number of windows scored. */
  windows: number;
}

/** Running sums for {@link ErrorMetrics}. */
export class ErrorAccumulator {
  private se = 0;
  private ae = 0;
  private n = 0;
  private w = 0;

  /** Adds forecasts and targets of `pred.length / 24` windows (both [B,24] flat). */
  add(pred: ArrayLike<number>, target: ArrayLike<number>): void {
    if (pred.length !== target.length || pred.length % HORIZON !== 0) {
      throw new Error(`metrics: ${pred.length} predictions vs ${target.length} targets`);
    }
    for (let i = 0; i < pred.length; i++) {
      const d = pred[i] - target[i];
      this.se += d * d;
      this.ae += Math.abs(d);
    }
    this.n += pred.length;
    this.w += pred.length / HORIZON;
  }

  /** The metrics so far (NaN when nothing was added). */
  result(): ErrorMetrics {
    return { mse: this.se / this.n, mae: this.ae / this.n, windows: this.w };
  }
}

/** Scores of the two naive forecasts on one set of windows. */
export interface BaselineMetrics {
  /** OT at every step = the last observed OT. */
  lastValue: ErrorMetrics;
  /** OT at t+h = OT 24 h earlier (the last day of the window repeated). */
  seasonalNaive24h: ErrorMetrics;
  /** Ridge linear map of the OT window (DLinear-style, S setting; grid/linear.ts), when computed. */
  linearS?: ErrorMetrics;
  /** Ridge linear map of all seven channels' windows (MS setting), when computed. */
  linearMS?: ErrorMetrics;
}

/**
 * Baselines on windows starting at `starts`, from normalized time-major rows `z` (rows*7).
 */
export function baselines(z: Float32Array, starts: readonly number[]): BaselineMetrics {
  const last = new ErrorAccumulator();
  const seasonal = new ErrorAccumulator();
  const p1 = new Float64Array(HORIZON);
  const p2 = new Float64Array(HORIZON);
  const y = new Float64Array(HORIZON);
  const ot = (row: number) => z[row * N_CHANNELS + TARGET];
  for (const s of starts) {
    for (let h = 0; h < HORIZON; h++) {
      y[h] = ot(s + WINDOW + h);
      p1[h] = ot(s + WINDOW - 1);
      p2[h] = ot(s + WINDOW - 24 + h);
    }
    last.add(p1, y);
    seasonal.add(p2, y);
  }
  return { lastValue: last.result(), seasonalNaive24h: seasonal.result() };
}

/** The shared seeded PRNG (host/src/random.ts), re-exported for the grid modules. */
export { mulberry32 };

/** Fisher-Yates shuffle of a copy of `items` with the given PRNG. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
