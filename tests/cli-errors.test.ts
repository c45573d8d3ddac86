// Bad input through the real CLI: one clear line on stderr, a non-zero exit, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, ROOT } from './proc.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-cli-'));
const MODEL = path.join(ROOT, 'models', 'grid', 'grid.tflite');

/** Asserts the run failed with exactly one `dendra: ...` line matching `re` and no stack trace. */
function assertOneLineError(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.notEqual(r.code, 0, 'exit code must be non-zero');
  const lines = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^dendra: /);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('flash to a port that does not exist: one-line error', async () => {
  const r = await runCli(['flash', '--port', '/dev/does-not-exist-dendra', MODEL]);
  assertOneLineError(r, /does not exist/);
});

test('flash a file that is not a .tflite model: one-line error', async () => {
  const bogus = path.join(tmp, 'notes.tflite');
  writeFileSync(bogus, 'this is not a model at all');
  const r = await runCli(['flash', '--port', '/dev/null', bogus]);
  assertOneLineError(r, /not a \.tflite model/);
});

test('inspect a model file that is missing: one-line error', async () => {
  const r = await runCli(['inspect', path.join(tmp, 'missing.tflite')]);
  assertOneLineError(r, /does not exist/);
});

test('sim with a board name that does not exist: one-line error naming the known boards', async () => {
  const r = await runCli(['sim', '--board', 'no-such-board']);
  assertOneLineError(r, /unknown board 'no-such-board'.*sim/);
});

test('alerts from a broker that does not answer: one-line error', async () => {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  const r = await runCli(['alerts', '--broker', 'mqtt://127.0.0.1:1', '--connect-timeout', '2']);
  assertOneLineError(r, /broker .* does not answer|refused/);
});

