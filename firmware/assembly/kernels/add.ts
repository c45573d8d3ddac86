// ADD and SUB, int8 (TFLite reference_integer_ops::Add / BroadcastAdd4DSlow and the int8 path of
// reference_ops::Sub, as TFLite Micro prepares them in add_common.cc / sub_common.cc):
// each input is offset by its zero point, shifted left by 20, scaled by
// MultiplyByQuantizedMultiplierSmallerThanOneExp with multiplier scale_i / (2 * max(scale1,
// scale2)); the sum (difference) is scaled by 2 * max_scale / (2^20 * out_scale), offset by the
// output zero point and clamped to the fused activation (NONE, RELU, RELU_N1_TO_1, RELU6).
// Broadcasting: any NumPy-compatible pair of shapes of rank <= 4 (see elementwise.ts).
// As in TFLite Micro, ADD computes its real multipliers in f64 and SUB in f32 (then widened).

import * as S from "../status";
import * as T from "../tflite/schema";
import { tPtr, oOut, scale0, opInput } from "../tflite/model";
import { quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplier, actMin, actMax } from "./fixedpoint";
import { getP, setP } from "./opdata";
import {
  binaryArithPrepare, broadcastStrides, ewIn1, ewIn2, ewOut,
  ewStride1, ewStride2, ewLoopDim, B_FREE,
} from "./elementwise";

const P_M1 = B_FREE;
const P_S1 = B_FREE + 1;
const P_M2 = B_FREE + 2;
const P_S2 = B_FREE + 3;
const P_MO = B_FREE + 4;
const P_SO = B_FREE + 5;
const P_OFF1 = B_FREE + 6; // then P_OFF2, P_OFFO (binaryArithPrepare)
const P_OFF2 = B_FREE + 7;
const P_OFFO = B_FREE + 8;
const P_ACT = B_FREE + 9; // (actMin & 0xffff) | (actMax << 16)

/** Left shift applied to both offset inputs before scaling (TFLite: 20 for int8). */
export const ADD_LEFT_SHIFT: i32 = 20;

/**
 * TFLite QuantizeMultiplierSmallerThanOneExp of `m` into slots (mSlot, sSlot) of operator `o`.
 * Returns OK, or E_QUANT when m is not finite or does not quantize below 1 (shift > 0).
 */
function quantizeSmallerThanOne(o: i32, m: f64, mSlot: i32, sSlot: i32): i32 {
  const st = quantizeMultiplier(m);
  if (st != S.OK) return st;
  if (qmShift > 0) return S.E_QUANT;
  setP(o, mSlot, qmMultiplier);
  setP(o, sSlot, qmShift);
  return S.OK;
}

/**
 * Shared prepare of ADD (`isSub` false) and SUB (true). Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE,
 * E_QUANT (a tensor not per-tensor int8, or the output multiplier 2 * max_scale /
 * (2^20 * out_scale) not below 1), E_SHAPE (shapes do not broadcast, or the output is not the
 * broadcast shape), E_UNSUPPORTED_OP (options of the wrong type, or an activation other than
 * NONE / RELU / RELU_N1_TO_1 / RELU6) or E_BOUNDS (options unreadable).
 */
export function arithPrepare(o: i32, isSub: bool): i32 {
  let st = binaryArithPrepare(o, isSub ? T.OPTS_SUB : T.OPTS_ADD, P_OFF1);
  if (st != S.OK) return st;
  setP(o, P_ACT, (actMin & 0xffff) | (actMax << 16));
  const s1 = scale0(ewIn1);
  const s2 = scale0(ewIn2);
  const so = scale0(ewOut);
  let m1: f64, m2: f64, mo: f64;
  if (isSub) {
    // sub_common.cc: float twice_max_input_scale and float quotients, widened to double.
    const twiceMax: f32 = <f32>2.0 * (s1 > s2 ? s1 : s2);
    m1 = <f64>(s1 / twiceMax);
    m2 = <f64>(s2 / twiceMax);
    mo = <f64>(twiceMax / (<f32>(1 << ADD_LEFT_SHIFT) * so));
  } else {
    // add_common.cc: double arithmetic throughout.
    const twiceMax: f64 = 2.0 * <f64>(s1 > s2 ? s1 : s2);
    m1 = <f64>s1 / twiceMax;
    m2 = <f64>s2 / twiceMax;
    mo = twiceMax / (<f64>(1 << ADD_LEFT_SHIFT) * <f64>so);
  }
  st = quantizeSmallerThanOne(o, m1, P_M1, P_S1);
  if (st == S.OK) st = quantizeSmallerThanOne(o, m2, P_M2, P_S2);
  if (st == S.OK) st = quantizeSmallerThanOne(o, mo, P_MO, P_SO);
  return st;
}

/** ADD prepare: see arithPrepare for the status codes (OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_QUANT, E_SHAPE, E_UNSUPPORTED_OP, E_BOUNDS). */
export function addPrepare(o: i32): i32 {
  return arithPrepare(o, false);
}

/**
 * One output value: (x1 + off1) and (x2 + off2) shifted left by 20 and scaled, summed (or
 * subtracted when `neg`), scaled to the output, offset and clamped to [lo, hi].
 */
// @ts-ignore: decorator
@inline
export function addValue(x1: i32, x2: i32, o: i32, neg: bool, lo: i32, hi: i32): i32 {
  const a = multiplyByQuantizedMultiplier((x1 + getP(o, P_OFF1)) << ADD_LEFT_SHIFT, getP(o, P_M1), getP(o, P_S1));
  const b = multiplyByQuantizedMultiplier((x2 + getP(o, P_OFF2)) << ADD_LEFT_SHIFT, getP(o, P_M2), getP(o, P_S2));
  let r = multiplyByQuantizedMultiplier(neg ? a - b : a + b, getP(o, P_MO), getP(o, P_SO)) + getP(o, P_OFFO);
  return r < lo ? lo : r > hi ? hi : r;
}

/** Shared eval of ADD and SUB: a flat loop when no operand repeats, else a 4-D broadcast loop. */
export function arithEval(o: i32, neg: bool): i32 {
  const src1 = unchecked(tPtr[opInput(o, 0)]);
  const src2 = unchecked(tPtr[opInput(o, 1)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const packed = getP(o, P_ACT);
  const lo = <i32><i16>(packed & 0xffff);
  const hi = packed >> 16;
  broadcastStrides(o); // one loop for both: flat (1 x 1 x 1 x count) when nothing repeats
  const d0 = ewLoopDim(o, 0), d1 = ewLoopDim(o, 1), d2 = ewLoopDim(o, 2), d3 = ewLoopDim(o, 3);
  let k: usize = 0;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        let p1 = i0 * unchecked(ewStride1[0]) + i1 * unchecked(ewStride1[1]) + i2 * unchecked(ewStride1[2]);
        let p2 = i0 * unchecked(ewStride2[0]) + i1 * unchecked(ewStride2[1]) + i2 * unchecked(ewStride2[2]);
        const t1 = unchecked(ewStride1[3]);
        const t2 = unchecked(ewStride2[3]);
        for (let i3 = 0; i3 < d3; i3++) {
          const x1 = <i32>load<i8>(src1 + <usize>p1);
          const x2 = <i32>load<i8>(src2 + <usize>p2);
          store<i8>(dst + k, <i8>addValue(x1, x2, o, neg, lo, hi));
          k++;
          p1 += t1;
          p2 += t2;
        }
      }
    }
  }
  return S.OK;
}

/** ADD eval (prepared operator `o`). Returns OK. */
export function addEval(o: i32): i32 {
  return arithEval(o, false);
}
