import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { GOAL_LABELS, type ProtocolReport } from './protocol.ts';
import { seedRuns, type AblationCell, type AblationReport, type Run } from './ablation.ts';
import { ablationFindings, ablationTable, cellDeltas, compare, lookbackTable } from './ablation_format.ts';
import { mixingFindings, mixingTable } from './mixing_format.ts';

const m = (mse: number) => ({ mse, mae: mse, windows: 10 });
const run = (test: number, bestEpoch = 3): Run => ({ val: m(test * 2), test: m(test), bestEpoch, epochsRun: 9 });
const cell = (label: string, gnn: number[], noEdges: number[] | null, ridge: number, epochs = 3): AblationCell => {
  const [setting, h] = label.split('-');
  const g = seedRuns(gnn.map((_, k) => k + 1), gnn.map((x) => run(x, epochs)));
  return {
    label, config: { window: 96, horizon: Number(h), setting: setting as 'S' | 'M' | 'MS', thermal: false }, gnn: g,
    noEdges: noEdges ? { ...seedRuns(noEdges.map((_, k) => k + 1), noEdges.map((x) => run(x))), sameAsGnn: false } : { ...g, sameAsGnn: true },
    ridge: { val: m(ridge * 2), test: m(ridge) },
  };
};

test('compare: beyond noise only past two standard errors; one seed on both sides is not measured', () => {
  assert.equal(compare({ mean: 0.39, sd: 0.001 }, 3, { mean: 0.38, sd: 0.001 }, 3).verdict, 'beyond noise');
  assert.equal(compare({ mean: 0.381, sd: 0.002 }, 3, { mean: 0.38, sd: 0.002 }, 3).verdict, 'within noise');
  assert.equal(compare({ mean: 0.381, sd: 0 }, 1, { mean: 0.38, sd: 0 }, 1).verdict, 'one seed: noise not measured');
  // a deterministic ridge against three identical seeds: no spread, any difference is beyond noise, none is within
  assert.equal(compare({ mean: 0.38 + 1e-12, sd: 0 }, 3, { mean: 0.38, sd: 0 }, 0).verdict, 'no difference');
  assert.equal(compare({ mean: 0.3801, sd: 0.001 }, 3, { mean: 0.38, sd: 0 }, 0).verdict, 'within noise');
  const d = compare({ mean: 0.4, sd: 0 }, 3, { mean: 0.5, sd: 0 }, 0);
  assert.equal(d.verdict, 'beyond noise');
  assert.ok(Math.abs(d.pct + 20) < 1e-9);
});

test('findings name the part that does the work: the ridge when the graph never survives validation', () => {
  const a: AblationReport = {
    how: '', seconds: 0,
    cells: [cell('S-96', [0.0547, 0.0547, 0.0547], null, 0.0547, 0), cell('M-96', [0.3844, 0.3855, 0.3844], [0.3848, 0.3830, 0.3851], 0.3831)],
    lookback: [{ label: 'M-96 L336', config: { window: 336, horizon: 96, setting: 'M', thermal: false }, gnn: seedRuns([1], [run(0.371)]), ridge: { val: m(0.7), test: m(0.370) } }],
  };
  const f = ablationFindings(a);
  assert.match(f[0], /epoch 0 is the ridge itself/);
  assert.match(f[0], /no edges to remove/);
  assert.match(f[1], /removing the edges .*within noise/);
  assert.doesNotMatch(f[1], /epoch 0 is the ridge itself/);
  assert.match(f[2], /look-back M-96 L336: GNN 0.3710 vs ridge 0.3700/);
  assert.equal(cellDeltas(a.cells[0]).edges, undefined);
  const t = ablationTable(a);
  assert.equal(t.length, 4);
  assert.match(t[2], /\(one node: same model\)/);
  const lb = lookbackTable(a, 'ETTh1');
  // the L = 96 goal row and the L = 336 row; PatchTST/42 is at the same L only on the L = 336 row
  assert.equal(lb.length, 4);
  assert.match(lb[3], /\| 336 \|.*PatchTST\/42 0.375 \| .*PatchTST\/64 0.370 \(L 512\)/);
  assert.doesNotMatch(lb[2].split('|')[5], /PatchTST/);
});

test('the committed card holds the ablation: every protocol setting, three seeds at S-96 and M-96, its findings in the card and its tables in the README', () => {
  const dir = path.join(REPO_ROOT, 'models', 'grid');
  const card = JSON.parse(readFileSync(path.join(dir, 'grid.card.json'), 'utf8')) as { protocol?: ProtocolReport; limitations: string[] };
  const a = card.protocol?.ablation;
  assert.ok(a, 'models/grid/grid.card.json has protocol.ablation (scripts/grid-ablation.ts --write, then dendra quantize)');
  assert.deepEqual(a.cells.map((c) => c.label), card.protocol!.rows.map((r) => r.label));
  for (const c of a.cells) {
    assert.deepEqual(c.gnn.seeds, GOAL_LABELS.includes(c.label) ? [1, 2, 3] : [1], c.label);
    // the seed-1 GNN is the protocol row itself (same training run)
    const row = card.protocol!.rows.find((r) => r.label === c.label)!;
    assert.equal(c.gnn.runs[0].test.mse, row.float.test.mse, c.label);
    assert.equal(c.noEdges.sameAsGnn, c.config.setting === 'S');
    assert.equal(c.noEdges.seeds.length, c.gnn.seeds.length);
  }
  for (const line of ablationFindings(a)) assert.ok(card.limitations.includes(line), `card limitation missing: ${line}`);
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  for (const line of [...ablationTable(a), ...lookbackTable(a, 'ETTh1')]) assert.ok(readme.includes(line), `README.md does not show: ${line}`);
});

test('the committed card holds the channel-mixing study: trunk alone, mixing with and without edges over three seeds, beside the anchors in the README', () => {
  const dir = path.join(REPO_ROOT, 'models', 'grid');
  const card = JSON.parse(readFileSync(path.join(dir, 'grid.card.json'), 'utf8')) as { protocol?: ProtocolReport; limitations: string[] };
  const mix = card.protocol?.ablation?.mixing;
  assert.ok(mix, 'models/grid/grid.card.json has protocol.ablation.mixing (scripts/grid-mixing.ts --write, then dendra quantize)');
  const labels = mix.cells.map((c) => c.label);
  for (const want of ['S-96 L336', 'M-96 L336', 'MS-24 L336']) assert.ok(labels.includes(want), `mixing cell ${want}`);
  for (const c of mix.cells) {
    if (c.config.setting === 'S') {
      assert.deepEqual(c.variants, {}, 'S has one node: nothing to mix');
      continue;
    }
    for (const v of ['graph', 'noEdges'] as const) assert.deepEqual(c.variants[v]?.seeds, [1, 2, 3], `${c.label} ${v}`);
    // epoch 0 is the trunk: a run that kept it scores the trunk's test MSE exactly
    for (const r of c.variants.graph!.runs) if (r.bestEpoch === 0) assert.equal(r.test.mse, c.trunk.test.mse);
  }
  for (const line of mixingFindings(mix)) assert.ok(card.limitations.includes(line), `card limitation missing: ${line}`);
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  for (const line of mixingTable(mix, 'ETTh1')) assert.ok(readme.includes(line), `README.md does not show: ${line}`);
});
