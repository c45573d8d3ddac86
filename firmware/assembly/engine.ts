// Engine entry: the interpreter alone, with no HAL imports, for host-side tests and benchmarks
// that compare the firmware's kernels with the host executor and tfjs-tflite on the same model.
// The board firmware is main.ts; this entry exports the same interpreter code.

export {
  modelLoad, modelArenaBytes, modelInvoke, modelUnload,
  modelInputPtr, modelInputScale, modelInputZeroPoint, modelInputBytes,
  modelOutputPtr, modelOutputScale, modelOutputZeroPoint, modelOutputBytes,
  modelMetadataPtr, modelMetadataLen, modelInputType, modelOutputType,
} from "./interp/interpreter";

/**
 * Static RAM of the interpreter in bytes: everything below the heap (its tables, the per-operator
 * parameters, constants). The arena and the model buffer are allocated above it.
 */
export function engineStaticBytes(): u32 {
  return <u32>__heap_base;
}

/** Reserves `size` bytes of linear memory (once per buffer, at set-up; never freed). */
export function engineAlloc(size: u32): usize {
  return heap.alloc(<usize>size);
}
