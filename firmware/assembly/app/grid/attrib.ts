// Input attribution of a raised overload alert (CONTRACTS.md "Alert attribution"): gradient-free
// occlusion over channels on the prepared int8 input. Each channel's row is set to the input zero
// point (z = 0: "no change from the last value"), the model is re-run, and the channel's
// attribution is the peak forecast (degC) with all channels minus the peak with that channel
// occluded. Costs nChannels extra inferences, so it runs only when an alert is raised.
// Bounded loops, no allocation: results live in static buffers until the next attribCompute.

import {
  modelInputPtr, modelInputZeroPoint, modelInputType,
  modelOutputPtr, modelOutputScale, modelOutputZeroPoint, modelInvoke,
} from "../../interp/interpreter";
import * as M from "../meta";
import * as S from "../../status";
import * as X from "../../texts";

/** Number of channels reported per alert (fewer when the model has fewer channels). */
export const ATTRIB_TOP: i32 = 3;

/** Occlusion deltas (degC, f64) per channel of the last successful attribCompute. */
const deltas: usize = memory.data(8 * <i32>M.MAX_CHANNELS);
/** Channel indices of the top entries, largest |delta| first (u32 each). */
const topIdx: usize = memory.data(4 * ATTRIB_TOP);
/** A copy of the channel row being occluded, restored after its inference. */
const saved: usize = memory.data(<i32>M.MAX_WINDOW);
let topCount: i32 = 0;

/**
 * Peak of the current forecast in degC, computed exactly as the grid app reads it:
 * max over h of f64(Y[h] - out_zp) * f64(out_scale) * f64(std[target]) + lastC.
 */
function outputPeakC(lastC: f64): f64 {
  const scale = <f64>modelOutputScale();
  const zp = modelOutputZeroPoint();
  const out = modelOutputPtr();
  const sd = M.stdOf(M.target);
  let peak = -Infinity;
  for (let h: u32 = 0; h < M.horizon; h++) {
    const c = <f64>(<i32>load<i8>(out + h) - zp) * scale * sd + lastC;
    if (c > peak) peak = c;
  }
  return peak;
}

/** True when channel a ranks before channel b: larger |delta|, then the lower index. */
function ranksBefore(a: u32, b: u32): bool {
  const da = Math.abs(load<f64>(deltas + 8 * a));
  const db = Math.abs(load<f64>(deltas + 8 * b));
  return da > db || (da == db && a < b);
}

/**
 * Attributes the current forecast to the model's input channels by occlusion. Call right after a
 * successful modelInvoke on the prepared input (the grid app's window), with that forecast's
 * peak (`peakC`, degC) and the target channel's last raw value (`lastC`). For each channel c the
 * row X[c][*] is saved, set to the input zero point, the model is re-run and the row restored;
 * delta[c] = peakC - peak with c occluded. The top ATTRIB_TOP channels by |delta| (ties: lower
 * index) are then available through attribCount/attribChannel/attribDelta/attribName.
 *
 * The input tensor is restored byte for byte; the output tensor afterwards holds the last
 * occluded run (the caller has already read its forecast).
 *
 * Returns OK; E_NO_MODEL when no model or metadata is loaded; E_UNSUPPORTED_TYPE when the model
 * input is not int8; otherwise the failing modelInvoke status. On any failure attribCount() is 0
 * (the input is still restored).
 */
export function attribCompute(peakC: f64, lastC: f64): i32 {
  topCount = 0;
  const n = M.nChannels;
  const L = M.window;
  const inp = modelInputPtr();
  if (inp == 0 || n == 0 || n > M.MAX_CHANNELS || L == 0 || L > M.MAX_WINDOW) return S.E_NO_MODEL;
  if (modelInputType() != 9) return S.E_UNSUPPORTED_TYPE;
  const zp = <u8>(<i8>modelInputZeroPoint());
  for (let c: u32 = 0; c < n; c++) {
    const row = inp + c * L;
    memory.copy(saved, row, L);
    memory.fill(row, zp, L);
    const st = modelInvoke();
    memory.copy(row, saved, L);
    if (st != S.OK) return st;
    store<f64>(deltas + 8 * c, peakC - outputPeakC(lastC));
  }
  // Selection of the top entries: ATTRIB_TOP passes over n channels.
  const k = min<i32>(ATTRIB_TOP, <i32>n);
  for (let i = 0; i < k; i++) {
    let best: i32 = -1;
    for (let c: u32 = 0; c < n; c++) {
      let taken = false;
      for (let j = 0; j < i; j++) if (load<u32>(topIdx + 4 * j) == c) taken = true;
      if (!taken && (best < 0 || ranksBefore(c, <u32>best))) best = <i32>c;
    }
    store<u32>(topIdx + 4 * i, <u32>best);
  }
  topCount = k;
  return S.OK;
}

/** Number of top entries of the last attribCompute (0 after a failure or before any). */
export function attribCount(): i32 {
  return topCount;
}

/** Channel index of top entry i (0 = largest |delta|); no bounds check: i < attribCount(). */
export function attribChannel(i: i32): u32 {
  return load<u32>(topIdx + 4 * i);
}

/** Occlusion delta (degC) of top entry i; no bounds check: i < attribCount(). */
export function attribDelta(i: i32): f64 {
  return load<f64>(deltas + 8 * attribChannel(i));
}

/**
 * Name of top entry i. The model metadata carries no channel names: a 7-channel model uses the
 * ETT order of CONTRACTS.md (HUFL, HULL, MUFL, MULL, LUFL, LULL, OT); any other model gets
 * "ch<index>". Returns a static string (no allocation).
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
    case 9: return X.CH9;
    case 10: return X.CH10;
    case 11: return X.CH11;
    case 12: return X.CH12;
    case 13: return X.CH13;
    case 14: return X.CH14;
    default: return X.CH15;
  }
}
