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
/** The model's name in its metadata (in the model window, which stays in RAM) and its length; 0: none. */
export let modelName: usize = 0;
export let modelNameLen: u32 = 0;
let base: usize = 0;

/**
 * Length of the model name stored at p + at in a metadata buffer of `len` bytes (u8 length, then
 * the name), or 0 when it is absent, runs past the buffer, or is not 1..48 of [A-Za-z0-9._-]
 * (the `model` record's pattern, docs/schemas/model.schema.json). Reads only [p, p+len).
 */
export function metaNameLen(p: usize, len: u32, at: u32): u32 {
  if (len < at + 1) return 0;
  const n = <u32>load<u8>(p + at);
  if (n == 0 || n > 48 || len - at - 1 < n) return 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = <u32>load<u8>(p + at + 1 + i);
    const ok = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d;
    if (!ok) return 0;
  }
  return n;
}

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
  modelNameLen = metaNameLen(p, len, 28 + 8 * n);
  modelName = p + 29 + 8 * n;
  if (!isFinite(limitC) || !isFinite(hysteresisC) || hysteresisC < 0) return S.E_METADATA;
  return S.OK;
}
