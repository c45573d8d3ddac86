// Channel mixing after a channel-independent linear trunk (issue 16), added to the committed
// protocol report's ablation without re-running it:
//   node --import tsx scripts/grid-mixing.ts [--model models/grid] [--seeds 1,2,3]
//        [--configs S-96@336,M-96@336,MS-96@336,MS-24@336,MS-24@96] [--variants graph,noEdges[,learned]]
//        [--cache .dendra/grid-mixing-runs.json] [--write]
// Every run is seeded and cached (an interrupted run resumes); --write stores the study as
// `ablation.mixing` in <model>/grid.protocol.json (then `dendra quantize --model M --out M`
// regenerates the card).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runMixing, type MixRun, type MixVariant } from '@dendra/models/grid/mixing.ts';
import { mixingFindings, mixingTable } from '@dendra/models/grid/mixing_format.ts';
import { ablationPlan, MIXING_SPECS, MIXING_VARIANTS } from '@dendra/models/grid/protocol.ts';
import { datasetOf } from '@dendra/models/grid/published.ts';
import { loadEtt } from '@dendra/models/grid/data.ts';
import { cacheRun, readStudy, studyOptions } from './grid-study.ts';

const { values } = parseArgs({
  options: {
    ...studyOptions('grid-mixing-runs.json'),
    configs: { type: 'string', default: MIXING_SPECS.join(',') },
    variants: { type: 'string', default: MIXING_VARIANTS.join(',') },
  },
});
const { file, report, cache } = readStudy<MixRun>(values.model, values.cache);
const seeds = values.seeds.split(',').map(Number);
const configs = ablationPlan(seeds, [], values.configs.split(',')).lookback;
const t0 = performance.now();
const mixing = await runMixing({
  raw: loadEtt(values.data), configs, seeds, variants: values.variants.split(',') as MixVariant[], reuse: cache,
  onStage: (k) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${k}`),
  onRun: (k, r) => cacheRun(cache, values.cache, k, r),
});
console.log(['', ...mixingTable(mixing, datasetOf(values.data)), ''].join('\n'));
console.log(mixingFindings(mixing).join('\n'));
if (values.write) {
  if (!report.ablation) throw new Error(`${file} has no ablation: run scripts/grid-ablation.ts --write first`);
  writeFileSync(file, JSON.stringify({ ...report, ablation: { ...report.ablation, mixing } }) + '\n');
  console.log(`wrote ${file}`);
}
