// Operator commands end to end with real parts: the real board firmware (build/firmware.wasm) in
// the simulator and on the native runtime, a real broker, and the real `dendra cmd` CLI as a child process.
// - aedes, on every target (tests/support/targets.ts): `dendra broker` + the board + `dendra cmd`
//   (ping, set-limit, status); the setting survives a restart of the board process (it is in the
//   board's flash file).
// - secured mosquitto (`dendra broker --mosquitto --secure`): the board (device account) reads its
//   own cmd; an operator commands it; another device's account and an anonymous client cannot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { ROOT, runCli, startCli, type LiveCli, type RunResult } from './proc.ts';
import { findMosquitto } from '@dendra/ops/mqtt/broker.ts';
import { connectDevice } from '@dendra/ops/mqtt/device.ts';
import { startSim } from '@dendra/device/sim/sim.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
import { startTarget, targets, type Target } from './support/targets.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-cmd-e2e-'));
const FIRMWARE = path.join(ROOT, 'build', 'firmware.wasm');
const live: LiveCli[] = [];
const boards: Target[] = [];
const missing = !existsSync(FIRMWARE) ? `${FIRMWARE} is missing (node firmware/build.mjs)`
  : !existsSync(DEFAULT_ETT) ? `${DEFAULT_ETT} is missing (scripts/deps.sh)` : null;
if (missing) console.log(`cmd e2e skipped: ${missing}`);
const noMosquitto = findMosquitto() ? null : 'mosquitto not installed (apt-get install mosquitto)';
if (noMosquitto) console.log(`secured mosquitto cmd e2e skipped: ${noMosquitto}`);

