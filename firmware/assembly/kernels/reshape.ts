// RESHAPE: the output has the input's bytes under another shape (taken from the output
// tensor; the optional shape input is not read). The data is copied into the output's arena
// slot (a few bytes here); aliasing is not used, so the planner's lifetimes stay simple.

import * as S from "../status";
import { tType, tCount, tBytes, tPtr, oOut, oNIn, opInput } from "../tflite/model";
import { getP, setP } from "./opdata";

const P_BYTES = 0;

/**
 * Prepare: one data input (plus an optional shape input) of the output's type and element
 * count. Returns OK, E_GRAPH (bad inputs), E_UNSUPPORTED_TYPE or E_SHAPE.
 */
export function reshapePrepare(o: i32): i32 {
  const nIn = unchecked(oNIn[o]);
  if (nIn < 1 || nIn > 2) return S.E_GRAPH;
  const inp = opInput(o, 0);
  const out = unchecked(oOut[o]);
  if (inp < 0) return S.E_GRAPH;
  if (unchecked(tType[inp]) != unchecked(tType[out])) return S.E_UNSUPPORTED_TYPE;
  if (unchecked(tCount[inp]) != unchecked(tCount[out])) return S.E_SHAPE;
  setP(o, P_BYTES, unchecked(tBytes[out]));
  return S.OK;
}

/** Eval: copies the input bytes to the output (nothing when they share memory). Returns OK. */
export function reshapeEval(o: i32): i32 {
  const src = unchecked(tPtr[opInput(o, 0)]);
  const dst = unchecked(tPtr[unchecked(oOut[o])]);
  if (src != dst) memory.copy(dst, src, <usize>getP(o, P_BYTES));
  return S.OK;
}
