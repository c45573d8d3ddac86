// The lead-head study of issue 16 (models/pack/pack.study.json "leadHead"): the lead head retrained
// alone on each study seed's frozen GNN trunk (risk rows unchanged), over a fixed budget of
// recipes (training windows x loss x recalibration, below), each compared with the validation
// constant by grouped 6-fold CV over validation packs at the int8 risk's first alerts. The recipe
// with the lowest CV MAE averaged over seeds wins; test packs are scored only after the choice.
//   node --import tsx scripts/pack-lead.ts [--seeds 1,2,3] [--write]
// Trunks: the study's runs (.dendra/pack-study/gnn-seedS.json, `scripts/pack-study.ts train
// --variant gnn`); seed 1's is the model shipped before this study (its lead head recalibrated).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { featureNorm, normalizeX, HORIZON, MAX_CELLS, type PackSplit } from '@dendra/models/pack/dataset.ts';
import type { SplitTensors } from '@dendra/models/pack/train.ts';
import { buildPackQModel, calibrate, predictInt8, type Ranges } from '@dendra/models/pack/quantize.ts';
import { bestF1Threshold } from '@dendra/models/pack/metrics.ts';
import { leadMae, type LeadItem } from '@dendra/models/pack/lead.ts';
import { scoredItems } from '@dendra/models/pack/pipeline.ts';
import { alertObs, fitLead, hiddenStates, withHead, medianLead, trainLeadHead, headRows, type Head, type LeadRecipe } from '@dendra/models/pack/lead_head.ts';
import type { PackWeights } from '@dendra/models/pack/model.ts';
import { studyDataset } from './pack-study.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' }, write: { type: 'boolean', default: false } } });
const seeds = values.seeds.split(',').map(Number);
const r1 = (v: number) => Math.round(v * 10) / 10;

/** The fixed budget: 3 window sets x 3 losses x 3 recalibrations = 27 recipes (9 head fits) per seed, + the constant. */
export const HEADS = (['all', 'alert', 'soft'] as const).flatMap((windows) => [
  { windows, loss: { log: false, clip: 255 } }, { windows, loss: { log: true, clip: 255 } }, { windows, loss: { log: false, clip: 100 } },
]);
export const RECALS = ['none', 'first', 'alerts'] as const;
const name = (r: LeadRecipe) => `${r.windows}/${r.loss.log ? 'log' : 'l1'}${r.loss.clip < 255 ? `-clip${r.loss.clip}` : ''}/${r.recal}`;

const ds = studyDataset();
const norm = featureNorm(ds.train);
const st = (s: PackSplit): SplitTensors => ({ split: s, x: normalizeX(s, norm) });
const [train, val, test] = [st(ds.train), st(ds.val), st(ds.test)];

function trunk(seed: number): { w: PackWeights; ranges: Ranges | null } {
  return { w: JSON.parse(readFileSync(path.join(ROOT, `.dendra/pack-study/gnn-seed${seed}.json`), 'utf8')).weights, ranges: null };
}
function testMae(score: ArrayLike<number>, lead: (j: number) => number, thr: number, seed: number) {
  const items: LeadItem[] = scoredItems(ds.test, score).map((it) => ({ ...it, lead: 0 }));
  let n = 0;
  for (let j = 0; j < ds.test.size * MAX_CELLS; j++) if (ds.test.wCell[j] > 0) items[n++].lead = lead(j);
  const x = leadMae(items, thr, ds.test.initiation, seed);
  return { mae: r1(x.mae.value), ci95: [r1(x.mae.lo), r1(x.mae.hi)], firstAlerts: x.alerts };
}

