// Signed flashing through the real CLI: `dendra keys new` -> `dendra sign` -> `dendra sim --trust`
// (real firmware .wasm, UART on a pty) -> `dendra flash` with serialport. A refusal by the board
// is one `dendra:` line with a non-zero exit; `--pubkey` refuses an untrusted image before the
// port is touched; `dendra sim` without keys warns that it runs unsigned models.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, startCli, ROOT, type LiveCli, type RunResult } from './proc.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-signed-cli-'));
const MODEL = path.join(ROOT, 'models/grid/grid.tflite');
const live: LiveCli[] = [];

after(async () => {
  for (const c of live) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Non-zero exit and exactly one error line, `dendra: ...`, the last thing on stderr (after the progress bar). */
function oneLineError(r: RunResult, re: RegExp): void {
  assert.notEqual(r.code, 0, r.stdout);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('dendra: '));
  assert.equal(errors.length, 1, `one error line, got: ${r.stderr}`);
  assert.equal(lines.at(-1), errors[0]);
  assert.match(errors[0]!, re);
}

async function newKey(name: string): Promise<{ pub: string; key: string }> {
  const r = await runCli(['keys', 'new', '--out', path.join(tmp, 'keys'), '--name', name, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { publicPath: string; privatePath: string };
  return { pub: o.publicPath, key: o.privatePath };
}

async function sign(key: string, version: string, out: string, family = 'sim-soc'): Promise<string> {
  const file = path.join(tmp, out);
  const r = await runCli(['sign', MODEL, '--key', key, '--type', 'model', '--family', family, '--version', version, '--out', file]);
  assert.equal(r.code, 0, r.stderr);
  return file;
}

async function sim(name: string, trust: string[]): Promise<{ pty: string; cli: LiveCli }> {
  const args = ['sim', '--board', 'sim', '--flash', path.join(tmp, `${name}.flash`), '--ms-per-hour', '1000', '--json'];
  for (const t of trust) args.push('--trust', t);
  const cli = startCli(args, { detached: true }); // its own process group: stop() ends the sim's socat with it
  live.push(cli);
  const line = JSON.parse(await cli.waitLine((l) => l.includes('"pty"'), 30_000));
  return { pty: line.pty as string, cli };
}

test('dendra flash: signed image runs on a --trust board; refusals are one line and exit 1', async () => {
  const ops = await newKey('ops');
  const other = await newKey('other');
  const good = await sign(ops.key, '1.0.0', 'grid-1.0.0.dimg');
  const untrusted = await sign(other.key, '2.0.0', 'grid-other.dimg');
  const family = await sign(ops.key, '2.0.0', 'grid-family.dimg', 'esp32s3');

  const board = await sim('keyed', [ops.pub]);
  assert.match(board.cli.stderr(), /trusts 1 key/);

  const ok = await runCli(['flash', '--port', board.pty, good, '--pubkey', ops.pub, '--json'], 60_000);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).signed, true);

  oneLineError(await runCli(['flash', '--port', board.pty, untrusted], 60_000), /board refused FINISH: .*does not trust.*status -21/);
  // Another family: refused on the host before the port is opened (the board would refuse it at FINISH, -22).
  oneLineError(await runCli(['flash', '--port', board.pty, family], 60_000), /signed for board family esp32s3, but board sim is family sim-soc/);
  oneLineError(await runCli(['flash', '--port', board.pty, MODEL], 60_000), /board refused BEGIN: signature.*status -20/);
  // verified locally: refused before the port is opened (a port that does not exist)
  oneLineError(await runCli(['flash', '--port', path.join(tmp, 'nothing'), untrusted, '--pubkey', ops.pub]), /not trusted/);
});

test('dendra sim without --trust warns: development mode, unsigned models run', async () => {
  const board = await sim('dev', []);
  for (let i = 0; i < 100 && !board.cli.stderr().includes('development mode'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(board.cli.stderr(), /warning: no trusted keys.*development mode/);
  const r = await runCli(['flash', '--port', board.pty, MODEL], 60_000);
  assert.equal(r.code, 0, r.stderr);
});
