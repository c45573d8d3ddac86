/**
 * `make soak`: the flashing soak of issue 20, with a report. Seeded fault runs with the CLI's flash
 * defaults (flash.ts FLASH_DEFAULTS through flashModelFile / flashFirmware, as `dendra flash`: no
 * tuned chunk, retries or timeout), on the simulated board with its UART paced at the soak's baud:
 * per fault rate p in {0.1, 0.5, 1}% (p drops + p bit flips per byte, both ways) model runs with a
 * disconnect or a power cut in a random phase, and as many A/B firmware runs (faults up to 1%,
 * disconnects and power cuts in every phase, every third firmware failing its self-test). Each run
 * is checked from the flash file (the stored bytes hashed, never the flasher's word) and ends with a
 * cold boot of a fresh board on the same flash file. Writes bench/results/soak.md and soak.json:
 * per group runs, flashed, resumed, bricked, corrupt, failed, median and p95 times; exits 1 when a
 * run failed a check.
 *
 * Knobs: DENDRA_SOAK_RUNS (runs per group, default 200), DENDRA_SOAK_JOBS (parallel workers,
 * default 2, or 1 on a single core), DENDRA_SOAK_BAUD (default 921600; 0 = an unpaced pty),
 * DENDRA_FAULT_SEED (base seed, as faults.test.ts: the same seeds replay there), DENDRA_SOAK_OUT
 * (report directory, default bench/results).
 */
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppFirmwareWithStubInterpreter } from '@dendra/device/test/testfw.ts';
import { buildFirmwareVariants } from '@dendra/device/test/fwfaultrun.ts';
import type { SoakJob, SoakResult, SoakSetup } from './soakworker.ts';
import { soakJobs, summarize, soakMarkdown, etaSeconds, type SoakReport } from './soakreport.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A non-negative integer from the environment, or `def`. @throws Error naming the variable for anything else. */
function envInt(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v.trim())) throw new Error(`${name}=${v}: expected a non-negative integer`);
  return Number(v);
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (+ uncommitted changes)` : head;
  } catch {
    return 'unknown (no git)';
  }
}

/** Builds the firmware and images every worker shares, once. */
async function setup(dir: string, baud: number): Promise<SoakSetup> {
  const wasm = buildAppFirmwareWithStubInterpreter(dir);
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < 200; i++) rows.push(`2016-07-01 00:00:00,${i % 9},1,2,3,4,5,${30 + (i % 17) / 10}`);
  const csv = path.join(dir, 'ett.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  const v = buildFirmwareVariants(dir, csv, wasm);
  return { dir, csv, wasm, baud, fw: { factoryPath: v.factoryPath, v1: v.v1, v2: v.v2, model: v.model, bad: await v.bad } };
}

/** A result for a job whose worker died under it (the run counts as failed). */
function lost(job: SoakJob, code: number | null, signal: string | null): SoakResult {
  return { ...job, flashed: false, resumes: 0, resumedMidImage: false, bricked: false, corrupt: false, outcome: '', fault: '', flashMs: 0, runMs: 0,
    ok: false, error: `the soak worker died during the run (exit code ${code}, signal ${signal})` };
}

/**
 * Runs `jobs` on `n` forked workers (each takes the next job when it is done; a worker that dies
 * has its run counted as failed and is replaced while jobs are left); `onResult` per run.
 */
function runAll(jobs: SoakJob[], n: number, init: SoakSetup, onResult: (r: SoakResult) => void): Promise<void> {
  const queue = [...jobs];
  let live = 0;
  return new Promise((resolve) => {
    const spawn = () => {
      const w: ChildProcess = fork(path.join(ROOT, 'bench', 'soakworker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let current: SoakJob | undefined;
      const next = () => {
        current = queue.shift();
        if (current) w.send({ job: current });
        else w.disconnect();
      };
      live++;
      w.on('message', (r: SoakResult) => {
        current = undefined;
        onResult(r);
        next();
      });
      w.on('exit', (code, signal) => {
        live--;
        if (current) onResult(lost(current, code, signal));
        if (current && queue.length > 0) spawn();
        else if (live === 0) resolve();
      });
      w.send({ setup: init });
      next();
    };
    for (let i = 0; i < Math.min(n, jobs.length); i++) spawn();
  });
}

async function main(): Promise<void> {
  const runs = Math.max(1, envInt('DENDRA_SOAK_RUNS', 200));
  const jobsN = Math.max(1, envInt('DENDRA_SOAK_JOBS', availableParallelism() >= 2 ? 2 : 1));
  const baud = envInt('DENDRA_SOAK_BAUD', 921600);
  const seed = envInt('DENDRA_FAULT_SEED', 0x5eed) | 0;
  const out = process.env.DENDRA_SOAK_OUT ?? path.join(ROOT, 'bench', 'results');
  const prevFile = path.join(out, 'soak.json');
  const prev: SoakReport | null = existsSync(prevFile) ? (JSON.parse(readFileSync(prevFile, 'utf8')) as SoakReport) : null;
  const jobs = soakJobs(runs, seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-soak-'));
  const started = new Date();
  const t0 = Date.now();
  process.stderr.write(`soak: ${runs} runs per group, ${jobs.length} runs, ${jobsN} worker(s), ${baud ? `${baud} baud (paced)` : 'unpaced pty'}, seed ${seed}; building the firmwares...\n`);
  const init = await setup(dir, baud);
  const eta0 = etaSeconds(prev, jobs, [], jobsN);
  if (eta0 !== null) process.stderr.write(`soak: estimated ${Math.round(eta0 / 60)} min from the last report's time per run\n`);
  const results: SoakResult[] = [];
  await runAll(jobs, jobsN, init, (r) => {
    results.push(r);
    const g = results.filter((x) => x.group === r.group);
    const eta = etaSeconds(null, jobs, results, jobsN, (Date.now() - t0) / 1000);
    process.stderr.write(`[${results.length}/${jobs.length}] ${r.group} run ${r.run}: ${r.ok ? 'ok' : `FAILED: ${r.error}`} `
      + `(${r.fault}; ${r.outcome}; ${(r.runMs / 1000).toFixed(1)} s) | ${r.group} ${g.length}/${runs}, `
      + `${g.filter((x) => x.bricked).length} bricked, ${g.filter((x) => x.corrupt).length} corrupt | ETA ${eta === null ? '?' : `${Math.ceil(eta / 60)} min`}\n`);
  });
  const report: SoakReport = {
    date: started.toISOString(), commit: commit(), baud, runsPerGroup: runs, workers: jobsN, seed,
    wallSeconds: (Date.now() - t0) / 1000, loadAverage: loadavg()[0], groups: summarize(results),
    failedRuns: results.filter((r) => !r.ok), perRun: results.map((r) => [r.group, r.run, r.seed, r.ok ? 1 : 0, r.flashMs, r.runMs]),
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'soak.json'), JSON.stringify(report, null, 1) + '\n');
  writeFileSync(path.join(out, 'soak.md'), soakMarkdown(report));
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) rmSync(dir, { recursive: true, force: true });
  process.stdout.write(soakMarkdown(report));
  process.stderr.write(`soak: report in ${path.relative(ROOT, path.join(out, 'soak.md'))}${failed.length ? `; ${failed.length} run(s) failed, flash files kept in ${dir}` : ''}\n`);
  process.exitCode = failed.length ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`soak: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
