// The native runtime with real parts: build/dendra-runtime (WAMR + the C HAL) runs the real
// build/firmware.wasm with its UART on a real pty and its flash in a file; the real `dendra` CLI
// talks to it over serialport. Flashes the grid and pack models, restarts on the same flash file
// (the models load from flash), updates the firmware A/B (test boot, self-test, confirm), refuses
// an image that traps at start (rolled back), rolls back with `dendra rollback`, and hands the
// flash file to `dendra sim`, which reads it, and boots a file the sim wrote (one flash format for
// both). Also the SIMD build, a keyed board (--trust, signed images) and --uart on a serial device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, startCli, startProcess, ROOT, type LiveCli, type RunResult } from './proc.ts';
import { waitFor } from './support/wait.ts';

/** The binary under test: build/dendra-runtime, or $DENDRA_RUNTIME (e.g. a sanitizer build). */
const BIN = process.env.DENDRA_RUNTIME ?? path.join(ROOT, 'build/dendra-runtime');
const GRID = path.join(ROOT, 'models/grid/grid.tflite');
const PACK = path.join(ROOT, 'models/pack/pack.tflite');
const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-runtime-'));
const live: LiveCli[] = [];
const hasCmake = spawnSync('cmake', ['--version']).status === 0;
const skip = !existsSync(BIN) && !hasCmake ? 'build/dendra-runtime is absent and cmake is missing (scripts/deps.sh installs it)' : false;

before(() => {
  if (skip) process.stderr.write(`runtime-smoke: skipped: ${skip}\n`);
  else if (!existsSync(BIN)) execFileSync(path.join(ROOT, 'scripts/build-runtime.sh'), { cwd: ROOT, stdio: 'inherit' });
});

