// tests/proc.ts stops what a detached child started: a `dendra sim` whose socat outlived it left a
// socat pty pair running after `make test`. Real processes (sh, sleep) stand in for the sim and its socat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { groupMembers, runCli, startProcess } from './proc.ts';
import { waitFor } from './support/wait.ts';

test('stop() of a detached child that exits on SIGTERM kills what it left in its group and lists it', async () => {
  // The leader exits at once on SIGTERM; its child (the "socat", not on the leader's pipes) does not get the signal.
  const p = startProcess('sh', ['-c', 'trap "exit 0" TERM; sleep 61 >/dev/null 2>&1 & echo ready; wait'], { detached: true });
  await p.waitLine((l) => l === 'ready', 10_000);
  await waitFor(() => groupMembers(p.child.pid!).some((m) => m.cmd === 'sleep 61'), 'sleep in the group', 5000, { detail: () => JSON.stringify(groupMembers(p.child.pid!)) });
  await p.stop();
  assert.equal(p.child.exitCode, 0);
  assert.deepEqual(p.leftovers.map((m) => m.cmd), ['sleep 61'], 'the child it left behind is named');
  await waitFor(() => groupMembers(p.child.pid!).length === 0, 'the group to be empty (SIGKILL takes effect)', 10_000, { detail: () => JSON.stringify(groupMembers(p.child.pid!)) });
});

test('stop() of a detached child that ignores SIGTERM kills its whole group after 5 s', { timeout: 30_000 }, async () => {
  // SIGTERM is ignored by the leader and, inherited, by its child: only the SIGKILL ends them.
  const p = startProcess('sh', ['-c', 'trap "" TERM; sleep 62 & echo ready; wait'], { detached: true });
  await p.waitLine((l) => l === 'ready', 10_000);
  await waitFor(() => groupMembers(p.child.pid!).some((m) => m.cmd === 'sleep 62'), 'sleep in the group', 5000);
  const t0 = Date.now();
  await p.stop();
  assert.ok(Date.now() - t0 >= 5000, 'SIGTERM first, SIGKILL after 5 s');
  assert.equal(p.child.signalCode, 'SIGKILL');
  await waitFor(() => groupMembers(p.child.pid!).length === 0, 'the child killed with its leader, not orphaned', 10_000, { detail: () => JSON.stringify(groupMembers(p.child.pid!)) });
});

test('runCli: a `dendra sim` that runs into the timeout is killed with its socat (the whole process group)', { timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-proc-'));
  try {
    // runCli's timeout is the test's wait (the sim never exits by itself), so it costs its full length:
    // 20 s is 4x the 4.5 s `dendra sim` took to print its pty line with 3 busy loops on 2 cores.
    const r = await runCli(['sim', '--flash', path.join(tmp, 'b.flash'), '--no-pack'], 20_000);
    assert.match(r.stdout, /^pty: /m, `the sim was up, its socat running: ${r.stderr.slice(-300)}`);
    assert.equal(r.code, null, 'killed at the timeout');
    await waitFor(() => groupMembers(r.pid).length === 0, 'no socat left in its group', 10_000, { detail: () => JSON.stringify(groupMembers(r.pid)) });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
