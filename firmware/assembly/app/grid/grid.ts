// Grid app: a DMA window of transformer telemetry -> int8 input -> inference -> forecast ->
// telemetry every window and an overload.warning alert (raised/cleared with hysteresis).

import { dma_start, dma_status, DMA_DONE, DMA_BUSY } from "../../hal/dma";
import { clock_now_ms } from "../../hal/clock";
import { pmu_energy_uj } from "../../hal/pmu";
import {
  modelInputPtr, modelInputScale, modelInputZeroPoint,
  modelOutputPtr, modelOutputScale, modelOutputZeroPoint, modelInvoke,
} from "../../interp/interpreter";
import * as M from "../meta";
import { siteLimitC, siteHysteresisC } from "../site"; // operator setting, else the model's limit
import { roundHalfAway } from "../json";
import { publishTelemetry, publishAlert } from "../publish";
import { alarmHeld, alarmEnd, ALARM_OVERLOAD } from "../alarm";
import { attribCompute } from "./attrib";
import { say } from "../say";
import { LOG_WARN } from "../../hal/log";
import * as S from "../../status";
import * as X from "../../texts";

const DMA_CH: u32 = 0;
const STAGING_CAP: u32 = 4 * M.MAX_CHANNELS * M.MAX_WINDOW;
const staging: usize = memory.data(<i32>STAGING_CAP);

let ready = false;
let dmaActive = false;
let windowIndex: i64 = 0;
let alertActive = false;

/** Forecast of the last window (valid after a successful gridStep). */
export let peakC: f64 = 0;
export let peakRaw: i32 = 0;
export let leadH: i32 = 0;
export let nowC: f64 = 0;

/** Called after a model was (re)loaded and its metadata parsed: resets the pipeline. */
export function gridReset(ok: bool): void {
  ready = ok;
  dmaActive = false;
  if (alertActive) alarmEnd(ALARM_OVERLOAD); // the table never keeps an alarm its app dropped
  alertActive = false;
}

/**
 * Quantizes the staged f32 [L][n] window into the int8 input tensor [n][L] (CONTRACTS.md), each
 * channel relative to its last value: the model forecasts the change from now.
 */
function prepareInput(): void {
  const n = M.nChannels;
  const L = M.window;
  const scale = <f64>modelInputScale();
  const zp = modelInputZeroPoint();
  const dst = modelInputPtr();
  for (let c: u32 = 0; c < n; c++) {
    const last = <f64>load<f32>(staging + 4 * ((L - 1) * n + c));
    const sd = M.stdOf(c);
    for (let t: u32 = 0; t < L; t++) {
      const x = <f64>load<f32>(staging + 4 * (t * n + c));
      const z = (x - last) / sd;
      let q = <i32>roundHalfAway(z / scale) + zp;
      q = q < -128 ? -128 : q > 127 ? 127 : q;
      store<i8>(dst + c * L + t, <i8>q);
    }
  }
}

/** Reads the int8 forecast: peak (degC), its raw int8 value, and the lead to the first crossing. */
function readForecast(): void {
  const H = M.horizon;
  const scale = <f64>modelOutputScale();
  const zp = modelOutputZeroPoint();
  const out = modelOutputPtr();
  const sd = M.stdOf(M.target);
  const last = <f64>load<f32>(staging + 4 * ((M.window - 1) * M.nChannels + M.target));
  peakC = -Infinity;
  leadH = 0;
  for (let h: u32 = 0; h < H; h++) {
    const raw = <i32>load<i8>(out + h);
    const c = <f64>(raw - zp) * scale * sd + last;
    if (c > peakC) {
      peakC = c;
      peakRaw = raw;
    }
    if (leadH == 0 && c > siteLimitC()) leadH = <i32>h + 1;
  }
  nowC = last;
}

/**
 * Raises or clears the overload warning with hysteresis and a minimum hold (ALARM_HOLD_OVERLOAD
 * windows between the raise and the clear); publishes on a change of state.
 */
function updateAlert(): void {
  if (!alertActive && leadH > 0) {
    alertActive = true;
    // Only raised alerts carry the top inputs (2^nChannels extra inferences); without them on failure.
    const st = attribCompute();
    if (st != S.OK) say(LOG_WARN, X.ALERT_ATTRIB_FAILED, st, true);
    publishAlert(true, peakC, peakRaw, leadH, windowIndex);
  } else if (alertActive && peakC < siteLimitC() - siteHysteresisC() && alarmHeld(ALARM_OVERLOAD, windowIndex)) {
    alertActive = false;
    publishAlert(false, peakC, peakRaw, 0, windowIndex);
  }
}

/**
 * One step of the pipeline. Returns 1 when a window was processed, 0 when waiting (DMA busy, no
 * model), 2 when the sensor stream ended, or a negative status (the board keeps running).
 */
export function gridStep(): i32 {
  if (!ready) return 0;
  const bytes = 4 * M.nChannels * M.window;
  if (!dmaActive) {
    if (dma_start(DMA_CH, staging, bytes) < 0) return S.E_DMA;
    dmaActive = true;
  }
  const st = dma_status(DMA_CH);
  if (st == DMA_BUSY) return 0;
  dmaActive = false;
  if (st < 0) return S.E_DMA;
  if (st != DMA_DONE) return 2;
  prepareInput();
  const e0 = pmu_energy_uj();
  const t0 = clock_now_ms();
  const status = modelInvoke();
  if (status != S.OK) return status;
  readForecast();
  publishTelemetry(windowIndex, nowC, peakC, peakRaw, pmu_energy_uj() - e0, clock_now_ms() - t0);
  updateAlert();
  windowIndex++;
  return 1;
}
