// Operator commands on the real path: the real app firmware (main.ts, app/cmd.ts, app/site.ts,
// grid, outbox; stub interpreter) in the simulator, its network stack subscribed to its own cmd
// topic on a real aedes broker, and the operator's sendCommand / `dendra cmd` waiting for the reply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { connectAsync, type MqttClient } from 'mqtt';
import { startSim, type SimHandle } from './sim.ts';
import { buildAppFirmwareWithStubInterpreter, stubModel } from '../../test/testfw.ts';
import { flashModelFile } from '../flash/flash.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { connectDevice, publishModelInfo, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { watchAlerts, type AlertWatcher } from '@dendra/ops/mqtt/alerts.ts';
import { sendCommand, CommandError } from '@dendra/ops/mqtt/command.ts';
import { parsePayload, type ReplyPayload } from '@dendra/ops/mqtt/schema.ts';
import { waitFor, sleep } from '@dendra/ops/test/testutil.ts';

import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
/** `dendra cmd` as main.ts registers it (alone, so other commands' modules are not loaded). */
const CLI = `
import { Command } from 'commander';
import { registerCmd } from '@dendra/cli/cli/commands/cmd.ts';
import { reportError } from '@dendra/core/run.ts';
const p = new Command().exitOverride();
registerCmd(p);
try { await p.parseAsync(process.argv.slice(1), { from: 'user' }); } catch (e) { reportError(e); }
`;
let dir = '';
let fw = '';
let model = '';

/** ETT CSV whose OT alternates 50 / 0 per hour: with stubModel(30, 5, 39.6) the forecast peak alternates 50.00 / 31.75 degC. */
function csv(name: string, windows: number): string {
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < windows + 95; i++) rows.push(`2016-07-01 00:00:00,1,1,2,3,4,5,${i % 2 === 0 ? 50 : 0}`);
  const f = join(dir, name);
  writeFileSync(f, rows.join('\n') + '\n');
  return f;
}

interface Alert { boot: number; seq: number; state: string; threshold: number; window: number }
interface Rig {
  broker: BrokerHandle;
  dev: DeviceClient;
  sim: SimHandle;
  watcher: AlertWatcher;
  alerts: Alert[];
  windows: number[];
  tel: MqttClient;
  logs: string[];
}

async function rig(name: string, windows: number, msPerHour: number): Promise<Rig> {
  const broker = await startBroker({ port: 0 });
  const r = { broker, alerts: [], windows: [], logs: [] } as unknown as Rig;
  r.watcher = await watchAlerts({
    url: broker.url,
    onAlert: (a) => r.alerts.push({ boot: a.boot ?? 0, seq: a.seq, state: a.state, threshold: a.threshold, window: a.window ?? -1 }),
  });
  r.tel = await connectAsync(broker.url);
  await r.tel.subscribeAsync('dendra/v1/yard/tx1/telemetry', { qos: 0 });
  r.tel.on('message', (_t, p) => r.windows.push(JSON.parse(p.toString()).window));
  r.dev = await connectDevice({ url: broker.url, site: 'yard', device: 'tx1' });
  r.sim = await startSim({
    board: 'sim', flashFile: join(dir, `${name}.bin`), dataCsv: csv(`${name}.csv`, windows), start: 0, msPerHour,
    wasmPath: fw, publisher: r.dev, log: (_l, t) => r.logs.push(t),
  });
  await flashModelFile({ port: r.sim.ptyPath, file: model });
  return r;
}

async function teardown(r: Rig): Promise<void> {
  await r.sim.stop();
  await r.dev.close();
  await r.watcher.close();
  await r.tel.endAsync(true);
  await r.broker.close();
}

const cmd = (r: Rig, op: 'ping' | 'status' | 'set-limit', extra: { limitC?: number; hysteresisC?: number } = {}) =>
  sendCommand({ url: r.broker.url, site: 'yard', device: 'tx1', op, timeoutMs: 5000, protocolVersion: 4, ...extra });

