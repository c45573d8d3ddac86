import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEtt } from './data.ts';
import { datasetFrom, type GridDataset } from './train.ts';
import { fitLinear } from './linear.ts';
import { fitMixing, fitTrunk, MIX_BUDGET } from './mixing.ts';
import { seedRuns } from './ablation.ts';
import { mixingFindings, mixingTable, paired } from './mixing_format.ts';
import type { MixingReport } from './mixing.ts';

const raw = loadEtt();
const small = (ds: GridDataset, n = 384): GridDataset => ({ ...ds, starts: { train: ds.starts.train.slice(0, n), val: ds.starts.val.slice(0, n), test: ds.starts.test.slice(0, n) } });

test('the trunk is the ridge map: M the channel-shared map on every channel, MS the OT-window map on OT', () => {
  const m = small(datasetFrom(raw, undefined, { window: 48, horizon: 24, setting: 'M', thermal: false }));
  const shape = { window: 48, horizon: 24, cols: 7 };
  const tm = fitTrunk(m);
  const ridgeM = fitLinear(m.z, m.starts, 'M', undefined, shape);
  assert.ok(Math.abs(tm.metrics.test.mse - ridgeM.test.mse) < 1e-6 * ridgeM.test.mse, `${tm.metrics.test.mse} vs ${ridgeM.test.mse}`);
  assert.equal(tm.train.t.length, m.starts.train.length * 7 * 24);
  const ms = small(datasetFrom(raw, undefined, { window: 48, horizon: 24, setting: 'MS', thermal: false }));
  const tms = fitTrunk(ms);
  const ridgeS = fitLinear(ms.z, ms.starts, 'S', undefined, shape);
  assert.ok(Math.abs(tms.metrics.val.mse - ridgeS.val.mse) < 1e-6 * ridgeS.val.mse);
  assert.equal(tms.ot.mode, 'S');
  assert.equal(tms.shared.mode, 'M');
});

test('mixing starts at the trunk, picks its epoch on validation only, is seeded, and refuses S', async () => {
  const ds = small(datasetFrom(raw, undefined, { window: 48, horizon: 24, setting: 'MS', thermal: false }), 256);
  const trunk = fitTrunk(ds);
  const o = { ...MIX_BUDGET, seed: 3, epochs: 2 };
  const a = await fitMixing(ds, trunk, 'graph', o);
  assert.ok(a.val.mse <= trunk.metrics.val.mse, 'the chosen epoch is never worse than the trunk on validation');
  if (a.bestEpoch === 0) assert.equal(a.test.mse, trunk.metrics.test.mse);
  else assert.notEqual(a.test.mse, trunk.metrics.test.mse);
  assert.deepEqual(await fitMixing(ds, trunk, 'graph', o), a);
  const none = await fitMixing(ds, trunk, 'noEdges', o);
  assert.notDeepEqual(none.val, a.val, 'the identity adjacency is a different model from the correlation graph');
  const s = small(datasetFrom(raw, undefined, { window: 48, horizon: 24, setting: 'S', thermal: false }), 64);
  await assert.rejects(fitMixing(s, fitTrunk(s), 'graph', o), /one node/);
});

test('paired differences: a gain is beyond noise only past two standard errors of the per-seed differences', () => {
  assert.equal(paired([0.37, 0.371, 0.372], [0.38, 0.38, 0.38]).verdict, 'gain beyond noise');
  assert.equal(paired([0.39, 0.391, 0.392], [0.38, 0.38, 0.38]).verdict, 'loss beyond noise');
  assert.equal(paired([0.37, 0.39, 0.375], [0.38, 0.38, 0.38]).verdict, 'within noise');
  assert.equal(paired([0.38, 0.38], [0.38, 0.38]).verdict, 'no difference');
  assert.equal(paired([0.37], [0.38]).verdict, 'one seed: noise not measured');
  // paired, not pooled: a shared seed effect cancels
  const p = paired([0.370, 0.380, 0.390], [0.371, 0.381, 0.391]);
  assert.equal(p.verdict, 'gain beyond noise');
  assert.ok(p.se < 1e-9);
});

test('the mixing table and findings say plainly whether the edges earn their place, and that S has nothing to mix', () => {
  const m = (x: number) => ({ mse: x, mae: x, windows: 10 });
  const runs = (xs: number[]) => seedRuns([1, 2, 3], xs.map((x) => ({ val: m(x * 2), test: m(x), bestEpoch: 4, epochsRun: 9 })));
  const cfg = (setting: 'S' | 'M' | 'MS', horizon: number) => ({ window: 336, horizon, setting, thermal: false });
  const r: MixingReport = {
    how: '', seconds: 0, budget: { ...MIX_BUDGET, hidden: 32 },
    cells: [
      { label: 'S-96 L336', config: cfg('S', 96), trunk: { val: m(0.1), test: m(0.0528), alpha: { ot: 1, shared: 1 } }, variants: {} },
      { label: 'M-96 L336', config: cfg('M', 96), trunk: { val: m(0.6), test: m(0.3698), alpha: { ot: 1, shared: 1 } }, variants: { graph: runs([0.3738, 0.3741, 0.3735]), noEdges: runs([0.3731, 0.3745, 0.3736]) } },
    ],
  };
  const t = mixingTable(r, 'ETTh1');
  assert.equal(t.length, 4);
  assert.match(t[2], /\| S-96 \| 336 \| 0\.05280 \| \(one node: nothing to mix\) .*PatchTST\/42 0\.055/);
  assert.match(t[3], /\| M-96 \| 336 \| 0\.3698 \| 0\.3738 ± .*loss beyond noise.*within noise.*PatchTST\/42 0\.375/);
  const f = mixingFindings(r);
  assert.equal(f.length, 2);
  assert.match(f[0], /nothing to mix/);
  assert.match(f[1], /the graph does not earn its place/);
  const b = { window: 336, seed: 1, gnnBestEpoch: 0, float: 0.02596, int8: 0.02599, bytes: 20944, arenaBytes: 3520, macs: 53808, shippedInt8: 0.0266, shipping: 'shipped: it is the board model' };
  const fb = mixingFindings({ ...r, board: b });
  assert.equal(fb.length, 3);
  assert.match(fb[2], /board task MS-24 at L 336 .*epoch 0 \(the ridge trunk itself\); .*int8 0\.02599 vs the L 96 board model's \(protocol MS-24\) int8 0\.02660 \(-2\.3%\); .*; shipped: it is the board model$/);
});
