// Pack app (CONTRACTS.md "Pack model on the board"): a DMA frame of per-cell telemetry features
// on channel 1 -> normalized, quantized int8 input [cells][F] -> the pack model (slot 2, swapped
// into the interpreter for this step and the grid model swapped back after) -> per-cell and pack
// dendrite-initiation risk -> telemetry every frame and `dendrite.risk` alerts with hysteresis.
// No allocation: static buffers sized for MAX_PACK_CELLS x MAX_PACK_FEATURES.

import { dma_start, dma_status, DMA_DONE, DMA_BUSY } from "../../hal/dma";
import { clock_now_ms } from "../../hal/clock";
import { pmu_energy_uj } from "../../hal/pmu";
import {
  modelInputPtr, modelInputScale, modelInputZeroPoint,
  modelOutputPtr, modelOutputScale, modelOutputZeroPoint, modelInvoke,
} from "../../interp/interpreter";
import * as P from "./packmeta";
import { roundHalfAway } from "../json";
import { slotUse, SLOT_GRID, SLOT_PACK } from "../slot";
import { packAttribCompute } from "./packattrib";
import { publishPackTelemetry, publishPackAlert } from "./packpub";
import { alarmHeld, alarmEnd, ALARM_DENDRITE } from "../alarm";
import { risks, leads, alive, atRisk, packCellRisk, packCellAlive, packCellAtRisk, setPackRisk, setTimings } from "./state";
import { say } from "../say";
import { LOG_WARN } from "../../hal/log";
import * as S from "../../status";
import * as X from "../../texts";

/** DMA channel of the pack front-end (boards/: dma channel 1 "pack"). */
export const PACK_DMA_CH: u32 = 1;
const STAGING_CAP: u32 = 4 * P.MAX_PACK_CELLS * P.MAX_PACK_FEATURES;
const staging: usize = memory.data(<i32>STAGING_CAP);

let ready = false;
let ended = false;
let dmaActive = false;
let frameIndex: i64 = 0;
let alertActive = false;

/** Called after the pack slot was (re)loaded and its metadata parsed (ok) or refused: resets. */
export function packReset(ok: bool): void {
  ready = ok;
  ended = false;
  dmaActive = false;
  if (alertActive) alarmEnd(ALARM_DENDRITE); // the table never keeps an alarm its app dropped
  alertActive = false;
  memory.fill(atRisk, 0, P.MAX_PACK_CELLS);
}

/**
 * Writes the int8 input [cells][F] from the staged f32 frame (same layout). A cell whose alive
 * flag (its last feature) is not exactly 1 is all zero point (z = 0), as in training; otherwise
 * z = clamp((f64(x) - mean) / std, -6, 6) rounded to f32, then q = clamp(roundHalfAway(z / s) + zp).
 * A non-finite x counts as z = 0 (untrusted sensor bytes never trap the board).
 */
function prepareInput(): void {
  const F = P.packFeatures;
  const scale = <f64>modelInputScale();
  const zp = modelInputZeroPoint();
  const dst = modelInputPtr();
  for (let k: u32 = 0; k < P.packCells; k++) {
    const row = staging + 4 * k * F;
    const out = dst + k * F;
    const live = load<f32>(row + 4 * (F - 1)) == 1;
    store<u8>(alive + k, live ? 1 : 0);
    if (!live) {
      memory.fill(out, <u8>(<i8>zp), F);
      continue;
    }
    for (let f: u32 = 0; f < F; f++) {
      const x = <f64>load<f32>(row + 4 * f);
      let z = isFinite(x) ? (x - P.packMeanOf(f)) / P.packStdOf(f) : 0.0;
      z = z < -6.0 ? -6.0 : z > 6.0 ? 6.0 : z;
      let q = <i32>roundHalfAway(<f64>(<f32>z) / scale) + zp;
      q = q < -128 ? -128 : q > 127 ? 127 : q;
      store<i8>(out + f, <i8>q);
    }
  }
}

/**
 * Reads the output rows: cell risks then the pack risk, probability = (q - zp) * scale; with lead
 * rows, each cell's cycles to initiation q - zp (LOGISTIC rows of scale 1/256: 256 (q - zp) scale),
 * without them the horizon.
 */
