// MUL, int8 (TFLite reference_integer_ops::Mul / BroadcastMul4DSlow, prepared as TFLite Micro's
// mul_common.cc does it): out = zp_out + MultiplyByQuantizedMultiplier((x1 - zp1) * (x2 - zp2),
// M, shift) with M * 2^shift = in1_scale * in2_scale / out_scale (f64), clamped to the fused
// activation (NONE, RELU, RELU_N1_TO_1, RELU6). Broadcasting as in elementwise.ts.

import * as S from "../status";
import * as T from "../tflite/schema";
import { tPtr, oOut, scale0, opInput } from "../tflite/model";
import { quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplier, actMin, actMax } from "./fixedpoint";
import { getP, setP } from "./opdata";
import {
  binaryArithPrepare, broadcastStrides, ewIn1, ewIn2, ewOut,
  ewStride1, ewStride2, ewLoopDim, B_FREE,
} from "./elementwise";

const P_MULT = B_FREE;
const P_SHIFT = B_FREE + 1;
const P_OFF1 = B_FREE + 2; // then P_OFF2, P_OFFO (binaryArithPrepare)
const P_OFF2 = B_FREE + 3;
const P_OFFO = B_FREE + 4;
const P_MIN = B_FREE + 5;
const P_MAX = B_FREE + 6;

/**
 * MUL prepare. Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_QUANT (a tensor not per-tensor int8,
 * or a multiplier QuantizeMultiplier cannot represent), E_SHAPE (shapes do not broadcast, or the
 * output is not the broadcast shape), E_UNSUPPORTED_OP (options of the wrong type, or an
 * activation other than NONE / RELU / RELU_N1_TO_1 / RELU6) or E_BOUNDS (options unreadable).
 */
export function mulPrepare(o: i32): i32 {
  let st = binaryArithPrepare(o, T.OPTS_MUL, P_OFF1);
  if (st != S.OK) return st;
  setP(o, P_MIN, actMin);
  setP(o, P_MAX, actMax);
  st = quantizeMultiplier(<f64>scale0(ewIn1) * <f64>scale0(ewIn2) / <f64>scale0(ewOut));
  if (st != S.OK) return st;
  setP(o, P_MULT, qmMultiplier);
  setP(o, P_SHIFT, qmShift);
  return S.OK;
}

/** One output value: the offset product requantized, offset and clamped to [lo, hi]. */
// @ts-ignore: decorator
@inline
export function mulValue(x1: i32, x2: i32, o: i32, lo: i32, hi: i32): i32 {
  const p = (x1 + getP(o, P_OFF1)) * (x2 + getP(o, P_OFF2));
  const r = multiplyByQuantizedMultiplier(p, getP(o, P_MULT), getP(o, P_SHIFT)) + getP(o, P_OFFO);
  return r < lo ? lo : r > hi ? hi : r;
}

/** MUL eval: a flat loop when no operand repeats, else a 4-D broadcast loop. Returns OK. */
export function mulEval(o: i32): i32 {
  const src1 = unchecked(tPtr[opInput(o, 0)]);
  const src2 = unchecked(tPtr[opInput(o, 1)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const lo = getP(o, P_MIN);
  const hi = getP(o, P_MAX);
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
          store<i8>(dst + k, <i8>mulValue(x1, x2, o, lo, hi));
          k++;
          p1 += t1;
          p2 += t2;
        }
      }
    }
  }
  return S.OK;
}
