/** `dendra demo`: the whole path in one process (see host/cli/src/demo/demo.ts). */
import { existsSync } from 'node:fs';
import { intOpt, makeProgress, printJson } from '@dendra/core/run.ts';
import { runDemo } from '../../demo/demo.ts';
import { InputError, UsageError } from '@dendra/core/errors.ts';

/** Parses a finite number option or throws a one-line usage error. */
function numOpt(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, got '${v}'`);
  return n;
}

/** Options of `dendra demo`. */
export interface DemoOpts {
  model: string;
  data: string;
  start: string;
  windows: string;
  msPerHour: string;
  forever?: boolean;
  otLimit?: string;
  json?: boolean;
  packModel: string;
  pack: boolean;
}

/** `dendra demo`: runs the demo and prints its summary. @throws DendraError (one line): a missing model, a bad option. */
export async function demoAction(opts: DemoOpts): Promise<void> {
  if (opts.pack && !existsSync(opts.packModel)) {
    throw new InputError('E_MODEL', `pack model ${opts.packModel} does not exist: train it with 'dendra train pack' (or pass --no-pack)`, opts.packModel);
  }
  if (!existsSync(opts.model)) {
    throw new InputError('E_MODEL', `model ${opts.model} does not exist: train it with 'dendra train grid' then 'dendra quantize'`, opts.model);
  }
  const bar = makeProgress(!!opts.json || !process.stderr.isTTY, 'B');
  let started = false;
  const summary = await runDemo({
    model: opts.model,
    packModel: opts.pack ? opts.packModel : undefined,
    dataCsv: opts.data,
    start: intOpt('--start', opts.start, 8760),
    otLimitC: opts.otLimit === undefined ? undefined : numOpt('--ot-limit', opts.otLimit),
    windows: intOpt('--windows', opts.windows, 720, 1),
    msPerHour: intOpt('--ms-per-hour', opts.msPerHour, 60),
    forever: !!opts.forever,
    say: (line) => { if (!opts.json) console.log(line); },
    onFlashProgress: (done, total) => {
      if (!started) { bar.start(total, 'flash'); started = true; }
      bar.update(done);
    },
    onFlashDone: () => bar.stop(),
  });
  if (opts.json) return printJson(summary);
  console.log(`done        ${summary.windows} windows, ${summary.alerts} alerts (${summary.raised} raised, ${summary.cleared} cleared), ` +
    `highest forecast ${summary.peakForecastC.toFixed(2)} C, board energy ${(summary.energyUj / 1e6).toFixed(3)} J`);
  console.log(`            ${summary.packFrames} pack frames; alerts by kind: ${Object.entries(summary.byKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
}
