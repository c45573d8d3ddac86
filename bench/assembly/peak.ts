// The "peak" for `make bench`: one long int8 dot product with the firmware's own SIMD loop (no
// per-row, requantization or op overhead), so the achieved MAC/ns of a model can be read as a
// fraction of what this machine's wasm SIMD does at best in the same process.
import { dotSimd } from "../../firmware/assembly/kernels/dot";

/** Reserves `n` bytes (set-up only). */
export function alloc(n: u32): usize {
  return heap.alloc(<usize>n);
}

/** `reps` dot products of length `n` (offsets as a real layer has); returns the sum so nothing is elided. */
export function peak(a: usize, b: usize, n: i32, reps: i32): i32 {
  let s: i32 = 0;
  for (let r = 0; r < reps; r++) s += dotSimd(a, 1, b, -3, n);
  return s;
}