after(async () => {
  for (const b of boards) await b.stop();
  for (const c of live) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts a long-running `dendra` child that is stopped after the file's tests. */
function spawnCli(args: string[]): LiveCli {
  const c = startCli(args);
  live.push(c);
  return c;
}

/** Runs `dendra cmd ...` with DENDRA_MQTT_PASSWORD set to `password` (unset when undefined). */
async function cmd(args: string[], password?: string): Promise<RunResult> {
  const saved = process.env.DENDRA_MQTT_PASSWORD;
  if (password === undefined) delete process.env.DENDRA_MQTT_PASSWORD;
  else process.env.DENDRA_MQTT_PASSWORD = password;
  try {
    return await runCli(['cmd', ...args], 60_000);
  } finally {
    if (saved === undefined) delete process.env.DENDRA_MQTT_PASSWORD;
    else process.env.DENDRA_MQTT_PASSWORD = saved;
  }
}

/** Resolves once `topic` carries a retained/live `"state":"online"` status. */
async function online(url: string, topic: string, auth: { username?: string; password?: string } = {}): Promise<void> {
  const c = await mqtt.connectAsync(url, auth);
  try {
    const seen = new Promise<void>((res) => c.on('message', (_t, p) => { if (p.toString().includes('"online"')) res(); }));
    await c.subscribeAsync(topic, { qos: 1 });
    await Promise.race([seen, new Promise((_, rej) => setTimeout(() => rej(new Error(`${topic} not online within 30 s`)), 30_000))]);
  } finally {
    await c.endAsync(true);
  }
}

/** The JSON object `dendra broker --json` prints (indented, over several lines). */
async function brokerInfo(b: LiveCli): Promise<{ url: string; credentials?: string }> {
  await b.waitLine((l) => l === '}', 30_000);
  return JSON.parse(b.lines.slice(0, b.lines.indexOf('}') + 1).join('\n'));
}

/** One line on stderr, `dendra: ...`, nothing on stdout. */
function oneLineError(r: RunResult, re: RegExp): void {
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^dendra: [^\n]+\n$/);
  assert.match(r.stderr, re);
}

let aedes: { url: string } | undefined;
before(async () => {
  if (!missing) aedes = await brokerInfo(spawnCli(['broker', '--port', '0', '--json'])); // one broker for every target
});
for (const kind of targets()) {
  test(`${kind}: aedes: dendra cmd pings the board, sets its limit, reads it back, and the setting survives a restart`, { timeout: 180_000, skip: missing ?? false }, async () => {
    const url = aedes!.url;
    const id = `e2e/${kind}`;
    const topic = `dendra/v1/${id}/status`;
    const board = await startTarget(kind, { flash: path.join(tmp, `aedes-${kind}.flash`), broker: url, site: 'e2e', device: kind, pack: false });
    boards.push(board);
    await online(url, topic);

    const ping = await cmd([id, 'ping', '--broker', url]);
    assert.equal(ping.code, 0, ping.stderr);
    assert.match(ping.stdout, new RegExp(`^e2e/${kind} pong: boot 1, up [0-9.]+ h \\(device clock\\), commands 1 ok / 0 refused \\(\\d+ ms\\)\\n$`));

    const set = await cmd([id, 'set-limit', '--limit', '85', '--hysteresis', '3', '--broker', url, '--json']);
    assert.equal(set.code, 0, set.stderr);
    const rep = JSON.parse(set.stdout);
    assert.deepEqual([rep.ok, rep.op, rep.status, rep.new], [true, 'set-limit', 0, { limit_c: 85, hysteresis_c: 3 }]);
    assert.ok(typeof rep.pts === 'number' && rep.pts >= rep.ts, 'the reply carries its send time');

    const usage = await cmd([id, 'set-limit', '--limit', '85', '--broker', url]);
    assert.equal(usage.code, 2);
    oneLineError(usage, /set-limit needs --limit and --hysteresis/);

    // A new board process on the same flash file: boot 2, the site setting read back from flash.
    await board.restart();
    await online(url, topic);
    const st = await cmd([id, 'status', '--broker', url, '--json']);
    assert.equal(st.code, 0, st.stderr);
    const s = JSON.parse(st.stdout);
    assert.deepEqual([s.boot, s.limit_c, s.hysteresis_c, s.limit_source, s.cmd_ok, s.cmd_errors], [2, 85, 3, 'site', 1, 0]);
    assert.equal(await board.stop(), 0, `${kind} stops cleanly: ${board.stderr().slice(-500)}`);
  });
}

test('dendra cmd to a device that does not answer: one line, exit 1', { timeout: 60_000, skip: missing ?? false }, async () => {
  const gone = await cmd(['e2e/nobody', 'ping', '--broker', aedes!.url, '--timeout', '1']);
  assert.equal(gone.code, 1);
  oneLineError(gone, /no reply from e2e\/nobody to ping \(id [A-Za-z0-9_-]+\) within 1\.0 s/);
});

test('secured mosquitto: the operator commands the board; another device account and an anonymous client are refused and never reach it', { timeout: 180_000, skip: missing ?? noMosquitto ?? false }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-cmd-secure-')); // mosquitto (its own user) must reach it
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broker = spawnCli(['broker', '--mosquitto', '--secure', '--dir', dir, '--port', '0', '--device', 'yard/tx1', '--device', 'yard/tx2', '--operator', 'ops', '--json']);
  const info = await brokerInfo(broker);
  const creds = JSON.parse(readFileSync(info.credentials!, 'utf8')) as { devices: { username: string; password: string }[]; operators: { username: string; password: string }[] };
  const pw = (u: string) => [...creds.devices, ...creds.operators].find((a) => a.username === u)!.password;

  // The board's network stack logs in with its own device account (it may read only its own cmd).
  const dev = await connectDevice({ url: info.url, site: 'yard', device: 'tx1', username: 'yard/tx1', password: pw('yard/tx1') });
  const sim = await startSim({ board: 'sim', flashFile: path.join(dir, 'tx1.flash'), dataCsv: DEFAULT_ETT, msPerHour: 1000, wasmPath: FIRMWARE, publisher: dev, log: () => {} });
  try {
    await online(info.url, 'dendra/v1/yard/tx1/status', { username: 'ops', password: pw('ops') });
    const ping = await cmd(['yard/tx1', 'ping', '--broker', info.url, '--username', 'ops'], pw('ops'));
    assert.equal(ping.code, 0, ping.stderr);
    assert.match(ping.stdout, /^yard\/tx1 pong: boot 1, .* commands 1 ok \/ 0 refused/);

    // Device tx2's account may neither read tx1's replies nor write cmd: refused, one line.
    const spoof = await cmd(['yard/tx1', 'set-limit', '--limit', '20', '--hysteresis', '0', '--broker', info.url, '--username', 'yard/tx2', '--timeout', '3'], pw('yard/tx2'));
    assert.equal(spoof.code, 1);
    oneLineError(spoof, /refused the (subscription|publish)/);
    console.log(`another device: ${spoof.stderr.trim()}`);
    const anon = await cmd(['yard/tx1', 'ping', '--broker', info.url, '--timeout', '3']);
    assert.equal(anon.code, 1);
    oneLineError(anon, /refused|not authori[sz]ed/i);
    console.log(`anonymous: ${anon.stderr.trim()}`);

    const st = await cmd(['yard/tx1', 'status', '--broker', info.url, '--username', 'ops', '--json'], pw('ops'));
    assert.equal(st.code, 0, st.stderr);
    const s = JSON.parse(st.stdout);
    assert.deepEqual([s.cmd_ok, s.cmd_errors, s.limit_source], [2, 0, 'model'], 'only the operator\'s two commands reached the board; the limit is untouched');
    assert.equal(sim.call('fw_cmd_ok'), 2);
    assert.equal(sim.stats().traps, 0);
  } finally {
    await sim.stop();
    await dev.close();
    await broker.stop();
  }
});
