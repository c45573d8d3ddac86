/**
 * Host-side computation of what the board computes for one window of ETTh1: the same input
 * preparation (host/models/src/grid/window.ts, CONTRACTS.md), the host int8 executor, and the same
 * forecast read-out, so tests can compare the board's payloads with the int8 model exactly.
 */
import type { QModel } from '@dendra/core/tflite/ir.ts';
import { runInt8 } from '@dendra/models/quant/executor.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { loadEtt } from '@dendra/models/grid/data.ts';
import { forecastC, prepareInput, roundHalfAway } from '@dendra/models/grid/window.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
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
