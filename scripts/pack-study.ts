// The pack model study of issue 16 (models/pack/pack.study.json): 3 training seeds of the GNN, the
// no-edge model (A = identity) and the GNN without the physics-estimator inputs (stress and
// logCumStress set to their training mean), on the data set of `dendra train pack` (seed 1).
//   node --import tsx scripts/pack-study.ts train --variant gnn|noEdge|noPhysics [--seeds 1,2,3]
//   node --import tsx scripts/pack-study.ts report [--write]
//   node --import tsx scripts/pack-study.ts ship [--seeds 1]
// `ship` runs `dendra train pack --seed S` (trainPack into models/pack) with the study's runs of
// seed S (trained first when .dendra/pack-study/ does not hold them, as in a clean checkout) (gnn and noEdge: the same data set, seed and options as the pipeline's own training, so
// the weights are the ones it would train) instead of training them again.
// `train` stores each run's best weights in .dendra/pack-study/ (an interrupted study resumes);
// `report` scores every run on validation and test (float; int8 for the GNN), the physics
// estimator and its Bayes-hazard variant (sigma chosen on validation), and an oracle ceiling, and
// prints (--write: stores) the table. Every choice uses validation packs; test packs are only scored.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serialize, deserialize } from 'node:v8';
import { buildDataset, featureNorm, normalizeX, CYCLE_CHANNELS, N_FEATURES, WINDOW, type PackDataset, type PackSplit } from '@dendra/models/pack/dataset.ts';
import { positiveWeights, trainModel, type SplitTensors, type TrainedModel } from '@dendra/models/pack/train.ts';
import { trainPack } from '@dendra/models/pack/pipeline.ts';
import type { PackWeights } from '@dendra/models/pack/model.ts';
import { runStudyReport } from './pack-study-report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, '.dendra/pack-study');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { variant: { type: 'string', default: 'gnn' }, seeds: { type: 'string', default: '1,2,3' }, write: { type: 'boolean', default: false }, epochs: { type: 'string', default: '20' } },
});
export const VARIANTS = ['gnn', 'noEdge', 'noPhysics'] as const;
export type Variant = (typeof VARIANTS)[number];
/** Feature indices of the physics-estimator inputs (stress in every window cycle, logCumStress). */
export const PHYSICS_FEATURES = [...Array.from({ length: WINDOW }, (_, w) => w * CYCLE_CHANNELS.length + 5), WINDOW * CYCLE_CHANNELS.length + 4];

/** The data set of `dendra train pack --seed 1`, cached in .dendra/ (deterministic in the seed). */
export function studyDataset(): PackDataset {
  const file = path.join(DIR, 'dataset-seed1.v8');
  if (existsSync(file)) return deserialize(readFileSync(file)) as PackDataset;
  const ds = buildDataset({ seed: 1 });
  mkdirSync(DIR, { recursive: true });
  writeFileSync(file, serialize(ds));
  return ds;
}

/** Normalized split tensors of a variant (noPhysics: the physics inputs at z = 0 for live cells). */
export function variantTensors(s: PackSplit, ds: PackDataset, v: Variant): SplitTensors {
  const x = normalizeX(s, featureNorm(ds.train));
  if (v === 'noPhysics') for (let n = 0; n < x.length / N_FEATURES; n++) for (const f of PHYSICS_FEATURES) x[n * N_FEATURES + f] = 0;
  return { split: s, x };
}

export const runFile = (v: Variant, seed: number) => path.join(DIR, `${v}-seed${seed}.json`);

async function train(v: Variant, seeds: number[], epochs: number): Promise<void> {
  if (!VARIANTS.includes(v)) throw new Error(`--variant must be one of ${VARIANTS.join(', ')}`);
  const ds = studyDataset();
  const [tr, va] = [variantTensors(ds.train, ds, v), variantTensors(ds.val, ds, v)];
  for (const seed of seeds) {
    const file = runFile(v, seed);
    if (existsSync(file)) { console.log(`${file}: done`); continue; }
    const t0 = Date.now();
    const r = await trainModel(tr, va, { seed, identity: v === 'noEdge', epochs, onEpoch: (e) => console.log(v, seed, e.epoch, e.loss.toFixed(4), e.valLoss.toFixed(4)) });
    const out: { weights: PackWeights; bestEpoch: number; epochsRun: number; bestValLoss: number; seconds: number } = { weights: r.weights, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun, bestValLoss: r.bestValLoss, seconds: (Date.now() - t0) / 1000 };
    writeFileSync(file, JSON.stringify(out));
    console.log(`${v} seed ${seed}: best epoch ${r.bestEpoch}, ${out.seconds.toFixed(0)} s`);
  }
}

async function ship(seed: number, epochs: number): Promise<void> {
  // A clean checkout has no study runs (.dendra/ is not committed): train the two this seed needs.
  for (const v of ['gnn', 'noEdge'] as const) if (!existsSync(runFile(v, seed))) await train(v, [seed], epochs);
  const ds = studyDataset();
  const load = (v: Variant): TrainedModel => {
    const r = JSON.parse(readFileSync(runFile(v, seed), 'utf8'));
    return { weights: r.weights, epochsRun: r.epochsRun, bestEpoch: r.bestEpoch, bestValLoss: r.bestValLoss, valLosses: [], posWeight: positiveWeights(ds.train) };
  };
  const { table } = await trainPack({ outDir: path.join(ROOT, 'models/pack'), seed, trained: { gnn: load('gnn'), perCell: load('noEdge') } });
  console.log(JSON.stringify({ int8Auc: table.gnnInt8.auc, lead: table.lead }, null, 1));
}

if (positionals[0] === 'ship') await ship(Number(values.seeds.split(',')[0]), Number(values.epochs));
else if (positionals[0] === 'train') await train(values.variant as Variant, values.seeds.split(',').map(Number), Number(values.epochs));
else if (positionals[0] === 'report') await runStudyReport(values.seeds.split(',').map(Number), values.write ? path.join(ROOT, 'models/pack/pack.study.json') : null);
else if (positionals[0] !== undefined || process.argv[1]?.endsWith('pack-study.ts')) {
  console.error('usage: pack-study.ts train --variant gnn|noEdge|noPhysics [--seeds 1,2,3] | report [--write] | ship [--seeds 1]');
  process.exit(2);
}
