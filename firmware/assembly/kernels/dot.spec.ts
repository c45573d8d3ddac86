// Reference vs SIMD dot products on pseudo-random int8 data: must be equal bit for bit.
import { dotRef, dotSimd, dotStridedRef, dotColumns8, dotUseSimd } from "./dot";

let seed: u32 = 12345;
function rnd(): i32 {
  seed = seed * 1664525 + 1013904223;
  return <i32>(seed >> 24) - 128;
}

describe("int8 dot products: reference == SIMD", () => {
  test("the test build has SIMD compiled in (dotUseSimd(true) returns true)", () => {
    expect(dotUseSimd(true)).toBe(true);
  });
  test("dotSimd == dotRef for n = 0..100, random offsets in [-127,128]", () => {
    const a = memory.data(128);
    const b = memory.data(128);
    let mismatches = 0;
    for (let n = 0; n <= 100; n++) {
      for (let i = 0; i < 128; i++) {
        store<i8>(a + i, <i8>rnd());
        store<i8>(b + i, <i8>rnd());
      }
      const ao = rnd() + 1;
      const bo = rnd() + 1;
      if (dotSimd(a, ao, b, bo, n) != dotRef(a, ao, b, bo, n)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
  test("extreme values: all -128 with offset 128 and all 127 with offset -127..128", () => {
    const a = memory.data(96);
    const b = memory.data(96);
    for (let i = 0; i < 96; i++) {
      store<i8>(a + i, -128);
      store<i8>(b + i, 127);
    }
    expect(dotSimd(a, 128, b, 128, 96)).toBe(dotRef(a, 128, b, 128, 96));
    expect(dotSimd(a, -127, b, -127, 96)).toBe(dotRef(a, -127, b, -127, 96));
    expect(dotRef(a, -127, b, -127, 96)).toBe(96 * 255 * 0);
    expect(dotRef(a, 0, b, 0, 96)).toBe(96 * -128 * 127);
  });
  test("dotColumns8 SIMD == 8 strided reference columns (k = 1..20, stride 8..24)", () => {
    const a = memory.data(32);
    const b = memory.data(24 * 20 + 8);
    const dst = memory.data(32, 16);
    let mismatches = 0;
    for (let k = 1; k <= 20; k++) {
      const stride = 8 + (k % 17);
      for (let i = 0; i < 32; i++) store<i8>(a + i, <i8>rnd());
      for (let i = 0; i < 24 * 20 + 8; i++) store<i8>(b + i, <i8>rnd());
      const ao = rnd() + 1;
      const bo = rnd() + 1;
      dotUseSimd(true);
      dotColumns8(a, ao, b, bo, k, stride, dst);
      for (let q = 0; q < 8; q++) {
        if (load<i32>(dst + q * 4) != dotStridedRef(a, ao, b + q, bo, k, stride)) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });
});
