// Input attribution of a raised dendrite.risk alert (CONTRACTS.md "Pack model on the board"):
// occlusion over feature groups, as app/attrib.ts does over the grid's channels. Groups: the 6
// per-cycle channels (all W cycles of each) and the first 5 static channels (the alive flag is
// not an input to explain). For group g, every live cell's features of g are set to the input
// zero point (z = 0: the training mean), the pack model is re-run, and
//   delta[g] = mean over the alerted cells of (risk - risk with g occluded)   (probability units,
//   summed in cell order, divided by the count). The input is restored after every run.

import { modelInputPtr, modelInputZeroPoint, modelOutputPtr, modelOutputScale, modelOutputZeroPoint, modelInvoke } from "../../interp/interpreter";
import * as P from "./packmeta";
import * as S from "../../status";
import * as X from "../../texts";

/** Feature groups and how many are reported per alert. */
export const PACK_GROUPS: i32 = 11;
export const PACK_ATTRIB_TOP: i32 = 3;

const deltas: usize = memory.data(8 * PACK_GROUPS);
const topIdx: usize = memory.data(4 * PACK_ATTRIB_TOP);
const saved: usize = memory.data(<i32>(P.MAX_PACK_CELLS * P.MAX_PACK_FEATURES));
/** Unoccluded risk per cell (f64), taken from the output before the first occluded run. */
const risk: usize = memory.data(8 * <i32>P.MAX_PACK_CELLS);
let topCount: i32 = 0;

/** True when group g holds feature f (f < F - 1; the alive flag is in no group). */
function inGroup(g: i32, f: u32): bool {
  const cyc = P.packWindow * P.PACK_CYCLE_CHANNELS;
  if (g < <i32>P.PACK_CYCLE_CHANNELS) return f < cyc && f % P.PACK_CYCLE_CHANNELS == <u32>g;
  return f == cyc + <u32>(g - <i32>P.PACK_CYCLE_CHANNELS);
}

/** Mean over the cells flagged in `cells` (u8 per cell) of risk - occluded risk. */
function meanDrop(cells: usize): f64 {
  const scale = <f64>modelOutputScale();
  const zp = modelOutputZeroPoint();
  const out = modelOutputPtr();
  let sum: f64 = 0;
  let n: i32 = 0;
  for (let k: u32 = 0; k < P.packCells; k++) {
    if (load<u8>(cells + k) == 0) continue;
    sum += load<f64>(risk + 8 * k) - <f64>(<i32>load<i8>(out + k) - zp) * scale;
    n++;
  }
  return n > 0 ? sum / <f64>n : 0;
}

/**
 * Attributes the alerted cells' risk (flags `cells`, u8 per cell; `aliveFlags` marks the live
 * cells, whose features are occluded) to the feature groups. Call
 * right after the pack model's modelInvoke on the prepared input, while it is resident. Returns
 * OK (then packAttribCount/Name/Delta give the top groups by |delta|, ties: lower group), E_NO_MODEL
 * when no pack metadata is parsed, or a failing modelInvoke's status (count 0, input restored).
 */
export function packAttribCompute(cells: usize, aliveFlags: usize): i32 {
  topCount = 0;
  const F = P.packFeatures;
  const n = P.packCells * F;
  if (P.packCells == 0 || n > P.MAX_PACK_CELLS * P.MAX_PACK_FEATURES) return S.E_NO_MODEL;
  const inp = modelInputPtr();
  const zp = <i8>modelInputZeroPoint();
  const scale = <f64>modelOutputScale();
  const ozp = modelOutputZeroPoint();
  for (let k: u32 = 0; k < P.packCells; k++) {
    store<f64>(risk + 8 * k, <f64>(<i32>load<i8>(modelOutputPtr() + k) - ozp) * scale);
  }
  memory.copy(saved, inp, n);
  for (let g = 0; g < PACK_GROUPS; g++) {
    for (let k: u32 = 0; k < P.packCells; k++) {
      if (load<u8>(aliveFlags + k) == 0) continue; // a dead cell is all zero point already
      for (let f: u32 = 0; f + 1 < F; f++) if (inGroup(g, f)) store<i8>(inp + k * F + f, zp);
    }
    const st = modelInvoke();
    const d = meanDrop(cells);
    memory.copy(inp, saved, n);
    if (st != S.OK) return st;
    store<f64>(deltas + 8 * g, d);
  }
  const kTop = min<i32>(PACK_ATTRIB_TOP, PACK_GROUPS);
  for (let i = 0; i < kTop; i++) {
    let best: i32 = -1;
    for (let g = 0; g < PACK_GROUPS; g++) {
      let taken = false;
      for (let j = 0; j < i; j++) if (load<i32>(topIdx + 4 * j) == g) taken = true;
      if (taken) continue;
      if (best < 0 || Math.abs(load<f64>(deltas + 8 * g)) > Math.abs(load<f64>(deltas + 8 * best))) best = g;
    }
    store<i32>(topIdx + 4 * i, best);
  }
  topCount = kTop;
  return S.OK;
}

/** Top entries of the last packAttribCompute (0 after a failure). */
export function packAttribCount(): i32 { return topCount; }
/** Occlusion delta (risk units) of top entry i; no bounds check. */
export function packAttribDelta(i: i32): f64 { return load<f64>(deltas + 8 * load<i32>(topIdx + 4 * i)); }

/** Name of top entry i (static strings): the per-cycle channels, then the static ones. */
export function packAttribName(i: i32): u32 {
  switch (load<i32>(topIdx + 4 * i)) {
    case 0: return X.I_PEAK;
    case 1: return X.I_RMS;
    case 2: return X.V_SPREAD;
    case 3: return X.T_MEAN;
    case 4: return X.R_INT;
    case 5: return X.STRESS;
    case 6: return X.LOG_SIGMA;
    case 7: return X.LOG_SHEAR_RATIO;
    case 8: return X.CCD;
    case 9: return X.LOG_AGE;
    default: return X.LOG_CUM_STRESS;
  }
}
