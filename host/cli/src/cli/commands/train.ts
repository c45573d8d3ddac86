/** `dendra train grid`: train the float grid graph network on an ETT-layout CSV. */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
// Heavy modules (TensorFlow.js) load inside the action, so `dendra --help` and other commands start fast.
import { DEFAULT_ETT, REPO_ROOT } from '@dendra/core/paths.ts';
import path from 'node:path';

interface TrainOpts {
  data: string;
  out: string;
  epochs: string;
  seed: string;
  maxWindows?: string;
  protocol: boolean;
  ablation: boolean;
  json?: boolean;
}

/** Registers the command. */
export function registerTrain(program: Command): void {
  const train = program.command('train').description('train a model (float, TensorFlow.js)');
  train
    .command('grid')
    .description('train the board grid model (MS, 336 h in, 24 h OT out), quantize it to int8 with its card, and run the ETTh1 protocol table (S/M/MS at 24/96 h, thermal-prior ablation) beside Dendra\'s baselines')
    .option('--data <csv>', 'ETT-layout CSV (date, six loads, OT)', DEFAULT_ETT)
    .option('--out <dir>', 'where grid.float.json, grid.tflite, grid.card.json and protocol/ go', path.join(REPO_ROOT, '.dendra', 'grid'))
    .option('--epochs <n>', 'maximum epochs (early stopping on validation MSE)', '40')
    .option('--seed <n>', 'random seed', '1')
    .option('--max-windows <n>', 'training windows per epoch (default: all)')
    .option('--no-protocol', 'skip the protocol table and thermal ablation (board model and card only)')
    .option('--no-ablation', 'skip the graph ablations and look-back rows of the protocol (no edges, learned adjacency, ridge alone; three seeds at S-96 and M-96; channel mixing after a ridge trunk at L 336, three seeds; about 1.5 h of CPU)')
    .option('--json', 'print metrics as JSON (no progress bar)')
    .action(action(async (opts: TrainOpts) => {
      const { trainGrid, resolveOptions } = await import('@dendra/models/grid/train.ts');
      const { runProtocol } = await import('@dendra/models/grid/protocol.ts');
      const { quantizeGrid, PROTOCOL_FILE } = await import('@dendra/models/grid/quantize.ts');
      const { writeFileSync } = await import('node:fs');
      const t0 = performance.now();
      const epochs = intOpt('--epochs', opts.epochs, 40, 1);
      const train = {
        dataCsv: opts.data, outDir: opts.out, epochs, seed: intOpt('--seed', opts.seed, 1),
        maxWindowsPerEpoch: opts.maxWindows === undefined ? undefined : intOpt('--max-windows', opts.maxWindows, 0, 1),
      };
      const bar = makeProgress(!!opts.json, 'epoch', ' | loss {loss} | val {val}');
      bar.start(epochs, 'board MS-24');
      bar.update(0, { loss: '-', val: '-' });
      const { fit, ...result } = await trainGrid({
        ...train, onEpoch: (e) => bar.update(e.epoch, { loss: e.loss.toFixed(4), val: e.valMse.toFixed(4) }),
      }).finally(() => bar.stop());
      let protocolSeconds: number | undefined;
      if (opts.protocol) {
        const pbar = makeProgress(!!opts.json, 'models', ' | {config}');
        pbar.start(8, 'protocol');
        pbar.update(0, { config: 'loading data' });
        const report = await runProtocol({
          // The board model is L 336; the protocol's MS-24 row is at L 96, so it trains its own (no reuse of `fit`).
          dataCsv: opts.data, outDir: opts.out, train: resolveOptions(train), reuse: fit?.skip.model.shape.window === 96 ? { 'MS-24': fit } : undefined,
          ablation: opts.ablation, onStage: (label, k) => pbar.update(k, { config: label }),
        }).then((r) => { pbar.update(8, { config: 'done' }); return r; }).finally(() => pbar.stop());
        writeFileSync(path.join(opts.out, PROTOCOL_FILE), JSON.stringify(report) + '\n');
        protocolSeconds = report.seconds;
      }
      const q = await quantizeGrid({ modelDir: opts.out, outDir: opts.out, dataCsv: opts.data });
      const seconds = Math.round((performance.now() - t0) / 100) / 10;
      if (opts.json) return printJson({ ...result, tflite: q.tflite, cardPath: q.cardPath, protocolSeconds, totalSeconds: seconds });
      const m = result.metrics;
      console.log(`trained in ${result.epochs} epochs -> ${result.outDir} (${seconds} s in all)`);
      console.log(`  val  MSE ${m.val.mse.toFixed(4)}  MAE ${m.val.mae.toFixed(4)}  (float, normalized units, OT, 24 h horizon)`);
      console.log(`  test MSE ${m.test.mse.toFixed(4)}  MAE ${m.test.mae.toFixed(4)}; int8 test MSE ${q.card.metrics.int8.test.mse.toFixed(4)}`);
      console.log(`wrote ${q.tflite} and ${q.cardPath}${opts.protocol ? ` with the protocol table (${protocolSeconds} s); dendra eval grid --model ${opts.out} prints it` : ''}`);
    }));
}