/** Waits until telemetry of `n` more windows arrived. */
async function windowsPass(r: Rig, n: number): Promise<void> {
  const from = r.windows.length;
  await waitFor(() => r.windows.length >= from + n, `${n} more windows`, 20000);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-netcmd-'));
  fw = buildAppFirmwareWithStubInterpreter(dir);
  model = join(dir, 'stub.tflite');
  writeFileSync(model, stubModel(30, 5, 39.6));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('ping and status round trip: replies carry the id, boot, uptime and counters; status republishes the retained records', { timeout: 60000 }, async () => {
  const r = await rig('ping', 40, 200);
  try {
    const t0 = performance.now();
    const { reply, roundTripMs } = await cmd(r, 'ping');
    const rtt = performance.now() - t0;
    assert.equal(reply.ok, true);
    assert.equal(reply.op, 'ping');
    assert.equal(reply.boot, 1);
    assert.ok(reply.uptime_ms! > 0 && typeof reply.pts === 'number' && reply.pts >= reply.ts, JSON.stringify(reply));
    assert.equal(reply.cmd_ok, 1);
    assert.equal(reply.cmd_errors, 0);
    console.log(`ping round trip ${roundTripMs.toFixed(1)} ms (incl. connect ${rtt.toFixed(1)} ms)`);
    publishModelInfo(r.dev, { model: 'grid@3', model_sha256: 'ab'.repeat(32) });
    await waitFor(() => r.watcher.stats.models === 1, 'the model record');
    const statuses = r.watcher.stats.statuses;
    const s = (await cmd(r, 'status')).reply;
    assert.equal(s.announced, 2);
    assert.equal(s.model, 'grid@3');
    assert.deepEqual([s.limit_c, s.hysteresis_c, s.limit_source], [39.6, 1, 'model']);
    await waitFor(() => r.watcher.stats.models === 2 && r.watcher.stats.statuses > statuses, 'status and model republished');
    assert.equal(r.sim.call('fw_cmd_ok'), 2);
  } finally {
    await teardown(r);
  }
});

test('set-limit changes when overload.warning is raised and cleared, refuses out-of-range values, and survives a reboot', { timeout: 90000 }, async () => {
  const r = await rig('limit', 600, 50);
  try {
    await waitFor(() => r.alerts.filter((a) => a.state === 'raised').length >= 2, 'alerts at the model limit 39.60', 20000);
    assert.ok(r.alerts.every((a) => a.threshold === 39.6));
    // Above every peak (50.00): the warning may clear once, is never raised again.
    const high = (await cmd(r, 'set-limit', { limitC: 55, hysteresisC: 1 })).reply;
    assert.deepEqual([high.old, high.new], [{ limit_c: 39.6, hysteresis_c: 1 }, { limit_c: 55, hysteresis_c: 1 }]);
    const mark = r.alerts.length;
    await windowsPass(r, 8);
    const at55 = r.alerts.slice(mark).filter((a) => a.threshold === 55);
    assert.ok(at55.every((a) => a.state === 'cleared') && at55.length <= 1, JSON.stringify(at55));
    // Out of range: refused with a status, the setting stays.
    await assert.rejects(sendCommand({ url: r.broker.url, site: 'yard', device: 'tx1', op: 'set-limit', limitC: 45, hysteresisC: 45, timeoutMs: 5000 }),
      (e: unknown) => e instanceof CommandError && e.code === 'E_CMD_INPUT', 'the CLI refuses before sending');
    const raw = await rawCommand(r, '{"v":1,"id":"far","op":"set-limit","limit_c":500,"hysteresis_c":2}');
    assert.deepEqual([raw.ok, raw.status, raw.error], [false, -27, 'out of range']);
    // 45 with hysteresis 20: raised at the next 50.00 peak, never cleared (31.75 is not below 25).
    await cmd(r, 'set-limit', { limitC: 45, hysteresisC: 20 });
    await waitFor(() => r.alerts.some((a) => a.threshold === 45 && a.state === 'raised'), 'raised at 45.00', 20000);
    await windowsPass(r, 8);
    assert.deepEqual(r.alerts.filter((a) => a.threshold === 45).map((a) => a.state), ['raised'], 'hysteresis 20 holds it');
    // Reboot: the setting comes back from flash.
    r.sim.powerCutAfter({ halCalls: 1 });
    await waitFor(() => r.sim.stats().powerCuts === 1, 'the power cut');
    await waitFor(() => r.alerts.some((a) => a.boot === 2), 'boot 2 alerts', 20000);
    await windowsPass(r, 8);
    const boot2 = r.alerts.filter((a) => a.boot === 2);
    assert.deepEqual(boot2.map((a) => [a.state, a.threshold]), [['raised', 45]], 'after the reboot: limit 45, hysteresis 20');
    const s = (await cmd(r, 'status')).reply;
    assert.deepEqual([s.boot, s.limit_c, s.hysteresis_c, s.limit_source], [2, 45, 20, 'site']);
  } finally {
    await teardown(r);
  }
});

/** Publishes raw bytes on tx1's cmd topic and resolves with the next reply (any id). */
async function rawCommand(r: Rig, payload: string | Buffer): Promise<ReplyPayload> {
  const ops = await connectAsync(r.broker.url);
  try {
    const got = new Promise<ReplyPayload>((res, rej) => {
      ops.on('message', (_t, p) => {
        const v = parsePayload('reply', new Uint8Array(p));
        if (v.ok) res(v.value);
        else rej(new Error(`invalid reply: ${v.reason}`));
      });
    });
    await ops.subscribeAsync('dendra/v1/yard/tx1/reply', { qos: 1 });
    await ops.publishAsync('dendra/v1/yard/tx1/cmd', payload, { qos: 1 });
    return await Promise.race([got, sleep(5000).then(() => { throw new Error('no reply within 5 s'); })]);
  } finally {
    await ops.endAsync(true);
  }
}

test('malformed, oversized and unknown commands are answered with an error, counted, and the board keeps running', { timeout: 60000 }, async () => {
  const r = await rig('bad', 400, 100);
  try {
    const cases: [string | Buffer, string, string | null][] = [
      ['not json', 'malformed', null],
      [Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 'malformed', null],
      ['{"v":1,"id":"o1","op":"ping","pad":"' + 'x'.repeat(400) + '"}', 'oversized', null],
      ['{"v":1,"id":"u1","op":"reboot"}', 'unknown op', 'u1'],
      ['{"v":1,"op":"ping"}', 'missing id', null],
      ['{"v":1,"id":"bad id!","op":"ping"}', 'bad id', null],
      ['{"v":1,"id":"n1","op":"ping","x":{"nested":1}}', 'malformed', 'n1'],
      ['{"v":1,"id":"e1","op":"set-limit","limit_c":4e1,"hysteresis_c":1}', 'malformed', 'e1'],
      ['{"v":2,"id":"v2","op":"ping"}', 'unsupported version', 'v2'],
      ['{"v":1,"id":"s1","op":"set-limit","limit_c":50}', 'set-limit needs limit_c and hysteresis_c', 's1'],
      ['{"v":1,"id":"t1","op":"ping"} trailing', 'malformed', 't1'],
    ];
    let n = 0;
    for (const [payload, error, id] of cases) {
      const reply = await rawCommand(r, payload);
      n++;
      assert.deepEqual([reply.ok, reply.status, reply.error, reply.id], [false, -26, error, id], String(payload).slice(0, 60));
      assert.equal(reply.cmd_errors, n);
    }
    const ok = await rawCommand(r, ' {"v":1, "id":"w1", "op":"ping", "extra":[true] , "z":null}'.replace('[true]', 'true'));
    assert.deepEqual([ok.ok, ok.id, ok.cmd_errors], [true, 'w1', cases.length]);
    assert.equal(r.sim.call('fw_cmd_errors'), cases.length);
    const before = r.windows.length;
    await windowsPass(r, 3);
    assert.ok(r.windows.length > before, 'windows still processed');
    assert.equal(r.sim.stats().traps, 0);
    assert.ok(!r.logs.some((l) => /trap/i.test(l)), 'no trap logged');
  } finally {
    await teardown(r);
  }
});

test('`dendra cmd`: ping prints one line; --json the reply; an absent device times out with a one-line error', { timeout: 60000 }, async () => {
  const r = await rig('cli', 40, 200);
  // Asynchronous: the broker runs in this process.
  const cli = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CLI, 'cmd', ...args, '--broker', r.broker.url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => res({ status, stdout, stderr }));
  });
  try {
    const ping = await cli('yard/tx1', 'ping');
    assert.equal(ping.status, 0, ping.stderr);
    assert.match(ping.stdout, /^yard\/tx1 pong: boot 1, up [0-9.]+ h \(device clock\), commands 1 ok \/ 0 refused \(\d+ ms\)\n$/);
    const json = await cli('yard/tx1', 'set-limit', '--limit', '47.5', '--hysteresis', '2', '--json');
    assert.equal(json.status, 0, json.stderr);
    const rep = JSON.parse(json.stdout);
    assert.deepEqual([rep.ok, rep.new], [true, { limit_c: 47.5, hysteresis_c: 2 }]);
    assert.ok(parsePayload('reply', new TextEncoder().encode(JSON.stringify(rep))).ok);
    const gone = await cli('yard/nobody', 'ping', '--timeout', '1');
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^dendra: no reply from yard\/nobody to ping \(id [A-Za-z0-9_-]+\) within 1\.0 s .*\n$/);
    const usage = await cli('yard/tx1', 'set-limit', '--limit', '200', '--hysteresis', '1');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^dendra: --limit must be <= 150\n$/);
    const bad = await cli('yard', 'ping');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1);
  } finally {
    await teardown(r);
  }
});
