// SUB, int8: the ADD kernel (add.ts) with the second scaled input subtracted, prepared as
// TFLite Micro's sub_common.cc does it (twice_max_input_scale and the real multipliers in f32).

import { arithPrepare, arithEval } from "./add";

/**
 * SUB prepare. Returns OK, E_GRAPH, E_UNSUPPORTED_TYPE, E_QUANT, E_SHAPE, E_UNSUPPORTED_OP or
 * E_BOUNDS (see arithPrepare in add.ts).
 */
export function subPrepare(o: i32): i32 {
  return arithPrepare(o, true);
}

/** SUB eval (prepared operator `o`). Returns OK. */
export function subEval(o: i32): i32 {
  return arithEval(o, true);
}
