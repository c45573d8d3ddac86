/**
 * Host-side computation of what the board computes for one window of ETTh1: the same input
 * preparation (host/models/src/grid/window.ts, CONTRACTS.md), the host int8 executor, and the same
 * forecast read-out, so tests can compare the board's payloads with the int8 model exactly.
 */
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { runInt8 } from '@dendra/models/quant/executor.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadEtt } from '@dendra/models/grid/data.ts';
import { forecastC, prepareInput, roundHalfAway } from '@dendra/models/grid/window.ts';
import { DEFAULT_ETT, REPO_ROOT } from '@dendra/core/paths.ts';
import { attribContext, hostRunner, occlusionDeltas, topInputs } from '@dendra/models/grid/attrib.ts';

let rows: Float32Array[] | undefined;

function ettRows(): Float32Array[] {
  rows ??= loadEtt(DEFAULT_ETT).rows;
  return rows;
}


/** The int8 input of the window whose first row is `startRow`. */
export function windowInput(model: QModel, startRow: number): Int8Array {
  const meta = decodeDendraMeta(model.metadata.dendra);
  const window = ettRows().slice(startRow, startRow + meta.window);
  return prepareInput(model, meta, window);
}

/** `n` real inputs from the ETTh1 test split, spaced a day apart. */
export function realInputs(model: QModel, n: number): Int8Array[] {
  return Array.from({ length: n }, (_, k) => windowInput(model, 11520 + 24 * k));
}

/** The forecast the board derives from the int8 output (CONTRACTS.md "Output and alert value"). */
export function forecastForWindow(model: QModel, startRow: number) {
  const meta = decodeDendraMeta(model.metadata.dendra);
  const out = runInt8(model, windowInput(model, startRow));
  const q = model.tensors[model.outputs[0]].quant!;
  const last = ettRows()[startRow + meta.window - 1][meta.target];
  const { peakC, peakRaw, leadH } = forecastC(out, q, meta.std[meta.target], last, meta.otLimitC);
  return { peakC, peakRaw, leadH, peakC2: roundHalfAway(peakC * 100) / 100 };
}

/** The `top` a raised alert of this window carries (occlusion attribution, host/models/src/grid/attrib.ts). */
export function topForWindow(model: QModel, startRow: number): { input: string; delta_c: number }[] {
  const meta = decodeDendraMeta(model.metadata.dendra);
  const ctx = attribContext(model, meta, ettRows()[startRow + meta.window - 1][meta.target]);
  const deltas = occlusionDeltas(hostRunner(model), windowInput(model, startRow), ctx);
  // + 0 turns -0 into 0, as the board prints it.
  return topInputs(deltas).map((t) => ({ input: t.input, delta_c: roundHalfAway(t.value * 100) / 100 + 0 }));
}

/**
 * The committed grid model with an alert limit at the median int8 peak of windows 0..39 (so a replay
 * from the test split raises and clears) and no hysteresis, as `version`, written to `file`.
 * @throws Error from the file system when `file` cannot be written.
 */
export function gridModelWithLimit(file: string, version = 1): { file: string; limit: number; model: QModel } {
  const model = readTflite(new Uint8Array(readFileSync(path.join(REPO_ROOT, 'models', 'grid', 'grid.tflite'))));
  const meta = decodeDendraMeta(model.metadata.dendra);
  const peaks = Array.from({ length: 40 }, (_, k) => forecastForWindow(model, 11520 + k).peakC).sort((a, b) => a - b);
  meta.otLimitC = Math.fround(peaks[20] - 0.005);
  meta.hysteresisC = 0;
  meta.modelVersion = version;
  model.metadata.dendra = encodeDendraMeta(meta);
  const bytes = writeTflite(model);
  writeFileSync(file, bytes);
  return { file, limit: meta.otLimitC, model: readTflite(bytes) };
}

/**
 * The overload alerts the board raises and clears over windows 0..n-1 from `startRow` (firmware
 * app/grid/grid.ts updateAlert: raised when some hour of the forecast is above the limit, cleared when the
 * peak is below limit - hysteresis), in order.
 */
export function gridAlerts(model: QModel, startRow: number, n: number): { window: number; state: 'raised' | 'cleared' }[] {
  const meta = decodeDendraMeta(model.metadata.dendra);
  const out: { window: number; state: 'raised' | 'cleared' }[] = [];
  let active = false;
  for (let k = 0; k < n; k++) {
    const f = forecastForWindow(model, startRow + k);
    if (!active && f.leadH > 0) out.push({ window: k, state: 'raised' }), (active = true);
    else if (active && f.peakC < meta.otLimitC - meta.hysteresisC) out.push({ window: k, state: 'cleared' }), (active = false);
  }
  return out;
}
