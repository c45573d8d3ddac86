import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { attributionLine, workLine } from './card.ts';
import { DEFAULT_GRID_DIR } from './eval.ts';
import type { FloatModelFile } from './train.ts';

const withEpoch = (bestEpoch: number) => ({ config: { window: 336, horizon: 24, setting: 'MS', thermal: false }, budget: { bestEpoch, epochsRun: 8 } }) as unknown as FloatModelFile;

test('attributionLine: a model that kept epoch 0 reads only OT and says so; a trained graph head mixes the channels', () => {
  const zero = attributionLine(withEpoch(0));
  assert.match(zero, /^attributions: this model reads only oil temperature \(OT\): its output does not depend on HUFL, HULL, MUFL, MULL, LUFL, LULL /);
  assert.match(zero, /exactly 0 to the six others/);
  assert.match(zero, /at L 336$/);
  const mixed = attributionLine(withEpoch(3));
  assert.doesNotMatch(mixed, /reads only/);
  assert.match(mixed, /exact Shapley values over the 7 channels, which the graph head mixes/);
});

test('the committed grid card carries the work and attribution lines of its own float model, and its description says it reads only OT', () => {
  const f = JSON.parse(readFileSync(path.join(DEFAULT_GRID_DIR, 'grid.float.json'), 'utf8')) as FloatModelFile;
  const card = JSON.parse(readFileSync(path.join(DEFAULT_GRID_DIR, 'grid.card.json'), 'utf8')) as { description: string; limitations: string[] };
  assert.deepEqual(card.limitations.slice(0, 2), [workLine(f), attributionLine(f)]);
  if (f.budget.bestEpoch === 0) assert.match(card.description, /the model reads only oil temperature \(OT\), and its alert attributions give everything to it/);
});
