/**
 * Windows of the grid model: float batches for training/evaluation, and the int8 input
 * preparation of CONTRACTS.md "Input preparation", which the firmware app and the end-to-end
 * tests must reproduce exactly.
 */
import { InputError } from '@dendra/core/errors.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { roundHalfAway } from '../quant/fixedpoint.ts';
import { N_CHANNELS } from './data.ts';
import { BOARD_LAYOUT, type Layout } from './config.ts';

/** Normalization the input preparation needs (a DendraMeta satisfies it). */
export interface InputNorm {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

export { roundHalfAway };

/** Reads value (t, c) of a time-major window given as rows or as one flat [L*7] array. */
function cell(window: readonly ArrayLike<number>[] | Float32Array, t: number, c: number): number {
  return window instanceof Float32Array ? window[t * N_CHANNELS + c] : window[t][c];
}

/**
 * Quantizes one raw window for the model, exactly as the board does (all f64). Inputs are relative
 * to each channel's last value (the model forecasts the change from now, so the level of the
 * series never has to pass through int8): z = (x[t][c] - x[L-1][c]) / std[c];
 * q = clamp(roundHalfAway(z / in_scale) + in_zp, -128, 127) at X[c][t].
 *
 * @param model The int8 model (its input tensor's scale and zero point are used, as stored: f32).
 * @param norm Per-channel mean and std (the "dendra" metadata).
 * @param window Time-major raw values: L rows of 7 channels, or one flat Float32Array of L*7, where
 *   L is the model's input length (its input tensor [7, L]; 336 for the board model).
 * @returns Int8Array [7*L], node-major.
 * @throws InputError (code `E_DATA`) when the window does not hold L x 7 values; InputError
 *   (code `E_MODEL`) when the model input has no quantization parameters or is not [7, L].
 */
export function prepareInput(model: QModel, norm: InputNorm, window: readonly ArrayLike<number>[] | Float32Array): Int8Array {
  const q = model.tensors[model.inputs[0]]?.quant;
  if (!q) throw new InputError('E_MODEL', 'model input has no quantization parameters');
  const shape = model.tensors[model.inputs[0]].shape;
  const L = shape.length === 2 && shape[0] === N_CHANNELS ? shape[1] : 0;
  if (!(L > 0)) throw new InputError('E_MODEL', `model input is [${shape.join(', ')}], not [${N_CHANNELS}, L]`);
  const rows = window instanceof Float32Array ? window.length / N_CHANNELS : window.length;
  if (rows !== L || (!(window instanceof Float32Array) && window.some((r) => r.length < N_CHANNELS))) {
    throw new InputError('E_DATA', `window must hold ${L} rows of ${N_CHANNELS} values`);
  }
  const scale = q.scale[0];
  const zp = q.zeroPoint[0];
  const out = new Int8Array(N_CHANNELS * L);
  for (let c = 0; c < N_CHANNELS; c++) {
    for (let t = 0; t < L; t++) {
      const z = (cell(window, t, c) - cell(window, L - 1, c)) / norm.std[c];
      const v = roundHalfAway(z / scale) + zp;
      out[c * L + t] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
  }
  return out;
}

/**
 * The forecast in degC the board derives from the int8 output (CONTRACTS.md "Output and alert
 * value"): ot[h] = (y[h] - out_zp) * out_scale * std[target] + x[L-1][target], in f64 with the
 * scale as stored (f32). Peak is the first maximum; lead is the first hour above `limitC` (0: none).
 */
export function forecastC(
  y: ArrayLike<number>, outQ: { scale: ArrayLike<number>; zeroPoint: ArrayLike<number> }, stdTarget: number, lastTarget: number, limitC: number,
): { ot: number[]; peakC: number; peakRaw: number; leadH: number } {
  const ot: number[] = [];
  let peakC = -Infinity;
  let peakRaw = 0;
  let leadH = 0;
  for (let h = 0; h < y.length; h++) {
    const c = (y[h] - outQ.zeroPoint[0]) * Math.fround(outQ.scale[0]) * stdTarget + lastTarget;
    ot.push(c);
    if (c > peakC) {
      peakC = c;
      peakRaw = y[h];
    }
    if (leadH === 0 && c > limitC) leadH = h + 1;
  }
  return { ot, peakC, peakRaw, leadH };
}

/** A batch of float windows: inputs [B, nodes, L] node-major and targets [B, outputs * H] (output-major), flat. */
export interface FloatBatch {
  size: number;
  x: Float32Array;
  y: Float32Array;
}

/**
 * Gathers windows from normalized, time-major rows (`z` = rows * lay.cols values, see
 * normalizeRows): inputs are the node columns of rows [s, s+L) transposed to node-major, targets the
 * output columns at rows [s+L, s+L+H); both relative to the window's last row (as
 * {@link prepareInput}), so the model predicts the change. Default layout: the board's
 * (7 nodes, L 336, OT at H 24).
 */
export function gatherWindows(z: Float32Array, starts: readonly number[], lay: Layout = BOARD_LAYOUT): FloatBatch {
  const b = starts.length;
  const { cols, inputs, outputs } = lay;
  const L = lay.cfg.window;
  const H = lay.cfg.horizon;
  const x = new Float32Array(b * inputs.length * L);
  const y = new Float32Array(b * outputs.length * H);
  starts.forEach((s, k) => {
    const xo = k * inputs.length * L;
    const last = (s + L - 1) * cols;
    for (let t = 0; t < L; t++) {
      const ro = (s + t) * cols;
      inputs.forEach((c, i) => { x[xo + i * L + t] = z[ro + c] - z[last + c]; });
    }
    outputs.forEach((c, o) => {
      const yo = (k * outputs.length + o) * H;
      for (let h = 0; h < H; h++) y[yo + h] = z[(s + L + h) * cols + c] - z[last + c];
    });
  });
  return { size: b, x, y };
}
