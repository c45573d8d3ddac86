// Quantization checks shared by the int8 kernels.

import * as S from "../status";
import { tNScale, scale0, zpAt } from "../tflite/model";

/** True when `s` is a usable quantization scale: finite and > 0. */
export function activationScaleOk(s: f32): bool {
  return s > 0 && isFinite(s);
}

/**
 * Checks that tensor `t` has per-tensor int8 quantization: exactly one scale, finite and > 0,
 * and a zero point in [-128, 127]. Returns OK or E_QUANT.
 */
export function checkInt8Activation(t: i32): i32 {
  if (unchecked(tNScale[t]) != 1) return S.E_QUANT;
  if (!activationScaleOk(scale0(t))) return S.E_QUANT;
  const zp = zpAt(t, 0);
  if (zp < -128 || zp > 127) return S.E_QUANT;
  return S.OK;
}
