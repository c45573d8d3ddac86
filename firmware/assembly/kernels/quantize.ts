// QUANTIZE and DEQUANTIZE at the model edges (TFLite Micro quantize_common.cc /
// dequantize_common.cc, reference_ops::AffineQuantize, Requantize and Dequantize).
//  QUANTIZE f32 -> int8: q = clamp(roundf(x / scale) + zp, -128, 127), the division in f32.
//    NaN gives zp and +-inf saturate (as the float-to-int conversion of Arm Cortex-M; the C++
//    cast is undefined there).
//  QUANTIZE int8 -> int8 (requantize): q = clamp(MBQM(x - in_zp, M, s) + out_zp, -128, 127),
//    M * 2^s = f64(in_scale) / f64(out_scale).
//  DEQUANTIZE int8 -> f32: y = f32(f64(scale) * f64(x - zp)).
// Shapes: output element count equals the input's.

import * as S from "../status";
import * as T from "../tflite/schema";
import { tType, tCount, tPtr, oOut, oNIn, opInput, scale0, zpAt } from "../tflite/model";
import { quantizeMultiplier, qmMultiplier, qmShift, multiplyByQuantizedMultiplier, roundHalfAwayF32 } from "./fixedpoint";
import { getP, setP } from "./opdata";
import { checkInt8Activation } from "./quant";

const P_MODE = 0;   // 0 f32 -> int8, 1 int8 -> int8, 2 int8 -> f32
const P_COUNT = 1;
const P_SCALE = 2;  // f32 bits (modes 0 and 2)
const P_IN_ZP = 3;
const P_OUT_ZP = 4;
const P_MULT = 5;
const P_SHIFT = 6;

/** Checks one input, one output of equal element count; returns the input or a status. */
function edgeOperands(o: i32): i32 {
  if (unchecked(oNIn[o]) != 1) return S.E_GRAPH;
  const inp = opInput(o, 0);
  if (inp < 0) return S.E_GRAPH;
  if (unchecked(tCount[inp]) != unchecked(tCount[unchecked(oOut[o])])) return S.E_SHAPE;
  return inp;
}

/**
 * QUANTIZE prepare: f32 -> int8, or int8 -> int8 requantize; output int8 per-tensor.
 * Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE (other types), E_SHAPE (element counts differ) or
 * E_QUANT (bad quantization, or a requantize multiplier out of range).
 */
export function quantizePrepare(o: i32): i32 {
  const inp = edgeOperands(o);
  if (inp < 0) return inp;
  const out = unchecked(oOut[o]);
  const ti = unchecked(tType[inp]);
  if (unchecked(tType[out]) != T.TYPE_INT8 || (ti != T.TYPE_FLOAT32 && ti != T.TYPE_INT8)) return S.E_UNSUPPORTED_TYPE;
  let st = checkInt8Activation(out);
  if (st != S.OK) return st;
  setP(o, P_COUNT, unchecked(tCount[inp]));
  setP(o, P_OUT_ZP, <i32>zpAt(out, 0));
  setP(o, P_SCALE, reinterpret<i32>(scale0(out)));
  if (ti == T.TYPE_FLOAT32) {
    setP(o, P_MODE, 0);
    return S.OK;
  }
  st = checkInt8Activation(inp);
  if (st != S.OK) return st;
  setP(o, P_MODE, 1);
  setP(o, P_IN_ZP, <i32>zpAt(inp, 0));
  st = quantizeMultiplier(<f64>scale0(inp) / <f64>scale0(out));
  setP(o, P_MULT, qmMultiplier);
  setP(o, P_SHIFT, qmShift);
  return st;
}

/**
 * DEQUANTIZE prepare: int8 per-tensor input -> f32 output.
 * Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_SHAPE or E_QUANT.
 */
export function dequantizePrepare(o: i32): i32 {
  const inp = edgeOperands(o);
  if (inp < 0) return inp;
  const out = unchecked(oOut[o]);
  if (unchecked(tType[inp]) != T.TYPE_INT8 || unchecked(tType[out]) != T.TYPE_FLOAT32) return S.E_UNSUPPORTED_TYPE;
  const st = checkInt8Activation(inp);
  if (st != S.OK) return st;
  setP(o, P_MODE, 2);
  setP(o, P_COUNT, unchecked(tCount[inp]));
  setP(o, P_SCALE, reinterpret<i32>(scale0(inp)));
  setP(o, P_IN_ZP, <i32>zpAt(inp, 0));
  return S.OK;
}

/** f32 -> int8 with saturation (NaN -> 0 before the zero point is added). */
// @ts-ignore: decorator
@inline
function quantizeOne(x: f32, scale: f32, zp: i32): i8 {
  let r = roundHalfAwayF32(x / scale);
  if (isNaN(r)) r = 0;
  r = r > <f32>1024 ? <f32>1024 : r < <f32>-1024 ? <f32>-1024 : r;
  let q = <i32>r + zp;
  q = q < -128 ? -128 : q > 127 ? 127 : q;
  return <i8>q;
}

/** Eval of QUANTIZE and DEQUANTIZE: one pass over the elements. Returns OK. */
export function quantizeEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  const n = getP(o, P_COUNT);
  const mode = getP(o, P_MODE);
  const scale = reinterpret<f32>(getP(o, P_SCALE));
  const zi = getP(o, P_IN_ZP);
  const zo = getP(o, P_OUT_ZP);
  if (mode == 0) {
    for (let i = 0; i < n; i++) store<i8>(dst + <usize>i, quantizeOne(load<f32>(src + (<usize>i << 2)), scale, zo));
  } else if (mode == 1) {
    const m = getP(o, P_MULT);
    const s = getP(o, P_SHIFT);
    for (let i = 0; i < n; i++) {
      let q = multiplyByQuantizedMultiplier(<i32>load<i8>(src + <usize>i) - zi, m, s) + zo;
      q = q < -128 ? -128 : q > 127 ? 127 : q;
      store<i8>(dst + <usize>i, <i8>q);
    }
  } else {
    const sd = <f64>scale;
    for (let i = 0; i < n; i++) {
      store<f32>(dst + (<usize>i << 2), <f32>(sd * <f64>(<i32>load<i8>(src + <usize>i) - zi)));
    }
  }
  return S.OK;
}
