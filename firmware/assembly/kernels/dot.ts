// Int8 dot products for FULLY_CONNECTED and BATCH_MATMUL: a plain reference version and a
// WebAssembly SIMD version (v128: i8 -> i16 widening, i32x4.dot_i16x8_s / extmul; never
// relaxed-simd). The SIMD code is compiled only when asc runs with `--enable simd`
// (ASC_FEATURE_SIMD); otherwise the SIMD entry points fall back to the reference loops.
// Integer adds wrap identically in any order, so both give the same result bit for bit.
// Offsets are -zero_point, in [-127, 128], so (value + offset) fits in an i16 lane.

let simdOn: bool = ASC_FEATURE_SIMD;

/** True when the kernels use the SIMD loops (only possible in a build with SIMD enabled). */
export function dotSimdEnabled(): bool {
  return simdOn;
}

/**
 * Selects the SIMD (true) or reference (false) loops for all kernels; for tests and benchmarks.
 * Returns the setting in force, which stays false in a build without SIMD.
 */
export function dotUseSimd(on: bool): bool {
  simdOn = on && ASC_FEATURE_SIMD;
  return simdOn;
}

/** Reference: sum over k < n of (a[k] + aOff) * (b[k] + bOff), int8 rows, i32 wrap-around. */
// @ts-ignore: decorator
@inline
export function dotRef(a: usize, aOff: i32, b: usize, bOff: i32, n: i32): i32 {
  let acc: i32 = 0;
  for (let k = 0; k < n; k++) {
    acc += (<i32>load<i8>(a + <usize>k) + aOff) * (<i32>load<i8>(b + <usize>k) + bOff);
  }
  return acc;
}

/** SIMD version of dotRef (same result); the reference loop when SIMD is not compiled in. */
export function dotSimd(a: usize, aOff: i32, b: usize, bOff: i32, n: i32): i32 {
  if (ASC_FEATURE_SIMD) {
    const ao = i16x8.splat(<i16>aOff);
    const bo = i16x8.splat(<i16>bOff);
    let acc = i32x4.splat(0);
    let k = 0;
    for (; k + 16 <= n; k += 16) {
      const va = v128.load(a + <usize>k);
      const vb = v128.load(b + <usize>k);
      const al = i16x8.add(i16x8.extend_low_i8x16_s(va), ao);
      const bl = i16x8.add(i16x8.extend_low_i8x16_s(vb), bo);
      const ah = i16x8.add(i16x8.extend_high_i8x16_s(va), ao);
      const bh = i16x8.add(i16x8.extend_high_i8x16_s(vb), bo);
      acc = i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(al, bl), i32x4.dot_i16x8_s(ah, bh)));
    }
    let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1)
      + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    return s + dotRef(a + <usize>k, aOff, b + <usize>k, bOff, n - k);
  } else {
    return dotRef(a, aOff, b, bOff, n);
  }
}

/** dotSimd or dotRef, as selected by dotUseSimd (default: SIMD when compiled in). */
// @ts-ignore: decorator
@inline
export function dot(a: usize, aOff: i32, b: usize, bOff: i32, n: i32): i32 {
  return simdOn ? dotSimd(a, aOff, b, bOff, n) : dotRef(a, aOff, b, bOff, n);
}

/**
 * Reference strided dot: sum over k < n of (a[k] + aOff) * (b[k * stride] + bOff); used for a
 * column of a row-major [n, stride] int8 matrix.
 */
// @ts-ignore: decorator
@inline
export function dotStridedRef(a: usize, aOff: i32, b: usize, bOff: i32, n: i32, stride: i32): i32 {
  let acc: i32 = 0;
  for (let k = 0; k < n; k++) {
    acc += (<i32>load<i8>(a + <usize>k) + aOff) * (<i32>load<i8>(b + <usize>(k * stride)) + bOff);
  }
  return acc;
}

/**
 * Eight columns at once: dst[q] = dotStridedRef(a, aOff, b + q, bOff, n, stride) for q < 8,
 * written as i32 to dst. SIMD when compiled in and selected, else the reference loop.
 * The caller guarantees columns b .. b + 7 exist in every row.
 */
export function dotColumns8(a: usize, aOff: i32, b: usize, bOff: i32, n: i32, stride: i32, dst: usize): void {
  if (ASC_FEATURE_SIMD) {
    if (simdOn) {
      const bo = i16x8.splat(<i16>bOff);
      let lo = i32x4.splat(0);
      let hi = i32x4.splat(0);
      for (let k = 0; k < n; k++) {
        const av = i16x8.splat(<i16>(<i32>load<i8>(a + <usize>k) + aOff));
        const bv = i16x8.add(v128.load8x8_s(b + <usize>(k * stride)), bo);
        lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(av, bv));
        hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(av, bv));
      }
      v128.store(dst, lo);
      v128.store(dst, hi, 16);
      return;
    }
  }
  for (let q = 0; q < 8; q++) {
    store<i32>(dst + (<usize>q << 2), dotStridedRef(a, aOff, b + <usize>q, bOff, n, stride));
  }
}
