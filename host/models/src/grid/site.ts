/**
 * Site configuration of the grid model: the alert limit and hysteresis of one transformer live in
 * the model's "dendra" metadata (CONTRACTS.md), so a site gets its own copy of the model file with
 * its limits written in. The weights and every other byte of the graph stay as they were.
 */
import { InputError } from '@dendra/core/errors.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';

/** A site's alert settings (degC). */
export interface SiteLimits {
  otLimitC: number;
  hysteresisC?: number;
}

/**
 * Returns a copy of a grid .tflite with the site's limits in its metadata.
 *
 * @throws InputError (`E_MODEL`) when the bytes are not a grid model with Dendra metadata;
 *   InputError (`E_USAGE`) for a limit that is not finite or a negative hysteresis.
 */
export function withSiteLimits(model: Uint8Array, limits: SiteLimits): Uint8Array {
  if (!Number.isFinite(limits.otLimitC)) throw new InputError('E_USAGE', `oil-temperature limit must be a number, got ${limits.otLimitC}`);
  if (limits.hysteresisC !== undefined && !(limits.hysteresisC >= 0)) {
    throw new InputError('E_USAGE', `hysteresis must be >= 0 degC, got ${limits.hysteresisC}`);
  }
  const m = readTflite(model);
  const raw = m.metadata.dendra;
  if (!raw) throw new InputError('E_MODEL', 'model has no "dendra" metadata: not a Dendra grid model');
  const meta = decodeDendraMeta(raw);
  meta.otLimitC = Math.fround(limits.otLimitC);
  if (limits.hysteresisC !== undefined) meta.hysteresisC = Math.fround(limits.hysteresisC);
  m.metadata.dendra = encodeDendraMeta(meta);
  return writeTflite(m);
}

/** The top-oil temperatures a grid model can forecast at all, degC. */
export interface ForecastRange {
  minC: number;
  maxC: number;
}

/**
 * The forecast range of a grid model: its int8 output's representable values
 * `scale * (q - zeroPoint)` for q in -128..127, de-normalized with the target channel's mean and
 * std from its metadata. A site limit outside it can never (or always) raise `overload.warning`.
 * @throws InputError (`E_MODEL`) when the bytes are not a grid model with Dendra metadata and a
 *   per-tensor quantized int8 output.
 */
export function forecastRangeC(model: Uint8Array): ForecastRange {
  const m = readTflite(model);
  const raw = m.metadata.dendra;
  if (!raw) throw new InputError('E_MODEL', 'model has no "dendra" metadata: not a Dendra grid model');
  const meta = decodeDendraMeta(raw);
  if ((meta.kind ?? 'grid') !== 'grid') throw new InputError('E_MODEL', `a ${meta.kind} model has no top-oil forecast: give the grid model`);
  const out = m.tensors[m.outputs[0]];
  const scale = out?.quant?.scale?.[0];
  const zp = out?.quant?.zeroPoint?.[0] ?? 0;
  if (out?.type !== 'int8' || !(typeof scale === 'number' && scale > 0)) throw new InputError('E_MODEL', 'the model\'s output is not a quantized int8 tensor');
  const mean = meta.mean[meta.target];
  const std = meta.std[meta.target];
  const c = (q: number) => mean + std * scale * (q - zp);
  return { minC: Math.min(c(-128), c(127)), maxC: Math.max(c(-128), c(127)) };
}