after(async () => {
  for (const c of live) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<RunResult> {
  const r = await runCli(args, 120_000);
  assert.equal(r.code, 0, `dendra ${args.join(' ')}: ${r.stderr}`);
  return r;
}

interface Ready { pty: string; board: string; flash: string; family: string; trustedKeys: number | null }

/** Starts the runtime and returns it with its parsed ready line. */
async function runtime(args: string[]): Promise<{ rt: LiveCli; ready: Ready }> {
  const rt = startProcess(BIN, [...args, '--json']);
  live.push(rt);
  const ready = JSON.parse(await rt.waitLine((l) => l.startsWith('{'), 30_000)) as Ready;
  return { rt, ready };
}

async function stop(rt: LiveCli): Promise<void> {
  await rt.stop();
  assert.equal(rt.child.exitCode, 0, `the runtime stops cleanly on SIGTERM: ${rt.stderr().slice(-500)}`);
}

/** Waits until the runtime's stderr matches (the firmware's log lines arrive asynchronously); throws WaitTimeout with the stderr. */
async function logged(rt: LiveCli, re: RegExp, ms = 10_000): Promise<void> {
  await waitFor(() => re.test(rt.stderr()), `a runtime log line matching ${re}`, ms, { intervalMs: 50, detail: () => rt.stderr().slice(-1500) });
}

interface InfoJson { hello: { boardId: string }; firmware: { running: number; test: boolean; slots: { state: Record<string, boolean> }[] } }
const info = async (pty: string) => JSON.parse((await ok(['info', '--port', pty, '--json'])).stdout) as InfoJson;

/**
 * A valid module shaped as a firmware (it exports memory, fw_init and fw_tick, so the host's export
 * check passes) whose start function executes `unreachable`: it traps as soon as it is instantiated,
 * i.e. in the board's test boot. Sections: type () -> (); three functions (start, fw_init, fw_tick);
 * one page of memory; exports; start = function 0; code: unreachable, then two empty bodies.
 */
const TRAP = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
  0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x1e, 0x03,
  0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
  0x07, 0x66, 0x77, 0x5f, 0x69, 0x6e, 0x69, 0x74, 0x00, 0x01,
  0x07, 0x66, 0x77, 0x5f, 0x74, 0x69, 0x63, 0x6b, 0x00, 0x02,
  0x08, 0x01, 0x00,
  0x0a, 0x0b, 0x03, 0x03, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);

test('dendra-runtime: info, model flashes, restart from flash, A/B update, trap rollback, dendra rollback, sim reads its flash', { skip }, async () => {
  const flash = path.join(tmp, 'board.flash');
  let { rt, ready } = await runtime(['--board', 'sim', '--flash', flash, '--pty']);
  assert.deepEqual({ ...ready, pty: '' }, { pty: '', board: 'sim', flash, family: 'sim-soc', trustedKeys: null });
  assert.match(ready.pty, /^\/dev\/pts\/\d+$/);
  const first = await info(ready.pty);
  assert.equal(first.hello.boardId, 'dendra');
  assert.equal(first.firmware.running, -1, 'the factory image runs on a fresh flash file');

  assert.match((await ok(['flash', '--port', ready.pty, GRID])).stdout, /flashed \d+ B to slot grid \(bank [01]\) of board /);
  await logged(rt, /board: model loaded/);
  await ok(['flash', '--port', ready.pty, PACK]);
  await logged(rt, /board: pack model loaded/);
  await stop(rt);

  ({ rt, ready } = await runtime(['--board', 'sim', '--flash', flash, '--pty']));
  await logged(rt, /board: pack model loaded\nboard: model loaded/);
  assert.doesNotMatch(rt.stderr(), /no model in slot/, 'both models came back from the flash file');

  const up = await ok(['flash', '--port', ready.pty, path.join(ROOT, 'build/firmware.wasm')]);
  assert.match(up.stdout, /to firmware slot A of board .*booted and confirmed/);
  await logged(rt, /self-test passed: confirmed/);
  let i = await info(ready.pty);
  assert.equal(i.firmware.running, 0);
  assert.equal(i.firmware.slots[0].state.confirmed, true);

  writeFileSync(path.join(tmp, 'trap.wasm'), TRAP);
  const bad = await runCli(['flash', '--port', ready.pty, path.join(tmp, 'trap.wasm'), '--confirm-timeout', '5000'], 120_000);
  assert.notEqual(bad.code, 0, 'an image that traps at start is not confirmed');
  assert.match(bad.stderr, /roll/i);
  await logged(rt, /firmware trapped in boot of a slot image/);
  i = await info(ready.pty);
  assert.equal(i.firmware.running, 0, 'rolled back to slot A');
  assert.deepEqual(i.firmware.slots[1].state, { image: true, committed: true, pending: true, tried: true, confirmed: false, revoked: false });

  assert.match((await ok(['rollback', '--port', ready.pty])).stdout, /rolled back: the board leaves slot A/);
  for (let k = 0; k < 20 && (i = await info(ready.pty)).firmware.running !== -1; k++);
  assert.equal(i.firmware.running, -1, 'back on the factory image');
  assert.equal(i.firmware.slots[0].state.revoked, true);
  await stop(rt);

  const sim = startCli(['sim', '--board', 'sim', '--flash', flash, '--no-pack', '--json'], { detached: true });
  live.push(sim);
  const simPty = JSON.parse(await sim.waitLine((l) => l.includes('"pty"'), 30_000)).pty as string;
  const fromSim = await info(simPty);
  assert.equal(fromSim.firmware.slots[0].state.revoked, true, "the simulator reads the runtime's slot words");
  assert.match(sim.stderr(), /model loaded/, "the simulator loads the model the runtime flashed");
  await sim.stop();
});

test('dendra-runtime: the SIMD firmware build runs and loads a flashed model', { skip }, async () => {
  const { rt, ready } = await runtime(['--flash', path.join(tmp, 'simd.flash'), '--firmware', path.join(ROOT, 'build/firmware-simd.wasm')]);
  await ok(['flash', '--port', ready.pty, GRID]);
  await logged(rt, /board: model loaded/);
  await stop(rt);
});

test('dendra-runtime: usage errors are one line with exit 2; --json errors are JSON', { skip }, () => {
  const bad = spawnSync(BIN, ['--bogus'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^dendra-runtime: unknown option '--bogus' \(see --help\)\n$/);
  const json = spawnSync(BIN, ['--json', '--ms-per-hour', '0'], { encoding: 'utf8' });
  assert.equal(json.status, 2);
  assert.match(JSON.parse(json.stdout).error, /--ms-per-hour must be a number/);
  const board = spawnSync(BIN, ['--board', 'nope', '--flash', path.join(tmp, 'x.flash')], { encoding: 'utf8' });
  assert.equal(board.status, 1);
  assert.match(board.stderr, /unknown board 'nope'/);
  const badBoard = path.join(tmp, 'my-board.json');
  writeFileSync(badBoard, JSON.stringify({ name: 'my-board', inherits: 'sim-soc', arenaLimitBytes: -4 }));
  const field = spawnSync(BIN, ['--board', badBoard, '--flash', path.join(tmp, 'x.flash')], { encoding: 'utf8' });
  assert.equal(field.status, 1);
  assert.equal(field.stderr, "dendra-runtime: board 'my-board': field arenaLimitBytes must be a number >= 1\n", 'a board file by path inherits the repository SoC; one line names the bad field');
  assert.equal(spawnSync(BIN, ['--help'], { encoding: 'utf8' }).status, 0);
});

test('dendra-runtime --trust: keyed board refuses a raw model, runs a signed model and a signed firmware the ROM verifies', { skip }, async () => {
  const keys = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys'), '--name', 'ops', '--json'])).stdout) as { publicPath: string; privatePath: string };
  const sign = async (file: string, type: string, out: string) => {
    await ok(['sign', file, '--key', keys.privatePath, '--type', type, '--family', 'sim-soc', '--version', '1.0.0', '--out', path.join(tmp, out)]);
    return path.join(tmp, out);
  };
  const fw = await sign(path.join(ROOT, 'build/firmware.wasm'), 'firmware', 'fw.dimg');
  const grid = await sign(GRID, 'model', 'grid.dimg');
  const { rt, ready } = await runtime(['--flash', path.join(tmp, 'keyed.flash'), '--trust', keys.publicPath]);
  assert.equal(ready.trustedKeys, 1);
  const raw = await runCli(['flash', '--port', ready.pty, GRID], 120_000);
  assert.notEqual(raw.code, 0);
  assert.match(raw.stderr, /status -20/);
  await ok(['flash', '--port', ready.pty, grid]);
  await logged(rt, /board: model loaded/);
  assert.match((await ok(['flash', '--port', ready.pty, fw, '--pubkey', keys.publicPath])).stdout, /flashed signed firmware, .*slot A.*booted and confirmed/);
  assert.equal((await info(ready.pty)).firmware.running, 0, 'the ROM verified the signed slot image and booted it');
  await stop(rt);
});

test('dendra-runtime --uart: a serial device through termios (one end of a socat pty pair), the host on the other end', { skip }, async (t) => {
  if (spawnSync('socat', ['-V']).status !== 0) return t.skip('socat is missing (scripts/deps.sh installs it)');
  const socat = startProcess('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { detached: true });
  live.push(socat);
  try {
    const ptys = () => [...socat.stderr().matchAll(/PTY is (\S+)/g)].map((m) => m[1]);
    const ends = await waitFor(() => ptys().length === 2 && ptys(), 'socat to open its pty pair', 5000, { intervalMs: 50, detail: () => socat.stderr() });
    const { rt, ready } = await runtime(['--flash', path.join(tmp, 'uart.flash'), '--uart', ends[0], '--link', path.join(tmp, 'board-uart')]);
    assert.equal(ready.pty, ends[0]);
    assert.equal(readlinkSync(path.join(tmp, 'board-uart')), ends[0], '--link points at the UART device');
    assert.equal((await info(ends[1])).hello.boardId, 'dendra');
    await ok(['flash', '--port', ends[1], GRID]);
    await logged(rt, /board: model loaded/);
    await stop(rt);
    assert.equal(existsSync(path.join(tmp, 'board-uart')), false, 'the --link symlink is removed at exit');
  } finally {
    await socat.stop(); // on every path, not only in after(): its own process group, emptied
  }
  assert.deepEqual([socat.child.exitCode, socat.leftovers], [143, []], `socat exited on the stop's SIGTERM (128 + 15), nothing left in its group: ${socat.stderr().slice(-300)}`);
});

test("dendra-runtime boots a flash file written by dendra sim (the model the sim's board stored loads)", { skip }, async () => {
  const flash = path.join(tmp, 'from-sim.flash');
  const sim = startCli(['sim', '--board', 'sim', '--flash', flash, '--no-pack', '--json'], { detached: true });
  live.push(sim);
  const simPty = JSON.parse(await sim.waitLine((l) => l.includes('"pty"'), 30_000)).pty as string;
  await ok(['flash', '--port', simPty, GRID]);
  await sim.stop();
  const { rt } = await runtime(['--board', 'sim', '--flash', flash]);
  await logged(rt, /board: model loaded/);
  assert.doesNotMatch(rt.stderr(), /no model in slot/);
  await stop(rt);
});
