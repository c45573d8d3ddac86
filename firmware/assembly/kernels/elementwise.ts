// Shared prepare/eval plumbing of the int8 elementwise kernels (ADD, SUB, MUL and the
// unary activations): operand checks, fused-activation options, and NumPy-style broadcasting
// of two operands of rank <= 4 (what TFLite's BroadcastAdd/BroadcastMul4DSlow accept).
//
// Broadcast layout in the operator's parameter slots (read back by the binary kernels' eval):
//   B_DIM0..B_DIM3  output dims, right-aligned and padded with 1 to rank 4
//   B_MASK          bit d (0..3): input 1 repeats along dim d; bit 4 + d: input 2 does
//   B_COUNT         output element count
// Slots B_FREE.. (6..15) are left to the kernel.

import * as S from "../status";
import * as T from "../tflite/schema";
import { tType, tRank, tCount, oOut, oOpt, oOptType, oNIn, dim, opInput, scale0, zpAt, MAX_RANK } from "../tflite/model";
import { fbU32 } from "../tflite/flatbuffer";
import { getP, setP } from "./opdata";
import { activationRange } from "./fixedpoint";
import { checkInt8Activation } from "./quant";
import { Table } from "../table";

/** Slot of output dim 0 (dims 1..3 follow), right-aligned and padded to rank 4. */
export const B_DIM0: i32 = 0;
/** Slot of the repeat mask: bit d for input 1, bit 4 + d for input 2. */
export const B_MASK: i32 = 4;
/** Slot of the output element count. */
export const B_COUNT: i32 = 5;
/** First parameter slot free for the kernel after binaryPrepare. */
export const B_FREE: i32 = 6;

/** Input 1 found by binaryOperands() / unaryOperands(). */
export let ewIn1: i32 = -1;
/** Input 2 found by binaryOperands() (-1 after unaryOperands()). */
export let ewIn2: i32 = -1;
/** Output found by binaryOperands() / unaryOperands(). */
export let ewOut: i32 = -1;

/**
 * Dimension `d` (0..3) of tensor `t` right-aligned to rank 4 (leading dims are 1).
 */
export function dim4(t: i32, d: i32): i32 {
  const k = d - (MAX_RANK - unchecked(tRank[t]));
  return k < 0 ? 1 : dim(t, k);
}

/**
 * Checks a two-input, one-output int8 operator with per-tensor quantization on all three
 * tensors; sets ewIn1/ewIn2/ewOut. Returns OK, E_GRAPH (input count or a missing input),
 * E_UNSUPPORTED_TYPE (a tensor not int8) or E_QUANT (see checkInt8Activation).
 */
