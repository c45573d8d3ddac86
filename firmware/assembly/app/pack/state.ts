// State of the last pack frame, shared by the step (pack.ts writes it) and the payloads (packpub.ts
// reads it), so that neither imports the other. Static buffers sized for MAX_PACK_CELLS.

import * as P from "./packmeta";

/** Per cell: risk (f64) of the last frame; alive and at-risk flags (u8). */
export const risks: usize = memory.data(8 * <i32>P.MAX_PACK_CELLS);
export const alive: usize = memory.data(<i32>P.MAX_PACK_CELLS);
export const atRisk: usize = memory.data(<i32>P.MAX_PACK_CELLS);
/** Per cell: predicted cycles to initiation (i32) of the last frame (the horizon for a model without lead rows). */
export const leads: usize = memory.data(4 * <i32>P.MAX_PACK_CELLS);

/** Pack-level risk of the last frame, and the board ms of its two model switches and inference. */
let packRiskV: f64 = 0;
let swapMsV: f64 = 0;
let inferMsV: f64 = 0;

/** Pack-level risk of the last frame. */
// @ts-ignore: decorator
@inline export function packRisk(): f64 { return packRiskV; }
/** Board ms of the last frame's two model switches (pack in, grid back). */
// @ts-ignore: decorator
@inline export function lastSwapMs(): f64 { return swapMsV; }
/** Board ms of the last frame's inference. */
// @ts-ignore: decorator
@inline export function lastInferMs(): f64 { return inferMsV; }
/** Records the last frame's pack risk (readRisk). */
// @ts-ignore: decorator
@inline export function setPackRisk(v: f64): void { packRiskV = v; }
/** Records the last frame's timings (runFrame). */
// @ts-ignore: decorator
@inline export function setTimings(swapMs: f64, inferMs: f64): void { swapMsV = swapMs; inferMsV = inferMs; }

/** Risk of cell k in the last frame (no bounds check: k < packCells). */
export function packCellRisk(k: u32): f64 { return load<f64>(risks + 8 * k); }
/** Whether cell k was alive (alive flag 1) in the last frame. */
export function packCellAlive(k: u32): bool { return load<u8>(alive + k) != 0; }
/** Whether cell k is in the raised alert (risk crossed the threshold, not yet below threshold - hysteresis). */
export function packCellAtRisk(k: u32): bool { return load<u8>(atRisk + k) != 0; }
