// sweepStalePtyDirs: folders of killed simulators go, live and fresh ones stay (a real socat for the live one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, symlinkSync, existsSync, utimesSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startPtyPair, sweepStalePtyDirs } from './pty.ts';

/** A `dendra-pty-*` folder whose links point at `target` (a missing path: socat is gone), `ageS` seconds old. */
function fakeDir(parent: string, name: string, target: string | null, ageS: number): string {
  const d = join(parent, `dendra-pty-${name}`);
  mkdirSync(d);
  if (target !== null) for (const l of ['board', 'host']) symlinkSync(target, join(d, l));
  const t = Date.now() / 1000 - ageS;
  utimesSync(d, t, t);
  return d;
}

test('sweepStalePtyDirs removes old folders whose socat is gone, keeps live, fresh and foreign ones', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'dendra-sweep-'));
  const pty = await startPtyPair({ dir: mkdtempSync(join(parent, 'dendra-pty-live')) });
  try {
    const live = join(pty.boardPath, '..');
    writeFileSync(join(live, 'socat.pid'), `${process.pid}\n`); // a running process
    const old = Date.now() / 1000 - 3600;
    utimesSync(live, old, old);
    const dead = fakeDir(parent, 'dead', pty.hostDevice, 3600); // its links resolve (a reused pty number)...
    const exited = spawnSync('true');
    writeFileSync(join(dead, 'socat.pid'), `${exited.pid}\n`); // ...but its socat has exited
    utimesSync(dead, old, old);
    const dangling = fakeDir(parent, 'dangling', '/dev/pts/does-not-exist', 3600);
    const empty = fakeDir(parent, 'empty', null, 3600);
    const fresh = fakeDir(parent, 'fresh', '/dev/pts/does-not-exist', 1);
    const foreign = join(parent, 'other-folder');
    mkdirSync(foreign);
    assert.equal(sweepStalePtyDirs(parent), 3);
    for (const gone of [dead, dangling, empty]) assert.equal(existsSync(gone), false, `${gone} is removed`);
    for (const kept of [live, fresh, foreign]) assert.ok(existsSync(kept), `${kept} is kept`);
    assert.equal(sweepStalePtyDirs(join(parent, 'missing')), 0, 'a missing parent is not an error');
  } finally {
    await pty.close();
    rmSync(parent, { recursive: true, force: true });
  }
});
