/**
 * Forecast error metrics of the grid model (normalized units, over every horizon step and every
 * forecast channel) and the naive baselines the model card compares against.
 */
import { BOARD_LAYOUT, type Layout } from './config.ts';

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

  /** @param perWindow Forecast values per window (outputs x horizon; default the board's 24). */
  constructor(private readonly perWindow: number = BOARD_LAYOUT.perWindow) {}

  /**
   * Adds forecasts and targets of `pred.length / perWindow` windows (both flat).
   *
   * @throws Error when the lengths differ or are not whole windows.
   */
  add(pred: ArrayLike<number>, target: ArrayLike<number>): void {
    if (pred.length !== target.length || pred.length % this.perWindow !== 0) {
      throw new Error(`metrics: ${pred.length} predictions vs ${target.length} targets`);
    }
    for (let i = 0; i < pred.length; i++) {
      const d = pred[i] - target[i];
      this.se += d * d;
      this.ae += Math.abs(d);
    }
    this.n += pred.length;
    this.w += pred.length / this.perWindow;
  }

  /** The metrics so far (NaN when nothing was added). */
  result(): ErrorMetrics {
    return { mse: this.se / this.n, mae: this.ae / this.n, windows: this.w };
  }
}

/** Scores of the two naive forecasts on one set of windows. */
export interface BaselineMetrics {
  /** Every step = the last observed value (of each forecast channel). */
  lastValue: ErrorMetrics;
  /** Value at t+h = value at the same hour of the window's last day (that day repeated). */
  seasonalNaive24h: ErrorMetrics;
  /** Ridge linear map of the OT window (DLinear-style, S setting; grid/linear.ts), when computed. */
  linearS?: ErrorMetrics;
  /** Ridge linear map of all seven channels' windows (MS setting), when computed. */
  linearMS?: ErrorMetrics;
  /** Ridge linear map of each channel's own window, shared by the 7 channels (M setting, DLinear individual=False). */
  linearM?: ErrorMetrics;
}

/**
 * Baselines on windows starting at `starts`, from normalized time-major rows `z` (rows * lay.cols),
 * for the output channels and horizon of `lay` (default: the board's, OT at 24 h).
 */
export function baselines(z: Float32Array, starts: readonly number[], lay: Layout = BOARD_LAYOUT): BaselineMetrics {
  const L = lay.cfg.window;
  const H = lay.cfg.horizon;
  const last = new ErrorAccumulator(lay.perWindow);
  const seasonal = new ErrorAccumulator(lay.perWindow);
  const p1 = new Float64Array(lay.perWindow);
  const p2 = new Float64Array(lay.perWindow);
  const y = new Float64Array(lay.perWindow);
  for (const s of starts) {
    lay.outputs.forEach((c, o) => {
      const v = (row: number) => z[row * lay.cols + c];
      for (let h = 0; h < H; h++) {
        y[o * H + h] = v(s + L + h);
        p1[o * H + h] = v(s + L - 1);
        p2[o * H + h] = v(s + L - 24 + (h % 24));
      }
    });
    last.add(p1, y);
    seasonal.add(p2, y);
  }
  return { lastValue: last.result(), seasonalNaive24h: seasonal.result() };
}

