// Dendra metadata of the pack model (CONTRACTS.md "Pack model on the board"): the "DMD1" buffer
// with kind 1 at offset 14. Same header as the grid's, with the fields read as:
//   u16 6 features per cell F | u16 8 window W (cycles) | u16 10 horizon N (cycles) | u16 12 cells
//   f32[F] mean | f32[F] std | f32 risk threshold | f32 hysteresis | u32 model version | name
// The feature layout is fixed: W cycles x 6 per-cycle channels (cycle-major), then 6 static
// channels, the last of which is the alive flag. Read in place from the pack window.
// The output is [cells + 1] (cell risks, pack risk) or [2 cells + 1]: then rows cells + 1 .. 2 cells
// are each cell's predicted cycles to initiation, q - zp (the lead head: LOGISTIC, scale 1/256,
// so cycles = 256 x probability).

import {
  modelMetadataPtr, modelMetadataLen, modelInputBytes, modelOutputBytes, modelInputType, modelOutputType,
} from "../../interp/interpreter";
import { META_MAGIC, META_KIND_PACK, metaNameLen } from "../meta";
import * as S from "../../status";

/** Most cells (graph nodes) the pack app handles. */
export const MAX_PACK_CELLS: u32 = 32;
/** Per-cycle channels and static channels of a cell's feature row. */
export const PACK_CYCLE_CHANNELS: u32 = 6;
export const PACK_STATIC_CHANNELS: u32 = 6;
/** Longest window (cycles) the pack app accepts. */
export const MAX_PACK_WINDOW: u32 = 64;
export const MAX_PACK_FEATURES: u32 = MAX_PACK_WINDOW * PACK_CYCLE_CHANNELS + PACK_STATIC_CHANNELS;

/** Parsed pack metadata; valid after packMetaParse() returned OK. */
export let packFeatures: u32 = 0;
export let packWindow: u32 = 0;
export let packHorizon: u32 = 0;
export let packCells: u32 = 0;
export let packThreshold: f64 = 0;
export let packHysteresis: f64 = 0;
export let packVersion: u32 = 0;
/** Whether the model has the lead rows (output [2 cells + 1]). */
export let packHasLead: bool = false;
/** The pack model's name in its metadata (in the pack window) and its length; 0: none. */
export let packName: usize = 0;
export let packNameLen: u32 = 0;
let base: usize = 0;

/** Training mean of feature f (no bounds check: f < packFeatures). */
export function packMeanOf(f: u32): f64 {
  return <f64>load<f32>(base + 16 + 4 * f);
}

/** Training standard deviation of feature f. */
export function packStdOf(f: u32): f64 {
  return <f64>load<f32>(base + 16 + 4 * packFeatures + 4 * f);
}

/**
 * Parses and checks the metadata of the loaded (pack) model against its tensors: kind 1, the
 * fixed feature layout, int8 input [cells, F] and output [cells + 1] or [2 cells + 1], finite positive std,
 * 0 < threshold < 1 and 0 <= hysteresis < threshold. Returns OK or E_METADATA (packCells is then 0).
 */
export function packMetaParse(): i32 {
  packCells = 0;
  const p = modelMetadataPtr();
  const len = modelMetadataLen();
  if (p == 0 || len < 16) return S.E_METADATA;
  if (load<u32>(p) != META_MAGIC || load<u16>(p, 4) != 2 || load<u16>(p, 14) != META_KIND_PACK) return S.E_METADATA;
  const F = <u32>load<u16>(p, 6);
  const W = <u32>load<u16>(p, 8);
  const N = <u32>load<u16>(p, 10);
  const cells = <u32>load<u16>(p, 12);
  if (W == 0 || W > MAX_PACK_WINDOW || F != W * PACK_CYCLE_CHANNELS + PACK_STATIC_CHANNELS) return S.E_METADATA;
  if (cells == 0 || cells > MAX_PACK_CELLS || N == 0) return S.E_METADATA;
  if (len < 28 + 8 * F) return S.E_METADATA;
  if (modelInputType() != 9 || modelOutputType() != 9) return S.E_METADATA;
  const outB = modelOutputBytes();
  if (modelInputBytes() != cells * F || (outB != cells + 1 && outB != 2 * cells + 1)) return S.E_METADATA;
  packHasLead = outB != cells + 1;
  base = p;
  packFeatures = F;
  for (let f: u32 = 0; f < F; f++) {
    const sd = packStdOf(f);
    if (!(sd > 0) || !isFinite(sd) || !isFinite(packMeanOf(f))) return S.E_METADATA;
  }
  const thr = <f64>load<f32>(p + 16 + 8 * F);
  const hyst = <f64>load<f32>(p + 20 + 8 * F);
  if (!(thr > 0 && thr < 1) || !(hyst >= 0 && hyst < thr)) return S.E_METADATA;
  packWindow = W;
  packHorizon = N;
  packThreshold = thr;
  packHysteresis = hyst;
  packVersion = load<u32>(p + 24 + 8 * F);
  packNameLen = metaNameLen(p, len, 28 + 8 * F);
  packName = p + 29 + 8 * F;
  packCells = cells;
  return S.OK;
}
