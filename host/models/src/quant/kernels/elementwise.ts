/**
 * Shared plumbing of the int8 elementwise kernels (ADD, SUB, MUL, RELU, RELU6, LOGISTIC, TANH):
 * operand checks and NumPy-style broadcasting of two operands of rank <= 4, with the same rules as
 * the firmware (firmware/assembly/kernels/elementwise.ts): shapes right-aligned, each dimension
 * equal or 1, output exactly the broadcast shape.
 */
import type { QTensor } from '@dendra/core/tflite/ir.ts';
import { elementCount, input, opError, output, perTensor, type OpSite } from './common.ts';

/** Highest operand rank the elementwise kernels accept (the firmware's MAX_RANK). */
export const MAX_ELEMENTWISE_RANK = 4;

/** Per-tensor int8 quantization of an operand. */
export interface Quant {
  scale: number;
  zeroPoint: number;
}

/** The operands of a binary int8 op with their quantization. */
export interface BinaryOperands {
  x1: QTensor;
  x2: QTensor;
  y: QTensor;
  q1: Quant;
  q2: Quant;
  qy: Quant;
}

/**
 * Inputs 0 and 1 and the output, all int8 with per-tensor quantization.
 *
 * @throws InputError (code `E_MODEL`) when the op does not have exactly two inputs, a tensor is not
 *   int8, or its quantization is not per-tensor int8.
 */
export function binaryOperands(site: OpSite): BinaryOperands {
  if (site.op.inputs.length !== 2) opError(site, `has ${site.op.inputs.length} inputs, want 2`);
  const x1 = input(site, 0, 'int8');
  const x2 = input(site, 1, 'int8');
  const y = output(site, 'int8');
  return { x1, x2, y, q1: perTensor(site, x1), q2: perTensor(site, x2), qy: perTensor(site, y) };
}

/**
 * Input 0 and the output of a unary int8 op: same shape, per-tensor quantization.
 *
 * @throws InputError (code `E_MODEL`) when the op does not have exactly one input, types are not
 *   int8, shapes differ, or quantization is not per-tensor int8.
 */
export function unaryOperands(site: OpSite): { x: QTensor; y: QTensor; qx: Quant; qy: Quant } {
  if (site.op.inputs.length !== 1) opError(site, `has ${site.op.inputs.length} inputs, want 1`);
  const x = input(site, 0, 'int8');
  const y = output(site, 'int8');
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) opError(site, `input [${x.shape}] and output [${y.shape}] differ`);
  return { x, y, qx: perTensor(site, x), qy: perTensor(site, y) };
}

/** Broadcast plan: output dims padded to rank 4 and each input's element stride per output dim. */
export interface Broadcast {
  dims: number[];
  stride1: number[];
  stride2: number[];
  /** True when neither input repeats (both have the output's layout). */
  flat: boolean;
  count: number;
}

const pad4 = (shape: readonly number[]) => [...Array(MAX_ELEMENTWISE_RANK - shape.length).fill(1), ...shape];

/**
 * Broadcast plan for x1, x2 -> y.
 *
 * @throws InputError (code `E_MODEL`) when a rank exceeds 4, the shapes do not broadcast, or the
 *   output is not the broadcast shape (rank max(rank1, rank2)).
 */
export function broadcastPlan(site: OpSite, x1: QTensor, x2: QTensor, y: QTensor): Broadcast {
  const ranks = [x1.shape.length, x2.shape.length, y.shape.length];
  if (ranks.some((r) => r > MAX_ELEMENTWISE_RANK)) opError(site, `operands of rank above ${MAX_ELEMENTWISE_RANK} are not supported`);
  if (y.shape.length !== Math.max(ranks[0], ranks[1])) opError(site, `output [${y.shape}] is not the broadcast of [${x1.shape}] and [${x2.shape}]`);
  const [a, b, o] = [pad4(x1.shape), pad4(x2.shape), pad4(y.shape)];
  const dims: number[] = [];
  let flat = true;
  for (let d = 0; d < MAX_ELEMENTWISE_RANK; d++) {
    const want = Math.max(a[d], b[d]);
    if ((a[d] !== 1 && a[d] !== want) || (b[d] !== 1 && b[d] !== want) || o[d] !== want) {
      opError(site, `shapes [${x1.shape}] and [${x2.shape}] do not broadcast to [${y.shape}]`);
    }
    if (a[d] !== want || b[d] !== want) flat = false;
    dims.push(want);
  }
  const strides = (s: number[]) => {
    const out = [0, 0, 0, 0];
    let p = 1;
    for (let d = MAX_ELEMENTWISE_RANK - 1; d >= 0; d--) {
      out[d] = s[d] === 1 && dims[d] !== 1 ? 0 : p;
      p *= s[d];
    }
    return out;
  };
  return { dims, stride1: strides(a), stride2: strides(b), flat, count: elementCount(y.shape) };
}

/**
 * Applies `f` to every output element of a broadcast plan: out[k] = f(x1[i1], x2[i2]).
 */
export function broadcastApply(p: Broadcast, x1: Int8Array, x2: Int8Array, f: (a: number, b: number) => number): Int8Array {
  const out = new Int8Array(p.count);
  if (p.flat) {
    for (let i = 0; i < p.count; i++) out[i] = f(x1[i], x2[i]);
    return out;
  }
  const [d0, d1, d2, d3] = p.dims;
  const [s10, s11, s12, s13] = p.stride1;
  const [s20, s21, s22, s23] = p.stride2;
  let k = 0;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        let p1 = i0 * s10 + i1 * s11 + i2 * s12;
        let p2 = i0 * s20 + i1 * s21 + i2 * s22;
        for (let i3 = 0; i3 < d3; i3++, p1 += s13, p2 += s23) out[k++] = f(x1[p1], x2[p2]);
      }
    }
  }
  return out;
}
