// `dendra eval pack --data` through the real CLI (bin/dendra.js) with the committed pack model on the
// sample BMS export (tests/fixtures/bms-sample.csv, written by scripts/bms-sample.ts; docs/bms.md):
// risks per cell per cycle equal the board pipeline's (host int8 executor), agreement statistics
// with the label column are reported, and bad rows are per-row errors, not a failed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './proc.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const SAMPLE = path.join(REPO_ROOT, 'tests', 'fixtures', 'bms-sample.csv');

interface Report { data: { rows: number; cycles: number; errors: { line: number; message: string }[] }; risks: { cycle: number; cell: number; risk: number; label: number | null }[];
  agreement: { n: number; pearson: number | null; mannWhitney: { auc: number; p: number } | null; blandAltman: { bias: number; lower: number; upper: number } | null } | null }

test('eval pack --data on the sample BMS export: risk per cell per cycle and agreement with the label', async () => {
  const r = await runCli(['eval', 'pack', '--data', SAMPLE, '--json'], 120_000);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as Report;
  assert.equal(rep.data.cycles, 40);
  assert.equal(rep.data.errors.length, 0);
  assert.ok(rep.risks.length > 100 && rep.risks.every((x) => x.cycle >= 8 && x.risk >= 0 && x.risk <= 1));
  const a = rep.agreement!;
  assert.ok(a.n > 100 && a.pearson !== null && a.mannWhitney !== null && a.blandAltman !== null);
  assert.ok(a.mannWhitney!.auc >= 0 && a.mannWhitney!.auc <= 1 && a.blandAltman!.lower < a.blandAltman!.upper);

  // the same file with two broken rows and no label column: the run still scores, naming the rows
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-bms-'));
  const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 6).join(','));
  lines.splice(5, 0, '1,3,oops,0.5,25,10', '1,99,4.0,0.5,25,10');
  const bad = path.join(tmp, 'bad.csv');
  writeFileSync(bad, lines.join('\n') + '\n');
  const b = await runCli(['eval', 'pack', '--data', bad], 120_000);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /2 bad rows skipped/);
  assert.match(b.stdout, /line 6: column 'v' value 'oops' is not a number/);
  assert.match(b.stdout, /line 7: column 'cell' must be an integer in 0\.\.15, got 99/);
  assert.match(b.stdout, /agreement: no label column/);
  const m = path.join(tmp, 'nocol.csv');
  writeFileSync(m, 'cycle,cell,v,i,t\n1,0,4,0.5,25\n');
  const e = await runCli(['eval', 'pack', '--data', m]);
  assert.equal(e.code, 1);
  assert.match(e.stderr.trim(), /^dendra: .*nocol\.csv: line 1 \(header\): missing column 'impedance'$/);
});
