/** `dendra quantize`: int8 post-training quantization to .tflite plus a model card. */
import type { Command } from 'commander';
import path from 'node:path';
import { action, intOpt, printJson } from '@dendra/core/run.ts';
// Heavy modules (TensorFlow.js) load inside the action, so `dendra --help` and other commands start fast.
import { REPO_ROOT } from '@dendra/core/paths.ts';

interface QuantOpts {
  model: string;
  out: string;
  calibration: string;
  data?: string;
  json?: boolean;
}

/** Registers the command. */
export function registerQuantize(program: Command): void {
  program
    .command('quantize')
    .description('int8 post-training quantization of a trained grid model: .tflite + model card (float vs int8, bytes, MACs, arena)')
    .option('--model <dir>', 'trained float model directory (from dendra train grid)', path.join(REPO_ROOT, '.dendra', 'grid'))
    .option('--out <dir>', 'output directory', path.join(REPO_ROOT, 'models', 'grid'))
    .option('--calibration <n>', 'training windows used for calibration', '512')
    .option('--data <csv>', 'ETT-layout CSV (default: the one the model was trained on)')
    .option('--json', 'print the result as JSON')
    .action(action(async (opts: QuantOpts) => {
      const { quantizeGrid } = await import('@dendra/models/grid/quantize.ts');
      const r = await quantizeGrid({
        modelDir: opts.model,
        outDir: opts.out,
        calibrationWindows: intOpt('--calibration', opts.calibration, 512, 1),
        dataCsv: opts.data,
      });
      if (opts.json) return printJson(r);
      console.log(`wrote ${r.tflite} (${r.card.bytes} bytes) and ${r.cardPath}`);
      console.log(`  test MSE float ${r.card.metrics.float.test.mse.toFixed(4)} -> int8 ${r.card.metrics.int8.test.mse.toFixed(4)}`);
    }));
}
