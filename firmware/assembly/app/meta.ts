// Dendra metadata ("dendra" buffer of the model, CONTRACTS.md), read in place and validated.

import { modelMetadataPtr, modelMetadataLen, modelInputBytes, modelOutputBytes } from "../interp/interpreter";
import * as S from "../status";

export const META_MAGIC: u32 = 0x31444d44;
export const MAX_CHANNELS: u32 = 16;
export const MAX_WINDOW: u32 = 512;
export const MAX_HORIZON: u32 = 256;
/** Model kind (u16 at offset 14, reserved 0 in older files): 0 grid, 1 pack (app/packmeta.ts). */
export const META_KIND_GRID: u16 = 0;
export const META_KIND_PACK: u16 = 1;

/** Parsed metadata; valid after metaParse() returned OK. */
export let nChannels: u32 = 0;
export let window: u32 = 0;
export let horizon: u32 = 0;
export let target: u32 = 0;
export let limitC: f64 = 0;
export let hysteresisC: f64 = 0;
export let modelVersion: u32 = 0;
let base: usize = 0;

/** Training mean of channel c (no bounds check: c < nChannels). */
export function meanOf(c: u32): f64 {
  return <f64>load<f32>(base + 16 + 4 * c);
}

/** Training standard deviation of channel c. */
export function stdOf(c: u32): f64 {
  return <f64>load<f32>(base + 16 + 4 * nChannels + 4 * c);
}

/**
 * Parses and checks the metadata of the loaded model against its input/output tensors.
 * Returns OK or E_METADATA (missing, truncated, not a grid model, inconsistent with the model).
 */
export function metaParse(): i32 {
  const p = modelMetadataPtr();
  const len = modelMetadataLen();
  if (p == 0 || len < 16) return S.E_METADATA;
  if (load<u32>(p) != META_MAGIC || load<u16>(p, 4) != 2) return S.E_METADATA;
  if (load<u16>(p, 14) != META_KIND_GRID) return S.E_METADATA; // e.g. a pack model in the grid slot
  const n = <u32>load<u16>(p, 6);
  const L = <u32>load<u16>(p, 8);
  const H = <u32>load<u16>(p, 10);
  const t = <u32>load<u16>(p, 12);
  if (n == 0 || n > MAX_CHANNELS || L == 0 || L > MAX_WINDOW || H == 0 || H > MAX_HORIZON || t >= n) {
    return S.E_METADATA;
  }
  if (len < 28 + 8 * n) return S.E_METADATA;
  if (modelInputBytes() != n * L || modelOutputBytes() != H) return S.E_METADATA;
  base = p;
  nChannels = n;
  window = L;
  horizon = H;
  target = t;
  for (let c: u32 = 0; c < n; c++) {
    const sd = stdOf(c);
    if (!(sd > 0) || !isFinite(sd) || !isFinite(meanOf(c))) return S.E_METADATA;
  }
  limitC = <f64>load<f32>(p + 16 + 8 * n);
  hysteresisC = <f64>load<f32>(p + 20 + 8 * n);
  modelVersion = load<u32>(p + 24 + 8 * n);
  if (!isFinite(limitC) || !isFinite(hysteresisC) || hysteresisC < 0) return S.E_METADATA;
  return S.OK;
}
