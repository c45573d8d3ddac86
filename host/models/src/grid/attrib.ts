/**
 * Input attribution of the grid model's alerts (CONTRACTS.md "Alert attribution"), host side.
 *
 * - {@link occlusionDeltas}: what the board computes when it raises an alert
 *   (firmware/assembly/app/grid/attrib.ts): each channel's int8 input row is set to the input zero
 *   point (z = 0, "no change from the last value"), the model is re-run, and the channel's value
 *   is the peak forecast (degC) with every channel minus the peak with that channel occluded.
 *   Bit-exact with the board given a bit-exact int8 runner (the host executor or the firmware
 *   engine), since every step is the same f64 arithmetic on the same int8 outputs.
 * - {@link shapleyValues}: the exact Shapley value of each channel for the same game (the peak
 *   forecast with the absent channels occluded), over all 2^n coalitions.
 * - {@link topInputs}: the ranking the alert payload's `top` carries.
 */
import { InputError } from '@dendra/core/errors.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { runInt8 } from '../quant/executor.ts';
import { CHANNELS } from './data.ts';
import { forecastC } from './window.ts';

/** One int8 inference: the model input in, the model output out (e.g. runInt8 or a firmware Engine). */
export type Int8Runner = (input: Int8Array) => Int8Array;

/** Entries of the alert payload's `top` array. */
export const TOP_K = 3;

/** Largest channel count {@link shapleyValues} accepts (2^n inferences). */
export const MAX_SHAPLEY_CHANNELS = 12;

/** What turns an int8 output into the peak forecast in degC, and where the input rows are. */
export interface AttribContext {
  /** Channels (rows of the node-major input). */
  nChannels: number;
  /** Hours per row. */
  window: number;
  /** Input zero point: the quantized "no change" value an occluded row is filled with. */
  inputZeroPoint: number;
  /** Output quantization (scale as stored, f32). */
  outQ: { scale: ArrayLike<number>; zeroPoint: ArrayLike<number> };
  /** std of the target channel (the metadata's, f32). */
  stdTarget: number;
  /** The target channel's last raw value in the window (degC). */
  lastTarget: number;
}

/**
 * The context of one window of `model`.
 * @param meta The model's "dendra" metadata (nChannels, window, target, std).
 * @param lastTarget The window's last raw value of the target channel.
 * @throws InputError `E_MODEL` when the model's input or output has no quantization parameters
 *   or its input size is not nChannels x window.
 */
export function attribContext(
  model: QModel, meta: { nChannels: number; window: number; target: number; std: ArrayLike<number> }, lastTarget: number,
): AttribContext {
  const inT = model.tensors[model.inputs[0]];
  const outT = model.tensors[model.outputs[0]];
  if (!inT?.quant || !outT?.quant) throw new InputError('E_MODEL', 'model input/output has no quantization parameters');
  const size = inT.shape.reduce((a, b) => a * b, 1);
  if (size !== meta.nChannels * meta.window) {
    throw new InputError('E_MODEL', `model input has ${size} values, metadata says ${meta.nChannels} x ${meta.window}`);
  }
  return {
    nChannels: meta.nChannels, window: meta.window, inputZeroPoint: inT.quant.zeroPoint[0],
    outQ: outT.quant, stdTarget: meta.std[meta.target], lastTarget,
  };
}

/** A runner over the host int8 executor for `model`. */
export function hostRunner(model: QModel): Int8Runner {
  return (x) => runInt8(model, x);
}

/**
 * A copy of `input` with the rows of the channels whose bit is set in `absentMask` filled with the
 * input zero point (bit c = channel c).
 * @throws InputError `E_DATA` when `input` does not hold nChannels x window values.
 */
export function occlude(input: Int8Array, absentMask: number, ctx: AttribContext): Int8Array {
  if (input.length !== ctx.nChannels * ctx.window) {
    throw new InputError('E_DATA', `input has ${input.length} values, expected ${ctx.nChannels * ctx.window}`);
  }
  const x = input.slice();
  for (let c = 0; c < ctx.nChannels; c++) {
    if (absentMask & (1 << c)) x.fill(ctx.inputZeroPoint, c * ctx.window, (c + 1) * ctx.window);
  }
  return x;
}

