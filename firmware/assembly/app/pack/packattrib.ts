// Input attribution of a raised dendrite.risk alert (CONTRACTS.md "Pack model on the board"): exact
// Shapley values (app/shapley.ts) over 9 feature groups of the live cells: the 6 per-cycle channels
// (all W cycles of each), then `electrolyte` (logSigma, logShearRatio), `ccd` and `history` (logAge,
// logCumStress); the alive flag is not an input to explain. A group outside the coalition has every
// live cell's features of the group at the input zero point (z = 0: the training mean). The value
// of a coalition is the mean risk of the alerted cells (probability units, summed in cell order,
// divided by their count). 2^9 = 512 inferences; the values sum to v(all) - v(none).

import { modelInputPtr, modelInputZeroPoint, modelOutputPtr, modelOutputScale, modelOutputZeroPoint } from "../../interp/interpreter";
import * as P from "./packmeta";
import { alive, atRisk } from "./state";
import { shapley, shapCount, shapPlayer, shapValue } from "../shapley";
import * as S from "../../status";
import * as X from "../../texts";

/** Players of the game: feature groups. */
export const PACK_GROUPS: i32 = 9;

/** Occludes group g on every live cell. */
function occludeGroup(g: i32): void {
  const F = P.packFeatures;
  const zp = <i8>modelInputZeroPoint();
  const cyc = P.packWindow * P.PACK_CYCLE_CHANNELS;
  // Static groups: features [lo, hi) after the cycles (6: 0-1, 7: 2, 8: 3-4).
  const lo: u32 = g == 6 ? 0 : g == 7 ? 2 : 3;
  const hi: u32 = g == 6 ? 2 : g == 7 ? 3 : 5;
  for (let k: u32 = 0; k < P.packCells; k++) {
    if (load<u8>(alive + k) == 0) continue; // a dead cell is all zero point already
    const row = modelInputPtr() + k * F;
    if (g < <i32>P.PACK_CYCLE_CHANNELS) {
      for (let f = <u32>g; f < cyc; f += P.PACK_CYCLE_CHANNELS) store<i8>(row + f, zp);
    } else for (let f = lo; f < hi; f++) store<i8>(row + cyc + f, zp);
  }
}

/** Mean risk of the alerted cells (flags in state.atRisk) read from the current output. */
function meanRisk(): f64 {
  const scale = <f64>modelOutputScale();
  const zp = modelOutputZeroPoint();
  let sum: f64 = 0;
  let n: i32 = 0;
  for (let k: u32 = 0; k < P.packCells; k++) {
    if (load<u8>(atRisk + k) == 0) continue;
    sum += <f64>(<i32>load<i8>(modelOutputPtr() + k) - zp) * scale;
    n++;
  }
  return n > 0 ? sum / <f64>n : 0;
}

/**
 * Attributes the alerted cells' mean risk to the feature groups (state.atRisk: the cells in the
 * alert, state.alive: the live cells). Call while the pack model is resident with the frame's
 * prepared input. Returns OK (then packAttribCount/Name/Delta give the top groups by |value|, ties:
 * lower group), E_NO_MODEL when no pack metadata is parsed, or the failing status of shapley()
 * (count 0, input restored).
 */
export function packAttribCompute(): i32 {
  if (P.packCells == 0) return S.E_NO_MODEL;
  return shapley(PACK_GROUPS, <i32>(P.packCells * P.packFeatures), occludeGroup, meanRisk);
}

/** Top entries of the last attribution (0 after a failure). */
export function packAttribCount(): i32 { return shapCount(); }
/** Shapley value (risk units) of top entry i; no bounds check. */
export function packAttribDelta(i: i32): f64 { return shapValue(i); }

/** Name of top entry i (static strings): the per-cycle channels, then the static groups. */
export function packAttribName(i: i32): u32 {
  switch (shapPlayer(i)) {
    case 0: return X.I_PEAK;
    case 1: return X.I_RMS;
    case 2: return X.V_SPREAD;
    case 3: return X.T_MEAN;
    case 4: return X.R_INT;
    case 5: return X.STRESS;
    case 6: return X.ELECTROLYTE;
    case 7: return X.CCD;
    default: return X.HISTORY;
  }
}