function readRisk(): void {
  const scale = <f64>modelOutputScale();
  const zp = modelOutputZeroPoint();
  const out = modelOutputPtr();
  for (let k: u32 = 0; k < P.packCells; k++) {
    store<f64>(risks + 8 * k, <f64>(<i32>load<i8>(out + k) - zp) * scale);
    store<i32>(leads + 4 * k, P.packHasLead ? <i32>load<i8>(out + P.packCells + 1 + k) - zp : <i32>P.packHorizon);
  }
  setPackRisk(<f64>(<i32>load<i8>(out + P.packCells) - zp) * scale);
}

/**
 * Hysteresis per cell: a live cell enters the alert at risk >= threshold and leaves it below
 * threshold - hysteresis (a dead cell leaves it). The first cell entering publishes a raised alert
 * naming every cell in it (with attribution); a cell entering while the alarm is active only
 * updates the alarm table (app/alarm.ts). The alert is cleared once no cell is left in it and the
 * kind's minimum hold (ALARM_HOLD_DENDRITE frames since the raise) has passed.
 */
function updateAlert(): void {
  let entered = false;
  let any = false;
  for (let k: u32 = 0; k < P.packCells; k++) {
    const r = packCellRisk(k);
    let inAlert = packCellAtRisk(k);
    if (!packCellAlive(k)) inAlert = false;
    else if (!inAlert && r >= P.packThreshold) {
      inAlert = true;
      entered = true;
    } else if (inAlert && r < P.packThreshold - P.packHysteresis) inAlert = false;
    store<u8>(atRisk + k, inAlert ? 1 : 0);
    if (inAlert) any = true;
  }
  if (entered && alertActive) publishPackAlert(true, frameIndex, true);
  else if (entered) {
    alertActive = true;
    const st = packAttribCompute();
    if (st != S.OK) say(LOG_WARN, X.PACK_ATTRIB_FAILED, st, true);
    publishPackAlert(true, frameIndex);
  } else if (alertActive && !any && alarmHeld(ALARM_DENDRITE, frameIndex)) {
    alertActive = false;
    publishPackAlert(false, frameIndex);
  }
}

/** Swaps the pack model in, prepares, invokes and reads; the grid model is swapped back after. */
function runFrame(): i32 {
  const t0 = clock_now_ms();
  let st = slotUse(SLOT_PACK);
  const swapIn = clock_now_ms() - t0;
  if (st != S.OK) return st;
  prepareInput();
  const t1 = clock_now_ms();
  st = modelInvoke();
  const inferMs = clock_now_ms() - t1;
  if (st == S.OK) {
    readRisk();
    updateAlert(); // attribution re-runs the pack model while it is resident
  }
  const t2 = clock_now_ms();
  const back = slotUse(SLOT_GRID);
  setTimings(swapIn + (clock_now_ms() - t2), inferMs);
  if (st != S.OK) return st;
  return back == S.E_NO_MODEL ? S.OK : back; // no grid model flashed yet: nothing to swap back
}

/**
 * One step of the pack pipeline. Returns 1 when a frame was processed, 0 when waiting (DMA busy,
 * no pack model, stream over), 2 when the pack stream just ended, or a negative status.
 */
export function packStep(): i32 {
  if (!ready || ended) return 0;
  const bytes = 4 * P.packCells * P.packFeatures;
  if (!dmaActive) {
    if (dma_start(PACK_DMA_CH, staging, bytes) < 0) return S.E_DMA;
    dmaActive = true;
  }
  const st = dma_status(PACK_DMA_CH);
  if (st == DMA_BUSY) return 0;
  dmaActive = false;
  if (st < 0) return S.E_DMA;
  if (st != DMA_DONE) {
    ended = true;
    return 2;
  }
  const e0 = pmu_energy_uj();
  const r = runFrame();
  if (r != S.OK) return r;
  publishPackTelemetry(frameIndex, pmu_energy_uj() - e0);
  frameIndex++;
  return 1;
}
