import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soakJobs, summarize, quantile, etaSeconds, soakMarkdown, FW_GROUP, type SoakReport } from './soakreport.ts';
import type { SoakResult } from './soakworker.ts';

test('soak jobs: every rate and a firmware run per round, with faults.test.ts\'s seeds', () => {
  const jobs = soakJobs(2, 0x5eed);
  assert.deepEqual(jobs.map((j) => j.group), ['model 0.1%', 'model 0.5%', 'model 1%', FW_GROUP, 'model 0.1%', 'model 0.5%', 'model 1%', FW_GROUP]);
  assert.deepEqual(jobs.filter((j) => j.kind === 'model').map((j) => [j.run, j.seed]), [0, 1, 2, 3, 4, 5].map((n) => [n, 0x5eed + n * 7919]));
  assert.deepEqual(jobs.filter((j) => j.kind === 'firmware').map((j) => [j.run, j.seed]), [[0, 0x5eed + 0x4649], [1, 0x5eed + 0x4649 + 104729]]);
});

test('quantile: nearest rank', () => {
  assert.equal(quantile([], 0.5), 0);
  assert.equal(quantile([3, 1, 2], 0.5), 2);
  assert.equal(quantile(Array.from({ length: 20 }, (_, i) => i + 1), 0.95), 19);
  assert.equal(quantile([5], 0.95), 5);
});

const res = (over: Partial<SoakResult>): SoakResult => ({
  group: 'model 1%', kind: 'model', rate: 0.01, run: 0, seed: 1, flashed: true, resumes: 0, resumedMidImage: false, bricked: false, corrupt: false,
  outcome: 'flashed', fault: 'none', flashMs: 1000, ok: true, runMs: 4000, ...over,
});

test('summary and report: bricked, corrupt and failed runs are counted and listed; times are medians and p95', () => {
  const runs = [
    res({}), res({ run: 3, flashMs: 3000, runMs: 8000, resumes: 2 }),
    res({ run: 6, fault: 'disconnect', flashed: false, resumedMidImage: true }),
    res({ run: 9, ok: false, bricked: true, error: 'cold boot: no ticks' }),
    res({ group: FW_GROUP, kind: 'firmware', run: 0, ok: false, corrupt: true, error: 'a committed slot holds a corrupted or foreign image' }),
  ];
  const [m, fw] = summarize(runs);
  assert.deepEqual({ ...m, flashP95S: m.flashP95S }, { group: 'model 1%', runs: 4, flashed: 3, resumed: 1, resumedMidImage: 1, disconnects: 1, bricked: 1, corrupt: 0,
    failed: 1, flashMedianS: 1, flashP95S: 3, runMedianS: 4, runP95S: 8, runMeanS: 5 });
  assert.equal(fw.corrupt, 1);
  const report: SoakReport = { date: '2026-12-07T08:00:00.000Z', commit: 'abc', baud: 921600, runsPerGroup: 4, workers: 2, seed: 1, wallSeconds: 60,
    loadAverage: 3, groups: [m, fw], failedRuns: runs.filter((x) => !x.ok), perRun: [] };
  const md = soakMarkdown(report);
  assert.match(md, /\| model 1% \| 4 \| 3\/4 \| 1 \| 1 \| 1 \| \*\*1\*\* \| \*\*0\*\* \| 1 \| 1\.00 \/ 3\.00 \| 4\.00 \/ 8\.00 \| 5\.00 \|/);
  assert.match(md, /921600 baud/);
  assert.match(md, /commit abc/);
  assert.match(md, /- A\/B firmware run 0 .*: a committed slot holds a corrupted or foreign image/);
});

test('ETA: from this run\'s wall time per run once runs are done, else from the last report', () => {
  const jobs = soakJobs(2, 1);
  assert.equal(etaSeconds(null, jobs, [], 2), null);
  const prev = { groups: summarize([res({ runMs: 4000 }), res({ group: 'model 0.1%', runMs: 2000 }), res({ group: 'model 0.5%', runMs: 2000 }),
    res({ group: FW_GROUP, runMs: 8000 })]) } as SoakReport;
  assert.equal(etaSeconds(prev, jobs, [], 2), (2 * (2 + 2 + 4 + 8)) / 2);
  assert.equal(etaSeconds(null, jobs, [res({}), res({})], 2, 10), 5 * 6);
});
