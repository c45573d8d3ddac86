// The grid graph ablations (issue 16) added to a committed protocol report without re-running it:
//   node --import tsx scripts/grid-ablation.ts [--model models/grid] [--seeds 1,2,3] [--goal S-96,M-96]
//        [--lookback S-96@336,M-96@336] [--only M-96,...,lookback] [--adaptive-seeds 1] [--adaptive M-96,MS-24] [--cache .dendra/grid-ablation-runs.json] [--write]
// The protocol's own GNN rows (seed 1) are reused from the report; every other run is trained with
// the protocol's budget (runs are cached, so an interrupted run resumes). --write stores the result
// as `ablation` in <model>/grid.protocol.json (then `dendra quantize --model M --out M` regenerates
// the card). `dendra train grid` runs the same ablation as part of its protocol.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runAblation, type Run } from '@dendra/models/grid/ablation.ts';
import { ablationPlan, ADAPTIVE_LABELS, LOOKBACK_SPECS, protocolReuse, PROTOCOL_MAX_EPOCHS } from '@dendra/models/grid/protocol.ts';
import { ablationFindings, ablationTable, lookbackTable } from '@dendra/models/grid/ablation_format.ts';
import { datasetOf } from '@dendra/models/grid/published.ts';
import { resolveOptions } from '@dendra/models/grid/train.ts';
import { loadEtt } from '@dendra/models/grid/data.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { cacheRun, readStudy, studyOptions } from './grid-study.ts';

const { values } = parseArgs({
  options: {
    ...studyOptions('grid-ablation-runs.json'),
    goal: { type: 'string', default: 'S-96,M-96' },
    lookback: { type: 'string', default: LOOKBACK_SPECS.join(',') },
    only: { type: 'string' },
    adaptive: { type: 'string', default: ADAPTIVE_LABELS.join(',') },
    'adaptive-seeds': { type: 'string', default: '1' },
  },
});
const { file, report, cache } = readStudy<Run>(values.model, values.cache);
const plan = ablationPlan(values.seeds.split(',').map(Number), values.goal.split(','), values.lookback ? values.lookback.split(',') : []);
const only = values.only?.split(',');
await initBackend();
const train = resolveOptions({ seed: 1 });
const t0 = performance.now();
const ablation = await runAblation({
  raw: loadEtt(values.data), train: { ...train, epochs: PROTOCOL_MAX_EPOCHS },
  configs: plan.configs.filter((c) => !only || only.includes(`${c.setting}-${c.horizon}`)),
  seedsOf: plan.seedsOf, adaptive: values.adaptive !== '',
  adaptiveSeedsOf: (c) => (values.adaptive.split(',').includes(`${c.setting}-${c.horizon}`) ? values['adaptive-seeds'].split(',').map(Number) : []),
  lookback: only && !only.includes('lookback') ? [] : plan.lookback,
  reuse: { ...protocolReuse(report), ...cache },
  onStage: (k) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] training ${k}`),
  onRun: (k, r) => cacheRun(cache, values.cache, k, r),
});
for (const c of ablation.cells) {
  const f = (s: { mean: number; sd: number }) => `${s.mean.toFixed(5)} ± ${s.sd.toFixed(5)}`;
  console.log(`${c.label}: gnn ${f(c.gnn.mse.test)} | noEdges ${f(c.noEdges.mse.test)}${c.noEdges.sameAsGnn ? ' (same model)' : ''}${c.adaptive ? ` | adaptive ${f(c.adaptive.mse.test)}` : ''} | ridge ${c.ridge.test.mse.toFixed(5)} (test MSE, seeds ${c.gnn.seeds})`);
}
for (const r of ablation.lookback) console.log(`${r.label}: gnn ${r.gnn.mse.test.mean.toFixed(5)} | ridge ${r.ridge.test.mse.toFixed(5)}`);
console.log(['', ...ablationTable(ablation), '', ...lookbackTable(ablation, datasetOf(values.data)), ''].join('\n'));
console.log(ablationFindings(ablation).join('\n'));
if (values.write) {
  writeFileSync(file, JSON.stringify({ ...report, ablation }) + '\n');
  console.log(`wrote ${file}`);
}
