// `dendra materials eval` through the real CLI (bin/dendra.js). The full nested CV takes ~20 min on
// the shared 2-core machine, so this test prints the committed report (`--from`) and checks the
// options; nested.test.ts runs the nested CV itself on synthetic data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from './proc.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const REPORT = path.join(REPO_ROOT, 'models', 'materials', 'eval-nested.json');

test('materials eval --from: the outer-fold table has every variant and the OBELiX forest, per fold', async () => {
  const r = await runCli(['materials', 'eval', '--from', REPORT]);
  assert.equal(r.code, 0, r.stderr);
  for (const m of ['selected', 'no-forest', 'no-blend', 'no-obelix-features', 'no-physics', 'no-structure', 'no-censoring', 'fixed', 'obelix-rf']) {
    assert.match(r.stdout, new RegExp(`^${m} +\\d\\.\\d\\d +\\d\\.\\d\\d ± \\d\\.\\d\\d +(\\d\\.\\d\\d ){4}\\d\\.\\d\\d`, 'm'), m);
  }
  assert.match(r.stdout, /outer-fold coverage on exact rows \d+% \/ \d+%/);
});

test('materials eval: bad options are one-line usage errors (exit 2)', async () => {
  for (const args of [['--variants', 'nope'], ['--outer', '1'], ['--baseline-trees', '-1'], ['--outer-folds', 'x'], ['--outer-folds', '7'], ['--first-seed', '-1']]) {
    const r = await runCli(['materials', 'eval', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const j = await runCli(['materials', 'eval', '--from', path.join(REPO_ROOT, 'package.json'), '--json']);
  assert.notEqual(j.code, 0);
  assert.match(j.stderr, /not the output of materials eval --json/);
});
