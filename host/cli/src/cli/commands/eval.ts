/** `dendra eval grid`: honest evaluation of the committed int8 grid model against baselines and published figures. */
import type { Command } from 'commander';
import { action, makeProgress, printJson } from '@dendra/core/run.ts';
// Heavy modules (TensorFlow.js) load inside the action, so `dendra --help` and other commands start fast.
import { DEFAULT_ETT, REPO_ROOT } from '@dendra/core/paths.ts';
import path from 'node:path';

const DEFAULT_GRID_DIR = path.join(REPO_ROOT, 'models', 'grid');

interface EvalOpts {
  data: string;
  model: string;
  json?: boolean;
}

/**
 * Registers `dendra eval` with the subcommand `grid`. Errors (missing model/CSV, bad data) are
 * printed as one line by {@link action} and set a non-zero exit code.
 */
export function registerEval(program: Command): void {
  const evalCmd = program.command('eval').description('evaluate a model on held-out data');
  evalCmd
    .command('grid')
    .description('int8 grid model on every val/test window (host executor, bit-exact with the board) vs last value, seasonal naive, ridge linear S/MS; the ETTh1 protocol table (S/M/MS at 24/96 h, input 96 h, int8 vs float, thermal-prior ablation) beside published DLinear/PatchTST/Informer figures with sources; alert precision/recall/lead on test')
    .option('--data <csv>', 'ETT-layout CSV (date, six loads, OT)', DEFAULT_ETT)
    .option('--model <dir>', 'directory holding grid.tflite (and grid.card.json)', DEFAULT_GRID_DIR)
    .option('--json', 'print the report as JSON (no progress bar)')
    .action(action(async (opts: EvalOpts) => {
      const { evalGrid, formatEval } = await import('@dendra/models/grid/eval.ts');
      const bar = makeProgress(!!opts.json, 'steps');
      let stage = '';
      const report = await Promise.resolve().then(() => evalGrid({
        dataCsv: opts.data,
        modelDir: opts.model,
        onProgress: (p) => {
          if (p.stage !== stage) {
            if (stage) bar.stop();
            stage = p.stage;
            bar.start(p.total, p.stage === 'int8' ? 'int8 val+test' : p.stage === 'linear' ? 'linear fits' : 'protocol models (int8)');
          }
          bar.update(p.done);
        },
      })).finally(() => bar.stop());
      if (opts.json) return printJson(report);
      for (const line of formatEval(report)) console.log(line);
    }));
}
