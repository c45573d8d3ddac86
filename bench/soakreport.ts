/**
 * The soak's plan and report (bench/soak.ts): the interleaved job list (the seeds of
 * host/device/src/flash/faults.test.ts, so a failed run replays there), per-group summaries
 * (runs, flashed, resumed, bricked, corrupt, failed, median and p95 times), the ETA, and the
 * Markdown of bench/results/soak.md. Pure functions; none throws.
 */
import type { SoakJob, SoakResult } from './soakworker.ts';

/** Per-byte drop rate = flip rate of the model groups (issue 20: "p drops plus p flips"). */
export const SOAK_RATES = [0.001, 0.005, 0.01];
/** Group name of the A/B firmware runs. */
export const FW_GROUP = 'A/B firmware';

/** Group name of a model rate. */
export const rateGroup = (rate: number): string => `model ${+(rate * 100).toFixed(2)}%`;

/** One group's figures. */
export interface GroupSummary {
  group: string;
  runs: number;
  /** The faulted flash itself reported success (runs with a disconnect are not expected to). */
  flashed: number;
  /** Runs whose faulted flash resumed on its own at least once. */
  resumed: number;
  /** Runs whose clean `--resume` afterwards continued the interrupted transfer mid-image. */
  resumedMidImage: number;
  disconnects: number;
  bricked: number;
  corrupt: number;
  /** Runs that failed any check (bricked and corrupt included). */
  failed: number;
  flashMedianS: number;
  flashP95S: number;
  runMedianS: number;
  runP95S: number;
  /** Mean wall time of one run in this group, s (what a soak plan multiplies). */
  runMeanS: number;
}

/** The report written to soak.json. */
export interface SoakReport {
  date: string;
  commit: string;
  /** Paced UART baud; 0 = an unpaced pty. */
  baud: number;
  runsPerGroup: number;
  workers: number;
  seed: number;
  wallSeconds: number;
  loadAverage: number;
  groups: GroupSummary[];
  /** The runs that failed a check, whole. */
  failedRuns: SoakResult[];
  /** Every run, compact: [group, run, seed, ok (1/0), flash ms, run ms]. */
  perRun: [string, number, number, number, number, number][];
}

/**
 * `runs` model runs per rate and `runs` firmware runs, interleaved (each round: every rate, then a
 * firmware run). Model run n (rate SOAK_RATES[n % 3]) and firmware run i take faults.test.ts's seeds.
 */
export function soakJobs(runs: number, baseSeed: number): SoakJob[] {
  const jobs: SoakJob[] = [];
  for (let i = 0; i < runs; i++) {
    SOAK_RATES.forEach((rate, r) => {
      const n = i * SOAK_RATES.length + r;
      jobs.push({ group: rateGroup(rate), kind: 'model', rate, run: n, seed: (baseSeed + n * 7919) >>> 0 });
    });
    jobs.push({ group: FW_GROUP, kind: 'firmware', rate: 0.01, run: i, seed: (baseSeed + 0x4649 + i * 104729) >>> 0 });
  }
  return jobs;
}

