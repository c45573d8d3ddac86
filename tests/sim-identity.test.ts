// `dendra sim` identity through the real CLI: --link gives a stable symlink to the pty (removed on
// exit), the flash file is locked (a second simulator on it is refused), and a device id that is
// online on the broker is refused (real aedes broker, real pty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli, startCli } from './proc.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-simid-'));

function oneLine(r: { code: number | null; stderr: string }, re: RegExp): void {
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('dendra:') || l.startsWith('{'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
}

test('sim --link: a symlink to the pty while it runs (a port for flash), removed on exit; a second sim on the same flash file is refused', { timeout: 120_000 }, async () => {
  const flash = path.join(tmp, 'a.flash');
  const link = path.join(tmp, 'board-tty');
  const sim = startCli(['sim', '--flash', flash, '--link', link, '--no-pack', '--json'], { detached: true });
  try {
    const j = JSON.parse(await sim.waitLine((l) => l.startsWith('{'), 60_000)) as { pty: string; link: string };
    assert.equal(j.link, link);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), j.pty);
    assert.ok(existsSync(`${flash}.lock`));
    // the link is a port: the flash summary names the slot and bank written and the board on it
    const f = await runCli(['flash', '--port', link, path.join(ROOT, 'models', 'pack', 'pack.tflite')], 120_000);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /^flashed \d+ B to slot pack \(bank [01]\) of board \S+ on .*board-tty in [\d.]+ s, [\d.]+ KiB\/s at \d+ baud/);
    const second = await runCli(['sim', '--flash', flash, '--no-pack'], 60_000);
    assert.equal(second.code, 1, second.stderr);
    oneLine(second, /flash file .*a\.flash is in use by another dendra sim \(pid \d+, device site1\/board1\)/);
  } finally {
    await sim.stop();
  }
  assert.equal(existsSync(link), false, 'link removed on exit');
  assert.deepEqual(sim.leftovers, [], 'nothing of the sim left running in its process group (its socat exited with it)');
  assert.equal(existsSync(`${flash}.lock`), false, 'lock released on exit');
});

test('sim: a device id that is online on the broker is refused (second simulator, other flash file)', { timeout: 120_000 }, async () => {
  const broker = startCli(['broker', '--port', '0']);
  try {
    const url = /(mqtt:\/\/\S+)/.exec(await broker.waitLine((l) => l.startsWith('broker listening on'), 60_000))![1];
    const first = startCli(['sim', '--flash', path.join(tmp, 'b1.flash'), '--broker', url, '--site', 's9', '--device', 'dup', '--no-pack', '--json'], { detached: true });
    try {
      await first.waitLine((l) => l.startsWith('{'), 60_000);
      const second = await runCli(['sim', '--flash', path.join(tmp, 'b2.flash'), '--broker', url, '--site', 's9', '--device', 'dup', '--no-pack'], 60_000);
      assert.equal(second.code, 1, second.stderr);
      oneLine(second, /device id s9\/dup is online on mqtt:\/\/.* \(instance [0-9a-f]{16}\): another simulator or board uses it/);
    } finally {
      await first.stop();
    }
    // After a clean stop (retained offline status) the id is free again.
    const again = startCli(['sim', '--flash', path.join(tmp, 'b2.flash'), '--broker', url, '--site', 's9', '--device', 'dup', '--no-pack', '--json'], { detached: true });
    try {
      await again.waitLine((l) => l.startsWith('{'), 60_000);
    } finally {
      await again.stop();
    }
  } finally {
    await broker.stop();
  }
});