/** Peak forecast (degC) of an int8 output, exactly as the board reads it (first maximum). */
export function peakC(y: ArrayLike<number>, ctx: AttribContext): number {
  return forecastC(y, ctx.outQ, ctx.stdTarget, ctx.lastTarget, Infinity).peakC;
}

/**
 * The board's occlusion attribution: delta[c] = peak(all channels) - peak(channel c occluded), in
 * degC; n + 1 inferences.
 * @throws InputError `E_DATA` for an input of the wrong size; whatever `run` throws.
 */
export function occlusionDeltas(run: Int8Runner, input: Int8Array, ctx: AttribContext): Float64Array {
  const full = peakC(run(occlude(input, 0, ctx)), ctx);
  const out = new Float64Array(ctx.nChannels);
  for (let c = 0; c < ctx.nChannels; c++) out[c] = full - peakC(run(occlude(input, 1 << c, ctx)), ctx);
  return out;
}

/**
 * Exact Shapley values of the game v(S) = peak forecast (degC) with the channels outside S
 * occluded: phi[i] = sum over S not holding i of |S|! (n-|S|-1)! / n! * (v(S+i) - v(S)).
 * 2^n inferences (128 for the grid model); sum(phi) = v(all) - v(none).
 * @throws InputError `E_DATA` for an input of the wrong size; `E_USAGE` when nChannels exceeds
 *   {@link MAX_SHAPLEY_CHANNELS}; whatever `run` throws.
 */
export function shapleyValues(run: Int8Runner, input: Int8Array, ctx: AttribContext): Float64Array {
  const n = ctx.nChannels;
  if (n > MAX_SHAPLEY_CHANNELS) throw new InputError('E_USAGE', `exact Shapley over ${n} channels is too costly (max ${MAX_SHAPLEY_CHANNELS})`);
  const all = (1 << n) - 1;
  const v = new Float64Array(1 << n);
  for (let present = 0; present <= all; present++) v[present] = peakC(run(occlude(input, all & ~present, ctx)), ctx);
  const fact = [1];
  for (let k = 1; k <= n; k++) fact.push(fact[k - 1] * k);
  const phi = new Float64Array(n);
  for (let s = 0; s <= all; s++) {
    let size = 0;
    for (let b = s; b; b &= b - 1) size++;
    if (size === n) continue;
    const w = (fact[size] * fact[n - size - 1]) / fact[n];
    for (let i = 0; i < n; i++) if (!(s & (1 << i))) phi[i] += w * (v[s | (1 << i)] - v[s]);
  }
  return phi;
}

/** One entry of an alert's `top` (the payload carries `input` and `delta_c` rounded to 2 decimals). */
export interface TopInput {
  /** Channel name (ETT order for a 7-channel model, else `ch<index>`). */
  input: string;
  /** Channel index. */
  channel: number;
  /** The attribution value (degC), unrounded. */
  value: number;
}

/** Name of channel c as the board writes it: the ETT order for 7 channels, else `ch<c>`. */
export function channelName(c: number, nChannels: number): string {
  return nChannels === CHANNELS.length ? CHANNELS[c] : `ch${c}`;
}

/**
 * The `k` channels with the largest |value|, largest first, ties broken by the lower channel index
 * (the board's order). Returns min(k, values.length) entries; never throws.
 */
export function topInputs(values: ArrayLike<number>, k = TOP_K): TopInput[] {
  const idx = Array.from({ length: values.length }, (_, c) => c);
  idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  return idx.slice(0, k).map((c) => ({ input: channelName(c, values.length), channel: c, value: values[c] }));
}

/** True when two rankings hold the same channels (order ignored). */
export function sameSet(a: readonly TopInput[], b: readonly TopInput[]): boolean {
  const s = new Set(a.map((t) => t.channel));
  return a.length === b.length && b.every((t) => s.has(t.channel));
}