test('--ca that is missing or not a PEM certificate: one-line usage error (sim, alerts, cmd)', async () => {
  const notPem = path.join(tmp, 'ca.txt');
  writeFileSync(notPem, 'hello');
  const missing = path.join(tmp, 'no-ca.crt');
  for (const args of [
    ['sim', '--broker', 'mqtts://127.0.0.1:1', '--ca', missing],
    ['alerts', '--broker', 'mqtts://127.0.0.1:1', '--ca', notPem],
    ['cmd', 's1/b1', 'ping', '--broker', 'mqtts://127.0.0.1:1', '--ca', missing],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args[0]}: usage exit code`);
    assertOneLineError(r, args.includes(notPem) ? /--ca .*ca\.txt: not a PEM certificate/ : /--ca .*no-ca\.crt: cannot read it \(ENOENT\)/);
  }
});

test('a broker URL that is not scheme://host: one-line error, no stack trace (cmd, alerts, sim)', async () => {
  for (const args of [['cmd', 's1/b1', 'ping', '--broker', 'notaurl'], ['alerts', '--broker', 'notaurl'], ['sim', '--broker', 'http://x']]) {
    assertOneLineError(await runCli(args), /broker URL '.*' is not scheme:\/\/host\[:port\]/);
  }
});

test('broker --port 99999: one usage line, exit 2, no stack trace (issue 20)', { timeout: 60_000 }, async () => {
  for (const args of [['broker', '--port', '99999'], ['broker', '--mosquitto', '--port', '70000'], ['dashboard', '--port', '99999']]) {
    const r = await runCli(args, 30_000);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r, /option --port must be a TCP port 0\.\.65535, got '(99999|70000)'/);
  }
});

test('broker --mosquitto --dir under a missing parent: one line, exit 1, no stack trace (issue 20)', { timeout: 60_000 }, async () => {
  const dir = path.join(tmp, 'no-such-parent', 'mosq');
  const r = await runCli(['broker', '--mosquitto', '--port', '0', '--dir', dir], 30_000);
  assert.equal(r.code, 1, r.stderr);
  assertOneLineError(r, /cannot use .*no-such-parent\/mosq as the mosquitto directory: its parent .*no-such-parent does not exist/);
});

test('random bytes named .wasm: "not a WebAssembly module", not "not a .tflite model" (issue 20)', { timeout: 60_000 }, async () => {
  const bogus = path.join(tmp, 'random.wasm');
  writeFileSync(bogus, Uint8Array.from({ length: 512 }, (_, i) => (i * 97 + 13) & 0xff));
  const r = await runCli(['flash', '--port', '/dev/does-not-exist-dendra', bogus], 30_000);
  assertOneLineError(r, /random\.wasm is not a WebAssembly module/);
  assert.doesNotMatch(r.stderr, /tflite/);
});

test('a WebAssembly module that is not a firmware: refused before the port is opened (issue 20)', { timeout: 60_000 }, async () => {
  const engine = path.join(tmp, 'engine.wasm'); // exports memory and run, no fw_init / fw_tick
  writeFileSync(engine, Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 5, 3, 1, 0, 1,
    7, 0x10, 2, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 0, 3, 0x72, 0x75, 0x6e, 0, 0, 0x0a, 6, 1, 4, 0, 0x41, 0, 0x0b]));
  const r = await runCli(['flash', '--port', '/dev/does-not-exist-dendra', engine], 30_000);
  assertOneLineError(r, /engine\.wasm is a WebAssembly module but not a Dendra firmware: it does not export fw_init, fw_tick/);
});

test('the framework\'s own usage errors exit 2 with one dendra: line (missing option or argument, unknown command or option)', async () => {
  const cases: [string[], RegExp][] = [
    [['flash', MODEL], /missing required option '--port <tty>'/],
    [['flash', '--port', '/dev/null'], /missing required argument 'file'/],
    [['no-such-command'], /unknown command 'no-such-command'/],
    [['alerts', '--no-such-option'], /unknown option '--no-such-option' \(dendra alerts --help\)/],
    [['sim', '--board'], /option '--board <name>' argument missing/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args, 60_000);
    assert.equal(r.code, 2, `${args.join(' ')}: exit 2, got ${r.code}\n${r.stderr}`);
    assertOneLineError(r, re);
    assert.doesNotMatch(r.stderr, /^error:/m);
  }
});

test('under --json every error is one JSON line {"error":{"code","message"}} on stderr (usage and run-time)', async () => {
  for (const [args, code, exit] of [
    [['flash', MODEL, '--json'], 'E_USAGE', 2],
    [['alerts', '--json', '--bogus'], 'E_USAGE', 2],
    [['inspect', path.join(tmp, 'missing.tflite'), '--json'], 'E_MODEL', 1],
  ] as const) {
    const r = await runCli([...args], 60_000);
    assert.equal(r.code, exit, `${args.join(' ')}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    const j = JSON.parse(lines[0]) as { error: { code: string; message: string } };
    assert.equal(j.error.code, code);
    assert.ok(j.error.message.length > 0 && !j.error.message.includes('\n'));
  }
});

test('dendra ports: the serial ports with USB ids as JSON (serialport\'s list), exit 0', async () => {
  const r = await runCli(['ports', '--json'], 60_000);
  if (r.code !== 0) {
    // Where the OS cannot enumerate (no udev), the failure is still one line.
    assertOneLineError(r, /cannot list serial ports/);
    return;
  }
  const ports = JSON.parse(r.stdout) as { path: string; vendorId: string | null; productId: string | null }[];
  assert.ok(Array.isArray(ports));
  for (const p of ports) {
    assert.match(p.path, /^\/dev\//);
    assert.ok(p.vendorId === null || /^[0-9a-f]{4}$/.test(p.vendorId));
  }
});

test('cmd set-limit --model: a limit outside the grid model\'s forecast range is a usage error before any broker is asked', async () => {
  const r = await runCli(['cmd', 's1/b1', 'set-limit', '--limit', '35', '--hysteresis', '1', '--model', MODEL, '--broker', 'mqtt://127.0.0.1:1'], 60_000);
  assert.equal(r.code, 2, r.stderr);
  assertOneLineError(r, /--limit 35 is outside the forecast range of .*grid\.tflite: \d+\.\d\d\.\.\d+\.\d\d degC/);
});
