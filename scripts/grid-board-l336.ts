// What the board's task (MS-24, the overload warning) would get from a look-back of 336 h, in the
// board's own int8 GNN structure (issue 16, "ship the winner"): the ridge trunk alone (the GNN with
// its graph head at zero: epoch 0) and the GNN trained at L 336 with the protocol's budget (epoch
// chosen on validation only), each quantized as the board model is (512 calibration windows) and
// scored float and int8 on every test window. --write stores the kept model's numbers as
// `ablation.mixing.board` in models/grid/grid.protocol.json (then `dendra quantize --model
// models/grid --out models/grid` regenerates the card); nothing else is written.
//   node --import tsx scripts/grid-board-l336.ts [--seed 1] [--window 336] [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import type { ProtocolReport } from '@dendra/models/grid/protocol.ts';
import type { BoardLookback } from '@dendra/models/grid/mixing.ts';
import { loadEtt, percentile, TARGET } from '@dendra/models/grid/data.ts';
import { datasetFrom, evalWindows, fitGrid, resolveOptions, type GridDataset } from '@dendra/models/grid/train.ts';
import { denseWeights, fitLinear } from '@dendra/models/grid/linear.ts';
import { disposeParams, exportWeights, importWeights, initParams, type GridWeights } from '@dendra/models/grid/model.ts';
import { buildGridQModel, calibrate } from '@dendra/models/grid/qmodel.ts';
import { evalInt8Layout } from '@dendra/models/grid/quantize.ts';
import { PROTOCOL_MAX_EPOCHS } from '@dendra/models/grid/protocol.ts';
import { encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { countMacs, estimateArenaBytes } from '@dendra/core/tflite/estimate.ts';
import { mulberry32, shuffled } from '@dendra/core/random.ts';
import { initBackend } from '@dendra/core/tfjs.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, window: { type: 'string', default: '336' }, write: { type: 'boolean', default: false } } });
const seed = Number(values.seed);
await initBackend();
const ds = datasetFrom(loadEtt(), undefined, { window: Number(values.window), horizon: 24, setting: 'MS', thermal: false });
const lay = ds.layout;

/** Quantizes weights as the board model is and prints float/int8 test MSE, bytes, arena and MACs. */
function report(name: string, w: GridWeights, d: GridDataset): { float: number; int8: number; bytes: number; arenaBytes: number; macs: number } {
  const p = importWeights(w, lay);
  const ranges = calibrate(p, d.adjacency, d.z, shuffled(d.starts.train, mulberry32(seed + 1)).slice(0, 512), 256, lay);
  const float = evalWindows(p, d.adjacency, d.z, d.starts.test, 512, lay);
  disposeParams(p);
  const metadata = encodeDendraMeta({
    nChannels: 7, window: lay.cfg.window, horizon: 24, target: lay.targetNode, mean: d.norm.mean, std: d.norm.std,
    otLimitC: Math.fround(percentile(d.data, d.splits.train, TARGET, 95)), hysteresisC: 1, modelVersion: 1, name: `grid-MS-24-L${lay.cfg.window}`,
  });
  const m = buildGridQModel(w, d.adjacency, ranges, { metadata, layout: lay });
  const int8 = evalInt8Layout(m, d.z, d.starts.test, lay);
  const r = { float: float.mse, int8: int8.mse, bytes: writeTflite(m).length, arenaBytes: estimateArenaBytes(m), macs: countMacs(m) };
  console.log(`${name}: float test MSE ${r.float.toFixed(5)}, int8 ${r.int8.toFixed(5)} (${int8.windows} windows); ${r.bytes} B, arena ${r.arenaBytes} B, ${r.macs} MACs`);
  return r;
}

const ridge = fitLinear(ds.z, ds.starts, 'S', undefined, { window: lay.cfg.window, horizon: 24, cols: 7 });
const p0 = initParams(seed, denseWeights(ridge.model), lay);
report(`L ${lay.cfg.window} ridge trunk alone (graph head zero)`, exportWeights(p0), ds);
disposeParams(p0);
const fit = await fitGrid(ds, { ...resolveOptions({ seed }), epochs: PROTOCOL_MAX_EPOCHS });
const kept = report(`L ${lay.cfg.window} GNN (best epoch ${fit.bestEpoch}/${fit.epochsRun})`, fit.weights, ds);
if (values.write) {
  const file = path.join(REPO_ROOT, 'models', 'grid', 'grid.protocol.json');
  const prot = JSON.parse(readFileSync(file, 'utf8')) as ProtocolReport;
  const mixing = prot.ablation?.mixing;
  const shipped = prot.rows.find((r) => r.label === 'MS-24');
  if (!mixing || !shipped) throw new Error(`${file} has no ablation.mixing or MS-24 row: run scripts/grid-mixing.ts --write first`);
  const board: BoardLookback = {
    window: lay.cfg.window, seed, gnnBestEpoch: fit.bestEpoch, ...kept, shippedInt8: shipped.int8.test.mse,
    shipping: 'shipped: it is the board model (models/grid, BOARD_CONFIG L 336; the simulator and the native runtime serve DMA channel 0 windows of the model's length, CONTRACTS.md; the firmware takes L from the model metadata: no firmware change)',
  };
  writeFileSync(file, JSON.stringify({ ...prot, ablation: { ...prot.ablation, mixing: { ...mixing, board } } }) + '\n');
  console.log(`wrote ${file}`);
}
