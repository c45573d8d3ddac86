import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { fileMedian, readModelFile } from './model.ts';
import { listedModels, readCard, resolveNamedModel } from './named.ts';
import { NOT_RUNNABLE, PREDICTABLE } from './card.ts';

const dir = join(REPO_ROOT, 'models', 'materials');

test('--model NAME: the card lists exactly the runnable models, and each resolves', () => {
  const file = readModelFile(dir);
  const card = readCard(dir);
  const listed = listedModels(card);
  assert.deepEqual(listed, PREDICTABLE.map((m) => m.name).sort());
  for (const n of listed) assert.doesNotThrow(() => resolveNamedModel(n, file, card), n);
  assert.deepEqual(resolveNamedModel('selected', file, card), { name: 'selected', use: 'file' });
  assert.deepEqual(resolveNamedModel('obelix-rf', file, card), { name: 'obelix-rf', use: 'obelix-rf' });
  const m = resolveNamedModel('median', file, card);
  assert.equal(m.use, 'median');
  if (m.use === 'median') {
    assert.equal(m.median, fileMedian(file));
    assert.ok(Number.isFinite(m.median));
    assert.ok(m.rmse > 1 && m.rmse < 4, `median RMSE ${m.rmse}`);
  }
  // the graph networks are not listed (no weights): the card says why, and asking is a usage error
  const reasons = card.notRunnable as { names: string[]; reason: string }[];
  assert.ok(reasons.some((r) => r.names.includes('gnn-resid-gbt-cens') && /no weights/.test(r.reason)));
  assert.deepEqual(reasons.map((r) => r.names), NOT_RUNNABLE.map((r) => [...r.names]));
  assert.throws(() => resolveNamedModel('gnn-resid-gbt-cens', file, card), (e: unknown) => e instanceof UsageError);
  assert.throws(() => resolveNamedModel('xgboost', file, card), (e: unknown) => e instanceof UsageError && /neither a model directory nor a model the card lists/.test((e as Error).message));
});

test('--model NAME on an older card: the CV-only models are a one-line E_MODEL_NOT_BUILT', () => {
  const file = readModelFile(dir);
  const card = { cv: [{ model: 'median', protocol: 'grouped', subset: 'all', exact: { rmse: { value: 3 } } }, { model: 'mlp' }], gnn: { rows: [{ model: 'gnn-cens' }] } };
  assert.deepEqual(listedModels(card), ['gnn-cens', 'median', 'mlp']);
  for (const n of ['gnn-cens', 'mlp']) {
    assert.throws(() => resolveNamedModel(n, file, card), (e: Error & { code?: string }) => e.code === 'E_MODEL_NOT_BUILT' && e.message.includes(`--model ${n}:`) && !e.message.includes('\n'));
  }
});
