/** `dendra train grid`: train the float grid graph network on an ETT-layout CSV. */
import type { Command } from 'commander';
import { action, intOpt, makeProgress, printJson } from '../run.ts';
// Heavy modules (TensorFlow.js) load inside the action, so `dendra --help` and other commands start fast.
import { DEFAULT_ETT, REPO_ROOT } from '../paths.ts';
import path from 'node:path';

interface TrainOpts {
  data: string;
  out: string;
  epochs: string;
  seed: string;
  maxWindows?: string;
  json?: boolean;
}

/** Registers the command. */
export function registerTrain(program: Command): void {
  const train = program.command('train').description('train a model (float, TensorFlow.js)');
  train
    .command('grid')
    .description('train the grid model: channel graph from training-split correlations, message passing, attention pooling, 24 h oil-temperature head')
    .option('--data <csv>', 'ETT-layout CSV (date, six loads, OT)', DEFAULT_ETT)
    .option('--out <dir>', 'where the float weights go', path.join(REPO_ROOT, '.dendra', 'grid'))
    .option('--epochs <n>', 'maximum epochs (early stopping on validation MSE)', '40')
    .option('--seed <n>', 'random seed', '1')
    .option('--max-windows <n>', 'training windows per epoch (default: all)')
    .option('--json', 'print metrics as JSON (no progress bar)')
    .action(action(async (opts: TrainOpts) => {
      const { trainGrid } = await import('../../grid/train.ts');
      const epochs = intOpt('--epochs', opts.epochs, 40, 1);
      const bar = makeProgress(!!opts.json, 'epoch', ' | loss {loss} | val {val}');
      bar.start(epochs, 'train');
      const result = await trainGrid({
        dataCsv: opts.data,
        outDir: opts.out,
        epochs,
        seed: intOpt('--seed', opts.seed, 1),
        maxWindowsPerEpoch: opts.maxWindows === undefined ? undefined : intOpt('--max-windows', opts.maxWindows, 0, 1),
        onEpoch: (e) => bar.update(e.epoch, { loss: e.loss.toFixed(4), val: e.valMse.toFixed(4) }),
      }).finally(() => bar.stop());
      if (opts.json) return printJson(result);
      const m = result.metrics;
      console.log(`trained in ${result.epochs} epochs -> ${result.outDir}`);
      console.log(`  val  MSE ${m.val.mse.toFixed(4)}  MAE ${m.val.mae.toFixed(4)}  (normalized units, OT, 24 h horizon)`);
      console.log(`  test MSE ${m.test.mse.toFixed(4)}  MAE ${m.test.mae.toFixed(4)}`);
    }));
}
