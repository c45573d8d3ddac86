/**
 * Shared plumbing of the int8 reference kernels: the prepared-op interface, validation helpers
 * that throw InputError (code `E_MODEL`) naming the op, and TFLite's activation ranges.
 */
import { InputError } from '@dendra/core/errors.ts';
import type { QActivation, QModel, QOp, QParams, QTensor } from '@dendra/core/tflite/ir.ts';
import { roundHalfAway } from '../fixedpoint.ts';

/** Runtime values of all tensors of a model, by tensor index (constants preloaded). */
export type Values = (Int8Array | Int32Array | Float32Array | undefined)[];

/** An op after prepare: multipliers precomputed, shapes checked. */
export interface PreparedOp {
  /** Reads its inputs from `values`, writes a new output array to `values[output]`. */
  eval(values: Values): void;
}

/** Where an op sits, for error messages. */
export interface OpSite {
  model: QModel;
  op: QOp;
  index: number;
}

/** Throws InputError `E_MODEL`: "op <k> (<OP>): <msg>". */
export function opError(site: OpSite, msg: string): never {
  throw new InputError('E_MODEL', `op ${site.index} (${site.op.op}): ${msg}`.replace(/[\u0000-\u001f\u007f]/g, ' '));
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/** Input `i` of the op as a tensor, or null when absent/optional (-1). */
export function optionalInput(site: OpSite, i: number): QTensor | null {
  const idx = site.op.inputs[i];
  if (idx === undefined || idx < 0) return null;
  return site.model.tensors[idx] ?? opError(site, `input ${i} names tensor ${idx}, which does not exist`);
}

/** Input `i`, which must exist and have the given type. */
export function input(site: OpSite, i: number, type: QTensor['type']): QTensor {
  const t = optionalInput(site, i) ?? opError(site, `input ${i} is missing`);
  if (t.type !== type) opError(site, `input ${i} (${t.name}) is ${t.type}, want ${type}`);
  return t;
}

/** The single output, which must have the given type. */
export function output(site: OpSite, type: QTensor['type']): QTensor {
  if (site.op.outputs.length !== 1) opError(site, `has ${site.op.outputs.length} outputs, want 1`);
  const t = site.model.tensors[site.op.outputs[0]] ?? opError(site, `output names a missing tensor`);
  if (t.type !== type) opError(site, `output ${t.name} is ${t.type}, want ${type}`);
  return t;
}

/**
 * Per-tensor quantization of a tensor (one scale and zero point). The scale is returned as the f32
 * the .tflite stores (Math.fround), so an in-memory QModel runs exactly as its written file.
 */
export function perTensor(site: OpSite, t: QTensor): { scale: number; zeroPoint: number } {
  const q: QParams | undefined = t.quant;
  if (!q || q.scale.length !== 1) opError(site, `tensor ${t.name} needs per-tensor quantization`);
  const zp = q.zeroPoint[0];
  if (t.type === 'int8' && (zp < -128 || zp > 127)) opError(site, `tensor ${t.name} zero point ${zp} is outside int8`);
  return { scale: Math.fround(q.scale[0]), zeroPoint: zp };
}

/**
 * CalculateActivationRangeQuantized for int8 (kernel_util.cc): bounds are zp + round(f / scale),
 * with f / scale computed in f32 and rounded half away from zero, clamped to [-128, 127]:
 * RELU [0, inf), RELU_N1_TO_1 [-1, 1], RELU6 [0, 6], NONE unbounded.
 */
export function activationRange(act: QActivation, scale: number, zeroPoint: number): [number, number] {
  const quantize = (f: number) => zeroPoint + roundHalfAway(Math.fround(Math.fround(f) / Math.fround(scale)));
  if (act === 'RELU') return [Math.max(-128, quantize(0)), 127];
  if (act === 'RELU6') return [Math.max(-128, quantize(0)), Math.min(127, quantize(6))];
  if (act === 'RELU_N1_TO_1') return [Math.max(-128, quantize(-1)), Math.min(127, quantize(1))];
  return [-128, 127];
}

/** Clamps to [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
