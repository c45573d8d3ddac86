// `dendra dashboard` as a command (registerDashboard on a fresh commander program, in a child
// process, since the command runs until SIGINT/SIGTERM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
const SCRIPT = `
import { Command } from 'commander';
import { registerDashboard } from '@dendra/cli/cli/commands/dashboard.ts';
const p = new Command().exitOverride();
registerDashboard(p);
await p.parseAsync(process.argv.slice(1), { from: 'user' });
`;

/** Runs `dashboard ...args`; resolves with the first stdout line (or stderr at exit) and a stop(). */
function run(args: string[]): Promise<{ line: string; stderr: string; code: Promise<number | null>; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, 'dashboard', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const code = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => {
    const done = (line: string) => resolve({ line, stderr: err, code, stop: () => child.kill('SIGTERM') });
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) done(out.slice(0, out.indexOf('\n')));
    });
    void code.then(() => done(out));
  });
}

test('dashboard --json prints {url, broker} on one line, serves the page, and stops on SIGTERM', { timeout: 30000 }, async () => {
  const r = await run(['--port', '0', '--broker-port', '0', '--json']);
  try {
    const j = JSON.parse(r.line);
    assert.match(j.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(j.broker, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(j.url)).status, 200);
  } finally {
    r.stop();
  }
  assert.equal(await r.code, 0);
});

test('dashboard with a bad --broker URL, --port or --client-id is a one-line usage error (exit 2)', { timeout: 30000 }, async () => {
  for (const args of [['--broker', 'http://x'], ['--port', 'eighty'], ['--client-id', 'two words'], ['--client-id', 'x'.repeat(65)]]) {
    const r = await run(args);
    assert.equal(await r.code, 2, args.join(' '));
    assert.equal(r.line, '');
    assert.match(r.stderr, /^dendra: .+\n$/); // complete: resolved after the child closed its pipes
  }
});
