import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forecastRangeC, withSiteLimits } from './site.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { InputError } from '@dendra/core/errors.ts';
import { GRID_MODEL, PACK_MODEL } from '@dendra/core/paths.ts';

test('withSiteLimits writes the limits into the metadata and leaves the graph and weights alone', () => {
  const bytes = new Uint8Array(readFileSync(GRID_MODEL));
  const site = readTflite(withSiteLimits(bytes, { otLimitC: 21.25, hysteresisC: 0.5 }));
  const orig = readTflite(bytes);
  const meta = decodeDendraMeta(site.metadata.dendra);
  assert.equal(meta.otLimitC, 21.25);
  assert.equal(meta.hysteresisC, 0.5);
  assert.deepEqual(meta.std, decodeDendraMeta(orig.metadata.dendra).std);
  assert.equal(site.ops.length, orig.ops.length);
  site.tensors.forEach((t, i) => assert.deepEqual(t.data, orig.tensors[i].data, `tensor ${t.name}`));
});

test('withSiteLimits refuses a bad limit and a model without metadata', () => {
  const bytes = new Uint8Array(readFileSync(GRID_MODEL));
  assert.throws(() => withSiteLimits(bytes, { otLimitC: Number.NaN }), (e: unknown) => e instanceof InputError && /limit/.test(e.message));
  assert.throws(() => withSiteLimits(bytes, { otLimitC: 20, hysteresisC: -1 }), (e: unknown) => e instanceof InputError && /hysteresis/.test(e.message));
});

test('forecastRangeC: the int8 output range of the committed grid model in degC; a pack model has none', () => {
  const bytes = new Uint8Array(readFileSync(GRID_MODEL));
  const m = readTflite(bytes);
  const meta = decodeDendraMeta(m.metadata.dendra!);
  const q = m.tensors[m.outputs[0]].quant!;
  const r = forecastRangeC(bytes);
  const c = (v: number) => meta.mean[meta.target] + meta.std[meta.target] * q.scale[0] * (v - q.zeroPoint[0]);
  assert.ok(Math.abs(r.minC - c(-128)) < 1e-9 && Math.abs(r.maxC - c(127)) < 1e-9);
  assert.ok(r.minC < 11 && r.maxC > 20, `range ${r.minC}..${r.maxC} holds the demo's limits`);
  assert.throws(() => forecastRangeC(new Uint8Array(readFileSync(PACK_MODEL))), (e: unknown) => e instanceof InputError && /pack model has no top-oil forecast/.test((e as Error).message));
});