/** The q-quantile (0..1) of `v` by the nearest-rank method; 0 for an empty list. */
export function quantile(v: number[], q: number): number {
  if (v.length === 0) return 0;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Per-group figures, groups in job order. */
export function summarize(results: SoakResult[]): GroupSummary[] {
  const names = [...new Set([...SOAK_RATES.map(rateGroup), FW_GROUP])].filter((g) => results.some((r) => r.group === g));
  return names.map((group) => {
    const g = results.filter((r) => r.group === group);
    const flash = g.map((r) => r.flashMs / 1000);
    const run = g.map((r) => r.runMs / 1000);
    return {
      group, runs: g.length, flashed: g.filter((r) => r.flashed).length, resumed: g.filter((r) => r.resumes > 0).length,
      resumedMidImage: g.filter((r) => r.resumedMidImage).length, disconnects: g.filter((r) => r.fault.includes('disconnect')).length,
      bricked: g.filter((r) => r.bricked).length, corrupt: g.filter((r) => r.corrupt).length, failed: g.filter((r) => !r.ok).length,
      flashMedianS: quantile(flash, 0.5), flashP95S: quantile(flash, 0.95), runMedianS: quantile(run, 0.5), runP95S: quantile(run, 0.95),
      runMeanS: run.reduce((a, b) => a + b, 0) / Math.max(1, run.length),
    };
  });
}

/**
 * Seconds left for the jobs without a result on `workers` workers: the wall time per run so far
 * times the runs left, once `done` has results and `elapsedS` is given (the jobs are interleaved,
 * so the mix ahead is the mix behind); before that, from the last report's (`prev`) mean run time
 * per group. Null when neither is known.
 */
export function etaSeconds(prev: SoakReport | null, jobs: SoakJob[], done: SoakResult[], workers: number, elapsedS?: number): number | null {
  const left = jobs.length - done.length;
  if (elapsedS !== undefined && done.length > 0) return (elapsedS / done.length) * left;
  const mean = new Map((prev?.groups ?? []).map((g) => [g.group, g.runMeanS]));
  let s = 0;
  for (const j of jobs.slice(done.length)) {
    const m = mean.get(j.group);
    if (m === undefined) return null;
    s += m;
  }
  return s / workers;
}

const pct = (n: number, of: number) => (of === 0 ? '-' : `${n}/${of}`);

/** bench/results/soak.md. */
export function soakMarkdown(r: SoakReport): string {
  const wire = r.baud ? `the sim UART paced at ${r.baud} baud (8N1)` : 'an unpaced pty';
  const lines = [
    '# Flashing soak (issue 20)', '',
    `Run ${r.date} on commit ${r.commit}; ${r.runsPerGroup} runs per group on ${wire}, ${r.workers} worker(s) in parallel, base seed ${r.seed}, `
      + `${(r.wallSeconds / 60).toFixed(1)} min wall, load average ${r.loadAverage.toFixed(1)}. \`make soak\` (bench/soak.ts).`, '',
    'Every run flashes with the CLI\'s defaults (flashModelFile / flashFirmware with FLASH_DEFAULTS, as `dendra flash`) over serialport <-> socat pty <-> '
      + 'the simulated board running the app firmware with the stub interpreter. Model groups: p drops + p bit flips per byte both ways, '
      + 'and a disconnect (35% of runs, not resumed: the cable stays pulled) or a power cut in BEGIN, WRITE, FINISH or at a random HAL call (45%). '
      + 'A/B firmware group: faults up to 1% (drops, flips, duplicates), a disconnect or a power cut in the erase, WRITE, FINISH, ACTIVATE, '
      + 'the RESET into the test boot or at a random HAL call; every third run flashes a firmware that fails its self-test and must roll back.', '',
    '- **flashed**: the faulted flash itself ended with the new image (runs with a disconnect are not expected to, nor a firmware that fails its self-test: it must roll back).',
    '- **resumed**: the faulted flash resumed on its own at least once; **mid-image**: the clean `--resume` afterwards continued an interrupted transfer from an offset > 0.',
    '- **corrupt**: stored bytes are neither image, or a committed bank/slot fails its hash, read from the flash file (never the flasher\'s word), right after the faulted flash and at the end.',
    '- **bricked**: the board does not tick, refuses its model, or a cold boot of a fresh board on the same flash file does not run the expected image.',
    '- **failed**: any check failed (bricked and corrupt included; a model run without a disconnect that did not flash is a failure).',
    '- times: the faulted flash, and the whole run (board start, old image, faulted flash, checks, resume, cold boot).', '',
    '| group | runs | flashed | resumed | mid-image | disconnects | bricked | corrupt | failed | flash median / p95 (s) | run median / p95 (s) | run mean (s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.groups.map((g) => `| ${g.group} | ${g.runs} | ${pct(g.flashed, g.runs)} | ${g.resumed} | ${g.resumedMidImage} | ${g.disconnects} | **${g.bricked}** | **${g.corrupt}** | ${g.failed} `
      + `| ${g.flashMedianS.toFixed(2)} / ${g.flashP95S.toFixed(2)} | ${g.runMedianS.toFixed(2)} / ${g.runP95S.toFixed(2)} | ${g.runMeanS.toFixed(2)} |`),
    '',
  ];
  const failed = r.failedRuns;
  if (failed.length) {
    lines.push('## Failed runs', '', ...failed.map((x) => `- ${x.group} run ${x.run} (seed ${x.seed}; ${x.fault}; ${x.outcome}): ${x.error}`), '');
  }
  return lines.join('\n');
}
