import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { readModelFile, trainingMedian } from './model.ts';
import { listedModels, readCard, resolveNamedModel } from './named.ts';

const dir = join(REPO_ROOT, 'models', 'materials');

test('--model NAME: the shipped kind and median predict; every other listed model says it has no weights', () => {
  const file = readModelFile(dir);
  const card = readCard(dir);
  const listed = listedModels(card);
  for (const n of ['median', 'rf', 'gbt', 'gbt-cens', 'mlp', 'mlp-cens', 'gnn-cens', 'gnn-state-cens', 'gnn-resid-gbt-cens']) assert.ok(listed.includes(n), n);
  assert.deepEqual(resolveNamedModel(file.kind, file, card), { name: file.kind, use: 'file' });
  const m = resolveNamedModel('median', file, card);
  assert.equal(m.use, 'median');
  if (m.use === 'median') {
    assert.equal(m.median, trainingMedian(file.composition));
    assert.ok(m.rmse > 2 && m.rmse < 4, `median grouped-CV RMSE ${m.rmse}`);
  }
  for (const n of listed.filter((x) => x !== file.kind && x !== 'median')) {
    assert.throws(() => resolveNamedModel(n, file, card), (e: Error & { code?: string }) => e.code === 'E_MODEL_NOT_BUILT' && e.message.includes(`--model ${n}:`) && !e.message.includes('\n'));
  }
  assert.throws(() => resolveNamedModel('xgboost', file, card), (e: unknown) => e instanceof UsageError && /neither a model directory nor a model the card lists/.test((e as Error).message));
});
