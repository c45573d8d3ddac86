// Payloads of the pack app (docs/mqtt.md): telemetry every frame and dendrite.risk alerts, built
// in the shared JSON buffer and sent through app/publish.ts (same seq streams as the grid's).
// Risks are printed with 4 decimals: roundHalfAway(v * 10000) / 10000.

import * as J from "../json";
import * as P from "./packmeta";
import { publishBegin, publishAlertBegin, publishEnd, publishDropped } from "../publish";
import { pmu_energy_uj } from "../../hal/pmu";
import { packCellRisk, packCellAlive, packCellAtRisk, packRisk, lastSwapMs, lastInferMs, leads } from "./state";
import { packAttribCount, packAttribName, packAttribDelta } from "./packattrib";
import { alarmNote, ALARM_DENDRITE } from "../alarm";
import * as X from "../../texts";

/** Alerted cell ids, largest risk first (sortAlerted). */
const order: usize = memory.data(4 * <i32>P.MAX_PACK_CELLS);

/** Appends `v` with exactly 4 decimals (risks); non-finite values become null. */
export function jsonFixed4(v: f64): void {
  J.jsonFixed(v, 4);
}

function modelField(): void {
  J.jsonKey(X.K_MODEL);
  J.jsonByte(0x22);
  J.jsonRaw(X.PACK_AT);
  J.jsonInt(<i64>P.packVersion);
  J.jsonByte(0x22);
}

/** Number of cells in the alert now. */
function atRiskCount(): i32 {
  let n = 0;
  for (let k: u32 = 0; k < P.packCells; k++) if (packCellAtRisk(k)) n++;
  return n;
}

/**
 * Telemetry of pack frame `win` (QoS 0): every cell's risk (null for a dead cell), the pack risk,
 * cells in the alert, energy and latency of the step (inference, and the two model switches).
 */
export function publishPackTelemetry(win: i64, energyUj: f64): void {
  publishBegin(false);
  J.jsonKey(X.K_WINDOW);
  J.jsonInt(win);
  J.jsonKey(X.K_CELLS);
  J.jsonByte(0x5b);
  for (let k: u32 = 0; k < P.packCells; k++) {
    if (k > 0) J.jsonByte(0x2c);
    if (packCellAlive(k)) jsonFixed4(packCellRisk(k));
    else J.jsonRaw(X.NULL);
  }
  J.jsonByte(0x5d);
  J.jsonKey(X.K_PACK_RISK);
  jsonFixed4(packRisk());
  J.jsonKey(X.K_AT_RISK);
  J.jsonInt(<i64>atRiskCount());
  J.jsonKey(X.K_ENERGY_UJ);
  J.jsonFixed2(energyUj);
  J.jsonKey(X.K_ENERGY_TOTAL_UJ);
  J.jsonFixed2(pmu_energy_uj());
  J.jsonKey(X.K_INFER_MS);
  J.jsonFixed2(lastInferMs());
  J.jsonKey(X.K_SWAP_MS);
  J.jsonFixed2(lastSwapMs());
  J.jsonKey(X.K_DROPPED);
  J.jsonInt(publishDropped());
  modelField();
  publishEnd(false);
}

/** Sorts the alerted cells by risk (largest first, ties: lower index) into `order`; returns the count. */
function sortAlerted(): i32 {
  let n = 0;
  for (let k: u32 = 0; k < P.packCells; k++) {
    if (!packCellAtRisk(k)) continue;
    let i = n++;
    while (i > 0 && packCellRisk(load<u32>(order + 4 * (i - 1))) < packCellRisk(k)) {
      store<u32>(order + 4 * i, load<u32>(order + 4 * (i - 1)));
      i--;
    }
    store<u32>(order + 4 * i, k);
  }
  return n;
}

/** `,"top":[{"input":"stress","weight":0.1234},...]` from the last attribution, if any. */
function topField(): void {
  J.jsonTop(packAttribCount(), packAttribName, X.K_WEIGHT, packAttribDelta, 4);
}

/** Columns of the alert's risk map: ceil(sqrt(cells)) (4 for the 4s4p reference pack: one row per series group). */
export function packMapCols(): u32 {
  let c: u32 = 1;
  while (c * c < P.packCells) c++;
  return c;
}

/**
 * `,"cells":[[r,r,..],..]`: every cell's risk of this frame (4 decimals, null for a dead cell), in
 * rows of packMapCols() cells: cell k at row k / cols, column k % cols (the dashboard's heat map).
 */
function cellsMap(): void {
  const cols = packMapCols();
  J.jsonKey(X.K_CELLS);
  J.jsonByte(0x5b);
  for (let k: u32 = 0; k < P.packCells; k++) {
    if (k % cols == 0) {
      if (k > 0) J.jsonByte(0x2c);
      J.jsonByte(0x5b);
    } else J.jsonByte(0x2c);
    if (packCellAlive(k)) jsonFixed4(packCellRisk(k));
    else J.jsonRaw(X.NULL);
    if (k % cols == cols - 1 || k + 1 == P.packCells) J.jsonByte(0x5d);
  }
  J.jsonByte(0x5d);
}

/**
 * A dendrite.risk alert (QoS 1). Raised: `alerted` names the cells in the alert (ids, largest
 * risk first, ties: lower id; `at_risk` is their count), value = the largest of their risks,
 * `lead_cycles` = the predicted cycles to initiation of that cell (its lead row; a model without
 * lead rows: the horizon) and the top inputs. Cleared: `alerted` empty, value = the largest
 * live-cell risk, no top. Both carry
 * the whole pack's risk map in `cells` (cellsMap). At most 32 cells keep it within the 768-byte
 * payload; a payload that does not fit is dropped and counted (app/publish.ts). The alarm table
 * (app/alarm.ts) is updated and published first; `update` (a cell entered while the alarm is
 * active) updates only the table, no alert is published.
 */
export function publishPackAlert(raised: bool, win: i64, update: bool = false): void {
  const n = sortAlerted();
  let value: f64 = 0;
  if (raised && n > 0) value = packCellRisk(load<u32>(order));
  else for (let k: u32 = 0; k < P.packCells; k++) if (packCellAlive(k)) value = max<f64>(value, packCellRisk(k));
  const lead = raised && n > 0 ? load<i32>(leads + 4 * load<u32>(order)) : 0;
  alarmNote(ALARM_DENDRITE, raised, update, win, value, P.packThreshold, lead);
  if (update) return;
  publishAlertBegin(X.DENDRITE_RISK, raised);
  jsonFixed4(value);
  J.jsonKey(X.K_THRESHOLD);
  jsonFixed4(P.packThreshold);
  J.jsonKey(X.K_LEAD_CYCLES);
  J.jsonInt(<i64>lead);
  J.jsonKey(X.K_PACK_RISK);
  jsonFixed4(packRisk());
  J.jsonKey(X.K_AT_RISK);
  J.jsonInt(<i64>n);
  J.jsonKey(X.K_WINDOW);
  J.jsonInt(win);
  modelField();
  J.jsonKey(X.K_ALERTED);
  J.jsonByte(0x5b);
  for (let i = 0; i < n; i++) {
    if (i > 0) J.jsonByte(0x2c);
    J.jsonInt(<i64>load<u32>(order + 4 * i));
  }
  J.jsonByte(0x5d);
  cellsMap();
  if (raised) topField();
  publishEnd(true);
}