const recipes = new Map(HEADS.flatMap((hd, k) => RECALS.map((recal) => [name({ ...hd, recal }), { k, recal }] as const)));
const perSeed: Record<string, unknown>[] = [];
const cv: Record<string, number[]> = {};
const ctx: Record<number, { w: PackWeights; ranges: Ranges; thr: number; iv: ReturnType<typeof predictInt8>; it: ReturnType<typeof predictInt8>; d: Parameters<typeof fitLead>[1]; heads: Head[]; constCv: number }> = {};
for (const seed of seeds) {
  const t0 = Date.now();
  const { w, ranges: r0 } = trunk(seed);
  const ranges = r0 ?? await calibrate(w, train, 1024, seed + 1);
  const build = (se: number, pa: number) => buildPackQModel(w, ranges, { series: se, parallel: pa });
  const iv = predictInt8(val, build), it = predictInt8(test, build);
  const vi = scoredItems(ds.val, iv.cell);
  const thr = bestF1Threshold(vi.map((i) => i.score), vi.map((i) => i.label));
  const [ht, hv] = [await hiddenStates(w, train), await hiddenStates(w, val)];
  const d = { train: ds.train, val: ds.val, hTrain: ht.h, hVal: hv.h, riskTrain: ht.risk, scoreVal: iv.cell, threshold: thr };
  console.log(`seed ${seed}: int8 threshold ${thr}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const heads = HEADS.map((hd) => { const t1 = Date.now(); const h = trainLeadHead(ht.h, headRows(ds.train, ht.risk, thr, hd.windows), hd.loss); console.log('head', hd.windows, JSON.stringify(hd.loss), ((Date.now() - t1) / 1000).toFixed(1), 's'); return h; });
  let constCv = NaN;
  HEADS.forEach((hd, k) => RECALS.forEach((recal) => {
    const r = { ...hd, recal };
    const f = fitLead(r, d, heads[k]);
    (cv[name(r)] ??= []).push(f.cvMae);
    constCv = f.cvMaeConstant;
    console.log(seed, name(r), 'cv', f.cvMae.toFixed(2), 'const', f.cvMaeConstant.toFixed(2), 'val in-sample', f.valMae.toFixed(2), `alpha ${f.recal.alpha.toFixed(2)} beta ${f.recal.beta.toFixed(2)}`);
  }));
  (cv.constant ??= []).push(constCv);
  ctx[seed] = { w, ranges, thr, iv, it, d, heads, constCv };
  console.log(`seed ${seed} done, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const ranking = Object.entries(cv).map(([k, v]) => ({ recipe: k, cvMae: r1(mean(v)), perSeed: v.map(r1) })).sort((a, b) => a.cvMae - b.cvMae);
console.log(JSON.stringify(ranking));
const best = ranking[0].recipe;
console.log('chosen on validation:', best);
// test: scored only now, for the chosen recipe, the old head, the constant and the 20-cycle horizon
for (const seed of seeds) {
  const c = ctx[seed];
  const vObs = alertObs(ds.val, c.iv.cell, c.thr, () => 0).first;
  const constant = medianLead(vObs, HORIZON);
  const row: Record<string, unknown> = { seed, threshold: c.thr, valConstant: constant, oldHeadInt8: testMae(c.it.cell, (j) => c.it.lead[j], c.thr, seed), constantOnVal: { cycles: constant, ...testMae(c.it.cell, () => constant, c.thr, seed) }, constantHorizon: testMae(c.it.cell, () => HORIZON, c.thr, seed) };
  if (best !== 'constant') {
    const { k, recal } = recipes.get(best)!;
    const r = { ...HEADS[k], recal };
    const f = fitLead(r, c.d, c.heads[k]);
    const w2 = withHead(c.w, f.head);
    const ranges2 = { ...c.ranges, Zl: (await calibrate(w2, train, 1024, seed + 1)).Zl };
    const it2 = predictInt8(test, (se, pa) => buildPackQModel(w2, ranges2, { series: se, parallel: pa }));
    const iv2 = predictInt8(val, (se, pa) => buildPackQModel(w2, ranges2, { series: se, parallel: pa }));
    const vmae = alertObs(ds.val, c.iv.cell, c.thr, (j) => iv2.lead[j]);
    row.newHeadInt8 = { recipe: best, constant: f.constant, cvMae: r1(f.cvMae), cvMaeConstant: r1(f.cvMaeConstant), cvHeadMinusConstant: { value: r1(f.cvDiff.value), ci95: f.cvDiff.ci95.map(r1) }, valMaeInt8: r1(mean(vmae.first.map((o) => Math.abs(o.z - o.t)))), recal: f.recal, ...testMae(c.it.cell, (j) => it2.lead[j], c.thr, seed) };
    row.riskUnchanged = it2.cell.every((v, i) => v === c.it.cell[i]);
    if (seed === 1) writeFileSync(path.join(ROOT, '.dendra/pack-study/lead-seed1.json'), JSON.stringify({ head: f.head, ranges: ranges2 }));
  }
  perSeed.push(row);
  console.log(JSON.stringify(row));
}
const out = { note: 'scripts/pack-lead.ts: lead head retrained alone on each seed\'s frozen trunk; budget 9 heads (windows all|alert|soft x loss L1|log-L1|L1 clipped at 100 cycles) x 3 recalibrations (none | on first alerts | on all alert windows) + the validation constant; chosen by grouped 6-fold CV MAE over validation packs at the int8 first alerts, mean over seeds; test scored after the choice, bootstrap over test packs (200, seeded)', chosen: best, validationRanking: ranking, test: perSeed };
if (values.write) {
  const f = path.join(ROOT, 'models/pack/pack.study.json');
  const s = JSON.parse(readFileSync(f, 'utf8'));
  s.leadHead = out;
  writeFileSync(f, JSON.stringify(s, null, 2) + '\n');
}
console.log(JSON.stringify(out, null, 1));
