// Input attribution of a raised overload alert (CONTRACTS.md "Alert attribution"): exact Shapley
// values over the model's input channels (app/shapley.ts). The value of a coalition of channels is
// the peak forecast rise (degC, max over h of the forecast minus the target's last value) with
// every channel outside it occluded: its int8 row X[c][*] set to the input zero point (z = 0: "no
// change from the last value"). 2^nChannels inferences (128 for the 7-channel model), so it runs
// only when an alert is raised. The values sum to peak(all channels) - peak(all occluded).

import { modelInputPtr, modelInputZeroPoint, modelInputType, modelOutputPtr, modelOutputScale, modelOutputZeroPoint } from "../../interp/interpreter";
import * as M from "../meta";
import { shapley, shapCount, shapPlayer, shapValue } from "../shapley";
import * as S from "../../status";
import * as X from "../../texts";

/** Occludes channel c: its input row set to the input zero point. */
function occludeChannel(c: i32): void {
  memory.fill(modelInputPtr() + <usize>c * M.window, <u8>(<i8>modelInputZeroPoint()), M.window);
}

/** Peak forecast rise (degC) of the current output: max over h of f64(Y[h] - out_zp) * f64(out_scale) * f64(std[target]). */
function peakRise(): f64 {
  const scale = <f64>modelOutputScale();
  const zp = modelOutputZeroPoint();
  const sd = M.stdOf(M.target);
  let peak = -Infinity;
  for (let h: u32 = 0; h < M.horizon; h++) {
    const c = <f64>(<i32>load<i8>(modelOutputPtr() + h) - zp) * scale * sd;
    if (c > peak) peak = c;
  }
  return peak;
}

/**
 * Attributes the forecast of the prepared input (the grid app's window, model resident) to its
 * channels by exact Shapley values; then attribCount/attribChannel/attribDelta/attribName give the
 * top channels by |value| (ties: lower index). The input is restored byte for byte.
 *
 * Returns OK; E_NO_MODEL when no model or metadata is loaded; E_UNSUPPORTED_TYPE when the input
 * is not int8; E_TOO_MANY above 10 channels; otherwise the failing modelInvoke status. On any
 * failure attribCount() is 0.
 */
export function attribCompute(): i32 {
  const n = M.nChannels;
  const L = M.window;
  if (modelInputPtr() == 0 || n == 0 || n > M.MAX_CHANNELS || L == 0 || L > M.MAX_WINDOW) return S.E_NO_MODEL;
  if (modelInputType() != 9) return S.E_UNSUPPORTED_TYPE;
  return shapley(<i32>n, <i32>(n * L), occludeChannel, peakRise);
}

/** Number of top entries of the last attribution (0 after a failure or before any). */
export function attribCount(): i32 {
  return shapCount();
}

/** Channel index of top entry i (0 = largest |value|); no bounds check: i < attribCount(). */
export function attribChannel(i: i32): u32 {
  return <u32>shapPlayer(i);
}

/** Shapley value (degC) of top entry i; no bounds check: i < attribCount(). */
export function attribDelta(i: i32): f64 {
  return shapValue(i);
}

/**
 * Name of top entry i. The model metadata carries no channel names: a 7-channel model uses the
 * ETT order of CONTRACTS.md (HUFL, HULL, MUFL, MULL, LUFL, LULL, OT); any other model gets
 * "ch<index>" (at most 10 channels: larger games are refused). Returns a static string (no allocation).
 */
export function attribName(i: i32): u32 {
  const c = attribChannel(i);
  if (M.nChannels == 7) {
    switch (c) {
      case 0: return X.HUFL;
      case 1: return X.HULL;
      case 2: return X.MUFL;
      case 3: return X.MULL;
      case 4: return X.LUFL;
      case 5: return X.LULL;
      case 6: return X.OT;
    }
  }
  switch (c) {
    case 0: return X.CH0;
    case 1: return X.CH1;
    case 2: return X.CH2;
    case 3: return X.CH3;
    case 4: return X.CH4;
    case 5: return X.CH5;
    case 6: return X.CH6;
    case 7: return X.CH7;
    case 8: return X.CH8;
    default: return X.CH9;
  }
}
