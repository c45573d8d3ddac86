/**
 * A worker of the flashing soak (bench/soak.ts forks it with `--import tsx`): receives one job per
 * IPC message, runs it with the fault-run code of the test suite (host/device/test/modelfaultrun.ts,
 * fwfaultrun.ts: the CLI's flash defaults, checks read from the flash file), and answers one
 * {@link SoakResult} per job. A run's flash file is deleted after a clean run and kept after a
 * failed one (its path is in the result). Exits when the parent disconnects.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { modelFaultRun, newRecord, type ModelFaultContext, type RunRecord } from '@dendra/device/test/modelfaultrun.ts';
import { firmwareFaultRun, type FwFaultContext } from '@dendra/device/test/fwfaultrun.ts';

/** What the parent sends once (first message): the shared, already built inputs. */
export interface SoakSetup {
  dir: string;
  csv: string;
  wasm: string;
  baud: number;
  fw: { factoryPath: string; v1: string; v2: string; model: string; bad: string };
}

/** One run to do: a model run at `rate` (drops = flips per byte) or a firmware run. */
export interface SoakJob {
  group: string;
  kind: 'model' | 'firmware';
  rate: number;
  run: number;
  seed: number;
}

/** One run's result. */
export interface SoakResult extends SoakJob, RunRecord {
  /** Every check held. */
  ok: boolean;
  /** The first failed check, when not ok. */
  error?: string;
  /** Wall time of the whole run (start board, old image, faulted flash, checks, resume, cold boot), ms. */
  runMs: number;
  /** The flash file kept for inspection (failed runs only). */
  kept?: string;
}

let model: ModelFaultContext | null = null;
let fw: FwFaultContext | null = null;

async function runJob(job: SoakJob): Promise<SoakResult> {
  const rec = newRecord();
  const t0 = Date.now();
  let error: string | undefined;
  try {
    if (job.kind === 'model') await modelFaultRun(model!, job.run, job.seed, job.rate, rec);
    else await firmwareFaultRun(fw!, job.run, job.seed, rec);
  } catch (e) {
    error = (e as Error).message.split('\n')[0];
  }
  const flashFile = join(model!.dir, job.kind === 'model' ? `flash-${job.run}.bin` : `fw-flash-${job.run}.bin`);
  if (error === undefined) rmSync(flashFile, { force: true });
  for (const f of [`old-${job.run}.tflite`, `new-${job.run}.tflite`]) rmSync(join(model!.dir, f), { force: true });
  return { ...job, ...rec, ok: error === undefined, runMs: Date.now() - t0, ...(error === undefined ? {} : { error, kept: flashFile }) };
}

process.on('message', (m: { setup?: SoakSetup; job?: SoakJob }) => {
  if (m.setup) {
    const s = m.setup;
    model = { dir: s.dir, csv: s.csv, wasm: s.wasm, baud: s.baud };
    fw = { dir: s.dir, csv: s.csv, model: s.fw.model, factory: new Uint8Array(readFileSync(s.fw.factoryPath)), factoryPath: s.fw.factoryPath,
      v1: s.fw.v1, v2: s.fw.v2, bad: Promise.resolve(s.fw.bad), baud: s.baud };
    return;
  }
  if (m.job) void runJob(m.job).then((r) => process.send!(r));
});
process.on('disconnect', () => process.exit(0));