export function binaryOperands(o: i32): i32 {
  if (unchecked(oNIn[o]) != 2) return S.E_GRAPH;
  ewIn1 = opInput(o, 0);
  ewIn2 = opInput(o, 1);
  ewOut = unchecked(oOut[o]);
  if (ewIn1 < 0 || ewIn2 < 0) return S.E_GRAPH;
  if (unchecked(tType[ewIn1]) != T.TYPE_INT8 || unchecked(tType[ewIn2]) != T.TYPE_INT8
    || unchecked(tType[ewOut]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  let st = checkInt8Activation(ewIn1);
  if (st == S.OK) st = checkInt8Activation(ewIn2);
  if (st == S.OK) st = checkInt8Activation(ewOut);
  return st;
}

/**
 * Checks a one-input, one-output int8 operator whose output has the input's shape, both
 * per-tensor quantized; sets ewIn1/ewOut. Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_SHAPE
 * (output rank or a dimension differs) or E_QUANT.
 */
export function unaryOperands(o: i32): i32 {
  if (unchecked(oNIn[o]) != 1) return S.E_GRAPH;
  ewIn1 = opInput(o, 0);
  ewIn2 = -1;
  ewOut = unchecked(oOut[o]);
  if (ewIn1 < 0) return S.E_GRAPH;
  if (unchecked(tType[ewIn1]) != T.TYPE_INT8 || unchecked(tType[ewOut]) != T.TYPE_INT8) return S.E_UNSUPPORTED_TYPE;
  const rank = unchecked(tRank[ewIn1]);
  if (unchecked(tRank[ewOut]) != rank) return S.E_SHAPE;
  for (let d = 0; d < rank; d++) if (dim(ewOut, d) != dim(ewIn1, d)) return S.E_SHAPE;
  let st = checkInt8Activation(ewIn1);
  if (st == S.OK) st = checkInt8Activation(ewOut);
  return st;
}

/**
 * Fused activation of an ADD/SUB/MUL operator from its options table (`optsType` is the
 * expected BuiltinOptions union type). Absent options mean NONE. Returns the activation code
 * (>= 0), E_UNSUPPORTED_OP for options of another type, or E_BOUNDS for an unreadable field.
 */
export function arithActivation(o: i32, optsType: u8): i32 {
  const opt = unchecked(oOpt[o]);
  if (opt == 0) return T.ACT_NONE;
  if (unchecked(oOptType[o]) != optsType) return S.E_UNSUPPORTED_OP;
  const act = fbU32(opt, T.ARITH_OPT_ACTIVATION, 1, 0);
  if (act < 0) return S.E_BOUNDS;
  return <i32><i8>(<u8>act);
}

/**
 * Prepare steps ADD, SUB and MUL share: operands (binaryOperands), broadcast (binaryBroadcast),
 * the fused activation from options of union type `optsType` and its int8 range (left in
 * fixedpoint's actMin/actMax), and the offsets -zp1, -zp2 and zp_out in slots `offSlot`,
 * `offSlot + 1`, `offSlot + 2`. Returns OK or the first failing status: E_GRAPH,
 * E_UNSUPPORTED_TYPE, E_QUANT, E_SHAPE, E_UNSUPPORTED_OP or E_BOUNDS.
 */
export function binaryArithPrepare(o: i32, optsType: u8, offSlot: i32): i32 {
  let st = binaryOperands(o);
  if (st != S.OK) return st;
  st = binaryBroadcast(o);
  if (st != S.OK) return st;
  const act = arithActivation(o, optsType);
  if (act < 0) return act;
  const zo = <i32>zpAt(ewOut, 0);
  st = activationRange(act, scale0(ewOut), zo);
  if (st != S.OK) return st;
  setP(o, offSlot, -<i32>zpAt(ewIn1, 0));
  setP(o, offSlot + 1, -<i32>zpAt(ewIn2, 0));
  setP(o, offSlot + 2, zo);
  return S.OK;
}

/**
 * Broadcast check for ewIn1, ewIn2 -> ewOut (binaryOperands first). Supported: any pair of
 * shapes of rank <= 4 that broadcast NumPy-style (right-aligned; each dimension equal or 1),
 * with the output exactly the broadcast shape (rank max(rank1, rank2)). Writes slots
 * B_DIM0..B_COUNT of operator `o`. Returns OK or E_SHAPE.
 */
export function binaryBroadcast(o: i32): i32 {
  const r1 = unchecked(tRank[ewIn1]);
  const r2 = unchecked(tRank[ewIn2]);
  if (unchecked(tRank[ewOut]) != (r1 > r2 ? r1 : r2)) return S.E_SHAPE;
  let mask = 0;
  for (let d = 0; d < MAX_RANK; d++) {
    const a = dim4(ewIn1, d);
    const b = dim4(ewIn2, d);
    const want = a > b ? a : b;
    if ((a != 1 && a != want) || (b != 1 && b != want)) return S.E_SHAPE;
    if (dim4(ewOut, d) != want) return S.E_SHAPE;
    if (a != want) mask |= 1 << d;
    if (b != want) mask |= 1 << (4 + d);
    setP(o, B_DIM0 + d, want);
  }
  setP(o, B_MASK, mask);
  setP(o, B_COUNT, unchecked(tCount[ewOut]));
  return S.OK;
}

/**
 * Bound of output dimension `d` (0..3) in the 4-D loop of operator `o`: with no repeated operand
 * (B_MASK 0) the loop runs flat, 1 x 1 x 1 x count, where broadcastStrides gives dim 3 stride 1.
 */
// @ts-ignore: decorator
@inline
export function ewLoopDim(o: i32, d: i32): i32 {
  return getP(o, B_MASK) != 0 ? getP(o, B_DIM0 + d) : d == 3 ? getP(o, B_COUNT) : 1;
}

/** Element step of input 1 per output dim, written by broadcastStrides(). */
export const ewStride1 = changetype<Table<i32>>(memory.data(4 * <i32>sizeof<i32>(), 8));
/** Element step of input 2 per output dim, written by broadcastStrides(). */
export const ewStride2 = changetype<Table<i32>>(memory.data(4 * <i32>sizeof<i32>(), 8));

/**
 * Fills ewStride1/ewStride2 for operator `o` from its broadcast slots: a repeated dimension
 * gets stride 0, the others the product of the input's later dimensions. Four steps.
 */
export function broadcastStrides(o: i32): void {
  const mask = getP(o, B_MASK);
  let p1 = 1;
  let p2 = 1;
  for (let d = 3; d >= 0; d--) {
    const n = getP(o, B_DIM0 + d);
    const rep1 = (mask & (1 << d)) != 0;
    const rep2 = (mask & (1 << (4 + d))) != 0;
    unchecked(ewStride1[d] = rep1 ? 0 : p1);
    unchecked(ewStride2[d] = rep2 ? 0 : p2);
    if (!rep1) p1 *= n;
    if (!rep2) p2 *= n;
  }
}
