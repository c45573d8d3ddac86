/**
 * Windows of the grid model: float batches for training/evaluation, and the int8 input
 * preparation of CONTRACTS.md "Input preparation", which the firmware app and the end-to-end
 * tests must reproduce exactly.
 */
import { InputError } from '../errors.ts';
import type { QModel } from '../tflite/ir.ts';
import { HORIZON, N_CHANNELS, TARGET, WINDOW } from './data.ts';

/** Normalization the input preparation needs (a DendraMeta satisfies it). */
export interface InputNorm {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

/** TFLite/TFLite Micro rounding: half away from zero. */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/** Reads value (t, c) of a time-major window given as rows or as one flat [96*7] array. */
function cell(window: readonly ArrayLike<number>[] | Float32Array, t: number, c: number): number {
  return window instanceof Float32Array ? window[t * N_CHANNELS + c] : window[t][c];
}

/**
 * Quantizes one raw window for the model, exactly as the board does (all f64):
 * z = (x - mean[c]) / std[c]; q = clamp(roundHalfAway(z / in_scale) + in_zp, -128, 127) at X[c][t].
 *
 * @param model The int8 model (its input tensor's scale and zero point are used, as stored: f32).
 * @param norm Per-channel mean and std (the "dendra" metadata).
 * @param window Time-major raw values: 96 rows of 7 channels, or one flat Float32Array of 96*7.
 * @returns Int8Array [7*96], node-major.
 * @throws InputError (code `E_DATA`) when the window does not hold 96 x 7 values; InputError
 *   (code `E_MODEL`) when the model input has no quantization parameters.
 */
export function prepareInput(model: QModel, norm: InputNorm, window: readonly ArrayLike<number>[] | Float32Array): Int8Array {
  const q = model.tensors[model.inputs[0]]?.quant;
  if (!q) throw new InputError('E_MODEL', 'model input has no quantization parameters');
  const rows = window instanceof Float32Array ? window.length / N_CHANNELS : window.length;
  if (rows !== WINDOW || (!(window instanceof Float32Array) && window.some((r) => r.length < N_CHANNELS))) {
    throw new InputError('E_DATA', `window must hold ${WINDOW} rows of ${N_CHANNELS} values`);
  }
  const scale = q.scale[0];
  const zp = q.zeroPoint[0];
  const out = new Int8Array(N_CHANNELS * WINDOW);
  for (let c = 0; c < N_CHANNELS; c++) {
    for (let t = 0; t < WINDOW; t++) {
      const z = (cell(window, t, c) - norm.mean[c]) / norm.std[c];
      const v = roundHalfAway(z / scale) + zp;
      out[c * WINDOW + t] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
  }
  return out;
}

/** A batch of float windows: inputs [B,7,96] node-major and targets [B,24], flat. */
export interface FloatBatch {
  size: number;
  x: Float32Array;
  y: Float32Array;
}

/**
 * Gathers windows from normalized, time-major rows (`z` = rows*7 values, see normalizeRows):
 * inputs are rows [s, s+96) transposed to node-major, targets are OT at rows [s+96, s+120).
 */
export function gatherWindows(z: Float32Array, starts: readonly number[]): FloatBatch {
  const b = starts.length;
  const x = new Float32Array(b * N_CHANNELS * WINDOW);
  const y = new Float32Array(b * HORIZON);
  starts.forEach((s, k) => {
    const xo = k * N_CHANNELS * WINDOW;
    for (let t = 0; t < WINDOW; t++) {
      const ro = (s + t) * N_CHANNELS;
      for (let c = 0; c < N_CHANNELS; c++) x[xo + c * WINDOW + t] = z[ro + c];
    }
    for (let h = 0; h < HORIZON; h++) y[k * HORIZON + h] = z[(s + WINDOW + h) * N_CHANNELS + TARGET];
  });
  return { size: b, x, y };
}
