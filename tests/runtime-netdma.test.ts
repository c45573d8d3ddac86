// The native runtime's net and DMA groups (runtime/src/hal_net.c, hal_dma.c) built as the C test
// programs of runtime/test (cmake), against the simulator's implementations and a real mosquitto:
// DMA windows equal the simulator's WindowDma bytes on the real ETTh1; the net group publishes,
// acknowledges, caches and announces the model record, queues commands, survives a broker restart,
// speaks TLS with the local CA, and leaves its last will when killed with SIGKILL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { ROOT } from './proc.ts';
import { readEttCsv, WindowDma, HOUR_MS, DEFAULT_START, MAX_WINDOW_HOURS, ETT_CHANNELS, DMA_BUSY, DMA_DONE, DMA_END, DMA_E_CHANNEL, DMA_E_ARG, type DmaChannel } from '@dendra/device/sim/sensors.ts';
import { PackDma, packFramesCsv } from '@dendra/device/sim/sensors-pack.ts';
import { replayPack } from '@dendra/models/pack/replay.ts';
import * as NET from '@dendra/device/sim/net.ts';
import { KINDS } from '@dendra/ops/mqtt/topics.ts';
import { MAX_PAYLOAD_BYTES } from '@dendra/ops/mqtt/schema.ts';
import { startMosquitto, findMosquitto, freePort, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { createLocalCa, findOpenssl } from '@dendra/ops/mqtt/tls.ts';
import { startSecureMosquitto } from '@dendra/ops/mqtt/secure.ts';
import { sleep, waitFor } from './support/wait.ts';
import { startRelay } from '@dendra/ops/mqtt/relay.ts';

const SHARED = process.env.DENDRA_SHARED ?? path.resolve(ROOT, '../shared');
const ETT = path.join(SHARED, 'data/ett/ETTh1.csv');
const BUILD = path.join(ROOT, 'build/runtime-test');

/** Why the C programs cannot be built here, or null. */
function missing(): string | null {
  if (spawnSync('cmake', ['--version']).status !== 0) return 'cmake not found (apt-get install cmake)';
  if (spawnSync('pkg-config', ['--exists', 'libmosquitto']).status !== 0) return 'libmosquitto-dev not found (apt-get install libmosquitto-dev)';
  if (!existsSync(path.join(SHARED, 'vendor/wamr/core/iwasm/include/wasm_export.h'))) return `WAMR headers not found under ${SHARED} (set DENDRA_SHARED)`;
  return null;
}

const skip: string | null = missing();
const dir = mkdtempSync(path.join(tmpdir(), 'dendra-netdma-'));

before(() => {
  if (skip) return;
  const cfg = spawnSync('cmake', ['-S', path.join(ROOT, 'runtime/test'), '-B', BUILD], { encoding: 'utf8' });
  assert.equal(cfg.status, 0, `cmake configure failed: ${cfg.stderr}`);
  const b = spawnSync('cmake', ['--build', BUILD, '-j', '2'], { encoding: 'utf8' });
  assert.equal(b.status, 0, `build failed: ${b.stdout}${b.stderr}`);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function run(prog: string, args: string[]) {
  return spawnSync(path.join(BUILD, prog), args, { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
}

/** The `#define NAME value` numbers of a runtime header. */
function defines(file: string): Map<string, number> {
  const text = readFileSync(path.join(ROOT, 'runtime/src', file), 'utf8');
  return new Map([...text.matchAll(/^#define (\w+) \(?(-?[\d.]+)\)?/gm)].map((m) => [m[1], Number(m[2])]));
}

test('the C groups\' constants equal the simulator\'s (net.ts, sensors.ts, topics.ts, schema.ts)', () => {
  const net = defines('net_state.h');
  for (const k of ['NET_PENDING', 'NET_ACKED', 'NET_LOST', 'NET_E_PUBLISH', 'NET_MAX_TRACKED', 'NET_MAX_COMMANDS', 'NET_MAX_COMMAND_BYTES'] as const) {
    assert.equal(net.get(k), NET[k], k);
  }
  assert.equal(defines('hal_net.h').get('NET_MAX_PAYLOAD_BYTES'), MAX_PAYLOAD_BYTES);
  const dma = defines('hal_dma.h');
  const sim = { DMA_BUSY, DMA_DONE, DMA_END, DMA_E_CHANNEL, DMA_E_ARG, DMA_ETT_CHANNELS: ETT_CHANNELS.length, DMA_HOUR_MS: HOUR_MS };
  for (const [k, v] of Object.entries(sim)) assert.equal(dma.get(k), v, k);
  assert.equal(defines('gen/fwslot.h').get('GEN_MAX_WINDOW'), MAX_WINDOW_HOURS, 'longest channel 0 window');
  const kinds = /kinds\[\] = \{([^}]*)\}/.exec(readFileSync(path.join(ROOT, 'runtime/src/net_url.c'), 'utf8'))?.[1];
  assert.deepEqual(kinds?.split(',').map((k) => JSON.parse(k.trim())), [...KINDS]);
  const ett = /ett_header\[DMA_ETT_CHANNELS\] = \{([^}]*)\}/.exec(readFileSync(path.join(ROOT, 'runtime/src/dma_csv.c'), 'utf8'))?.[1];
  assert.deepEqual(ett?.split(',').map((k) => JSON.parse(k.trim())), [...ETT_CHANNELS]);
});

test('DMA group: status codes, timing, reset, end, CSV errors and the live socket (C self-test)', (t) => {
  if (skip) return t.skip(skip);
  const r = run('test_dma', ['selftest', dir]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^FAIL/m);
  assert.ok((r.stdout.match(/^ok /gm) ?? []).length >= 62, r.stdout); // 62 checks ran and passed
  assert.match(r.stderr, /live input: record \d+ rejected: channel 0 needs 7 values per hour, 1 to 512 hours \(7 to 3584 values\), got 2\n/);
  assert.match(r.stderr, /live input: channel 0 window of 336 h requested, 300 h held: waiting for 36 more\n/);
});

/** Parses test_dma "frames" output into frame index -> { status, due, hex }. */
function parseFrames(stdout: string) {
  return new Map(stdout.trim().split('\n').map((l) => {
    const m = /^frame (\d+) status (-?\d+) due (\d+) ([0-9a-f]+)$/.exec(l);
    assert.ok(m, `unexpected line ${l.slice(0, 80)}`);
    return [Number(m[1]), { status: Number(m[2]), due: Number(m[3]), hex: m[4] }] as const;
  }));
}

/** Runs the simulator's channel like test_dma's frames mode (start at k hours, status at the due time) and compares. */
function compareFrames(dma: DmaChannel, bytes: number, got: ReturnType<typeof parseFrames>, last: number) {
  const mem = new Uint8Array(64 + bytes);
  for (let k = 0; k <= last; k++) {
    assert.equal(dma.begin(64, bytes, k * HOUR_MS), 0);
    const due = dma.dueMs() ?? k * HOUR_MS; // none pending after the last frame: asked at once
    const status = dma.status(due, mem);
    const c = got.get(k);
    if (!c) continue;
    assert.equal(c.status, status, `frame ${k} status`);
    assert.equal(c.due, due, `frame ${k} due`);
    assert.equal(c.hex, Buffer.from(mem.subarray(64)).toString('hex'), `frame ${k} bytes`);
  }
}

for (const hours of [96, 336]) {
  test(`DMA group: ${hours}-hour windows 0 and 5 of ETTh1 equal the simulator's WindowDma bytes and due times`, (t) => {
    if (skip) return t.skip(skip);
    if (!existsSync(ETT)) return t.skip(`ETTh1 not found at ${ETT} (set DENDRA_SHARED)`);
    const bytes = hours * ETT_CHANNELS.length * 4;
    const r = run('test_dma', ['frames', '0', ETT, `${DEFAULT_START}:${bytes}`, '0', '5']);
    assert.equal(r.status, 0, r.stderr);
    const got = parseFrames(r.stdout);
    assert.equal(got.size, 2);
    assert.equal(got.get(0)!.hex.length, 2 * bytes);
    compareFrames(new WindowDma(readEttCsv(ETT), DEFAULT_START), bytes, got, 5);
  });
}

test('DMA group: pack frames written by packFramesCsv replay as the simulator\'s PackDma (bytes, due times, end)', (t) => {
  if (skip) return t.skip(skip);
  const frames = replayPack({ cycles: 12 }).frames;
  const file = path.join(dir, 'pack.csv');
  writeFileSync(file, packFramesCsv(frames));
  const r = run('test_dma', ['frames', '1', file, '0.5', '0', '2', String(frames.length)]);
  assert.equal(r.status, 0, r.stderr);
  const got = parseFrames(r.stdout);
  assert.equal(got.size, 3);
  assert.equal(got.get(frames.length)!.status, DMA_END);
  compareFrames(new PackDma(frames, 0.5 * HOUR_MS), 3456, got, frames.length);
});

test('net group: id and command bookkeeping, URL and id checks, no-broker mode (C self-test)', (t) => {
  if (skip) return t.skip(skip);
  const r = run('test_net', ['selftest']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^FAIL/m);
});

/** The test_net driver: one command line in, one answer line out. */
class Driver {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  stderr = '';

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(path.join(BUILD, 'test_net'), args, { env });
    createInterface({ input: this.child.stdout }).on('line', (l) => { this.lines.push(l); this.waiter?.(); });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }

  async cmd(line: string, timeoutMs = 20_000): Promise<string> {
    this.child.stdin.write(line + '\n');
    const end = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (Date.now() > end || this.child.exitCode !== null) throw new Error(`no answer to "${line}"; stderr: ${this.stderr}`);
      await new Promise<void>((r) => { this.waiter = r; setTimeout(r, 50); });
    }
    return this.lines.shift()!;
  }

  async num(line: string): Promise<number> {
    return Number(await this.cmd(line));
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }
}

/** An operator-side subscriber recording every message on the device's topics. */
async function watch(url: string, opts: mqtt.IClientOptions = {}) {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 200, ...opts });
  const msgs: { topic: string; text: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => msgs.push({ topic, text: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync('dendra/v1/#', { qos: 1 });
  return { client, msgs, on: (suffix: string) => msgs.filter((m) => m.topic.endsWith(suffix)) };
}

const onlineStatus = /^\{"v":1,"state":"online","ts":\d{13}\}$/;

test('net group on a real mosquitto: QoS 1 ack, model cache + announce, command FIFO, broker restart, clean stop', async (t) => {
  if (skip) return t.skip(skip);
  if (!findMosquitto()) return t.skip('mosquitto not found (apt-get install mosquitto)');
  const bdir = mkdtempSync(path.join(dir, 'broker-'));
  let broker: BrokerHandle = await startMosquitto({ dir: bdir });
  const port = broker.port;
  const ops = await watch(broker.url);
  const dev = new Driver(['--broker', broker.url, '--site', 'yard', '--device', 'tx1']);
  try {
    assert.equal(await dev.num('start'), 0);
    assert.equal(await dev.num('waitconn 1 15000'), 1);
    assert.equal(await dev.cmd('sigmask'), '1 1', 'the network thread blocks SIGTERM/SIGINT: the main loop gets them');
    await waitFor(() => ops.on('yard/tx1/status').length > 0, 'online status', 20_000);
    assert.match(ops.on('yard/tx1/status')[0].text, onlineStatus);

    const alert = '{"v":1,"seq":1,"ts":5,"kind":"overload.warning","state":"raised","severity":"warning","value":81.23,"threshold":80.00,"pts":7}';
    const id = await dev.num(`publish alert 1 0 ${alert}`);
    assert.ok(id >= 1);
    assert.equal(await dev.num(`wait ${id} 15000`), 1, 'acked on PUBACK');
    assert.equal(await dev.num(`acked ${id}`), -1, 'a final state is reported once');
    await waitFor(() => ops.on('yard/tx1/alert').length === 1, 'alert at the operator', 20_000);
    assert.equal(ops.on('yard/tx1/alert')[0].text, alert, 'payload bytes as published');

    const tel = await dev.num('publish telemetry 0 0 {"v":1,"seq":1,"ts":9,"window":0}');
    assert.equal(await dev.num(`acked ${tel}`), 1, 'QoS 0 is acked once handed over');
    assert.equal(await dev.num('publish cmd 1 0 {}').then((i) => dev.num(`acked ${i}`)), -1, 'a kind the device may not publish is lost');

    const model = '{"v":1,"ts":1764054000000,"model":"grid@1","board":"linux-gateway"}';
    const mid = await dev.num(`publish model 1 1 ${model}`);
    assert.equal(await dev.num(`wait ${mid} 15000`), 1);
    const late = await watch(broker.url);
    await waitFor(() => late.on('yard/tx1/model').length === 1, 'retained model for a late subscriber', 20_000);
    assert.deepEqual(late.on('yard/tx1/model')[0], { topic: 'dendra/v1/yard/tx1/model', text: model, retain: true });
    await late.client.endAsync();
    const before = ops.on('yard/tx1/status').length;
    assert.equal(await dev.num('announce'), 2, 'announce hands over status + model');
    await waitFor(() => ops.on('yard/tx1/model').length === 2 && ops.on('yard/tx1/status').length === before + 1, 'announced records', 20_000);
    assert.equal(ops.on('yard/tx1/model')[1].text, model);

    const wakes = await dev.num('wakes');
    for (let i = 0; i < 3; i++) await ops.client.publishAsync('dendra/v1/yard/tx1/cmd', `{"id":"c${i}","op":"status"}`, { qos: 1 });
    await ops.client.publishAsync('dendra/v1/yard/tx2/cmd', '{"id":"other","op":"status"}', { qos: 1 });
    assert.equal(await dev.num('waitcmd 3 15000'), 3);
    await sleep(200);
    for (let i = 0; i < 3; i++) assert.equal(await dev.cmd('poll 4096'), `25 {"id":"c${i}","op":"status"}`, 'commands in order');
    assert.equal(await dev.cmd('poll 4096'), '0 ', 'another device\'s command never arrives');
    assert.ok((await dev.num('wakes')) > wakes, 'commands wake the main loop');

    // Broker gone: offline; what is published meanwhile waits, pending, and goes out on the reconnect
    // (mqtt.js queues it for the simulator's device client the same way).
    await broker.close();
    assert.equal(await dev.num('waitconn 0 15000'), 0);
    const statusBefore = ops.on('yard/tx1/status').length;
    const during = '{"v":1,"seq":2,"ts":6,"kind":"overload.warning","state":"cleared","severity":"warning","value":70.00,"threshold":80.00}';
    const pid = await dev.num(`publish alert 1 0 ${during}`);
    assert.equal(await dev.num(`acked ${pid}`), 0, 'pending while the broker is down');
    const tel0 = '{"v":1,"seq":2,"ts":9,"window":1}';
    const qid = await dev.num(`publish telemetry 0 0 ${tel0}`);
    assert.equal(await dev.num(`acked ${qid}`), 0, 'QoS 0 while offline waits too');
    await sleep(500);
    broker = await startMosquitto({ dir: bdir, port });
    assert.equal(await dev.num('waitconn 1 15000'), 1, 'reconnects after the restart');
    assert.equal(await dev.num(`wait ${pid} 15000`), 1, 'the pending alert is delivered and acked after the reconnect');
    assert.equal(await dev.num(`acked ${qid}`), 1, 'the telemetry was handed over on the reconnect');
    await waitFor(() => ops.on('yard/tx1/alert').some((m) => m.text === during), 'the alert at the operator', 20_000);
    await waitFor(() => ops.on('yard/tx1/telemetry').some((m) => m.text === tel0), 'the telemetry at the operator', 20_000);
    await waitFor(() => ops.on('yard/tx1/status').length > statusBefore, 'online status again', 20_000);
    assert.match(ops.on('yard/tx1/status').at(-1)!.text, onlineStatus);
    assert.match(dev.stderr, /runtime: net: connected to mqtt:\/\/127\.0\.0\.1:\d+\n(.*\n)*runtime: net: connection to mqtt:\/\/127\.0\.0\.1:\d+ lost; reconnecting\n(.*\n)*runtime: net: connected to /);

    const n = ops.msgs.length;
    assert.equal(await dev.cmd('reset'), 'reset');
    assert.equal(await dev.cmd('stop'), 'stopped');
    assert.equal(await dev.exited(), 0);
    await waitFor(() => ops.msgs.length > n && ops.on('yard/tx1/status').at(-1)!.text.includes('offline'), 'offline status at stop', 20_000);
    await sleep(300); // a clean DISCONNECT: no last will may follow
    assert.match(ops.on('yard/tx1/status').at(-1)!.text, /^\{"v":1,"state":"offline","ts":\d{13}\}$/);
  } finally {
    dev.child.kill('SIGKILL');
    await ops.client.endAsync(true);
    await broker.close();
  }
});

test('net group fails over between broker URLs: a dead first URL is skipped, a lost broker moves the device to the next', async (t) => {
  if (skip) return t.skip(skip);
  if (!findMosquitto()) return t.skip('mosquitto not found (apt-get install mosquitto)');
  const a = await startMosquitto();
  const b = await startMosquitto();
  const dead = await freePort();
  const opsA = await watch(a.url);
  const opsB = await watch(b.url);
  const dev = new Driver(['--broker', `mqtt://127.0.0.1:${dead},${a.url},${b.url}`, '--site', 'yard', '--device', 'tx7']);
  try {
    assert.equal(await dev.num('start'), 0);
    assert.equal(await dev.num('waitconn 1 15000'), 1, 'connected after skipping the dead first URL');
    assert.match(dev.stderr, new RegExp(`net: connected to mqtt://127\\.0\\.0\\.1:${a.port}\n`));
    const first = '{"v":1,"seq":1,"ts":5,"kind":"overload.warning","state":"raised","severity":"warning","value":81.23,"threshold":80.00}';
    assert.equal(await dev.num(`wait ${await dev.num(`publish alert 1 0 ${first}`)} 15000`), 1);
    await waitFor(() => opsA.on('yard/tx7/alert').length === 1, 'first alert on broker A');
    await a.close();
    assert.equal(await dev.num('waitconn 0 15000'), 0);
    const second = '{"v":1,"seq":2,"ts":6,"kind":"overload.warning","state":"cleared","severity":"warning","value":70.00,"threshold":80.00}';
    const id = await dev.num(`publish alert 1 0 ${second}`);
    assert.equal(await dev.num('waitconn 1 15000'), 1, 'connected to the next URL');
    assert.equal(await dev.num(`wait ${id} 15000`), 1, 'the alert published while down is acked by broker B');
    await waitFor(() => opsB.on('yard/tx7/alert').some((m) => m.text === second), 'second alert on broker B', 20_000);
    await waitFor(() => opsB.on('yard/tx7/status').some((m) => onlineStatus.test(m.text)), 'online status on broker B', 20_000);
    assert.match(dev.stderr, new RegExp(`net: connected to mqtt://127\\.0\\.0\\.1:${b.port}\n`));
    assert.equal(await dev.cmd('stop'), 'stopped');
    assert.equal(await dev.exited(), 0);
  } finally {
    dev.child.kill('SIGKILL');
    await opsA.client.endAsync(true);
    await opsB.client.endAsync(true);
    await a.close();
    await b.close();
  }
});

test('net group: a QoS 1 message in flight when the link dies stays pending and is acked after the reconnect', async (t) => {
  if (skip) return t.skip(skip);
  if (!findMosquitto()) return t.skip('mosquitto not found (apt-get install mosquitto)');
  const broker = await startMosquitto();
  const relay = await startRelay({ host: broker.host, port: broker.port });
  const ops = await watch(broker.url);
  const dev = new Driver(['--broker', relay.url, '--site', 'yard', '--device', 'tx4']);
  try {
    assert.equal(await dev.num('start'), 0);
    assert.equal(await dev.num('waitconn 1 15000'), 1);
    relay.cut();
    const alert = '{"v":1,"seq":9,"ts":1,"kind":"overload.warning","state":"raised","severity":"warning","value":90.00,"threshold":80.00}';
    const id = await dev.num(`publish alert 1 0 ${alert}`);
    await sleep(300);
    assert.equal(await dev.num(`acked ${id}`), 0, 'no PUBACK through a dead link: pending');
    assert.equal(ops.on('yard/tx4/alert').length, 0);
    relay.restore();
    assert.equal(await dev.num(`wait ${id} 15000`), 1, `sent again after the reconnect and acked: ${dev.stderr}`);
    await waitFor(() => ops.on('yard/tx4/alert').some((m) => m.text === alert), 'the alert at the operator', 20_000);
  } finally {
    dev.child.kill('SIGKILL');
    await ops.client.endAsync(true);
    await relay.close();
    await broker.close();
  }
});

test('net group on a secured mosquitto (TLS with the local CA, device account, ACL): last will on SIGKILL, refusals logged', async (t) => {
  if (skip) return t.skip(skip);
  if (!findMosquitto()) return t.skip('mosquitto not found (apt-get install mosquitto)');
  if (!findOpenssl()) return t.skip('openssl not found (apt-get install openssl)');
  const sdir = mkdtempSync(path.join(tmpdir(), 'dendra-netdma-secure-')); // its own: mosquitto's user must reach it
  t.after(() => rmSync(sdir, { recursive: true, force: true }));
  const broker = await startSecureMosquitto({
    dir: sdir, devices: [{ site: 'yard', device: 'tx2' }], operators: [{ name: 'ops' }], tls: true,
  });
  const op = broker.credentials.operators[0];
  const ops = await watch(broker.url, { username: op.username, password: op.password });
  const acct = broker.credentials.devices[0];
  const devArgs = (ca: string) => ['--broker', broker.tlsUrl!, '--ca', ca, '--site', 'yard', '--device', 'tx2', '--username', acct.username];
  const dev = new Driver(devArgs(broker.caFile!), { ...process.env, DENDRA_MQTT_PASSWORD: acct.password });
  try {
    assert.equal(await dev.num('start'), 0);
    assert.equal(await dev.num('waitconn 1 15000'), 1, `TLS connect: ${dev.stderr}`);
    const id = await dev.num('publish alert 1 0 {"v":1,"seq":1,"ts":1,"kind":"a.b","state":"raised","severity":"info","value":1,"threshold":0}');
    assert.equal(await dev.num(`wait ${id} 15000`), 1);
    await waitFor(() => ops.on('yard/tx2/alert').length === 1 && ops.on('yard/tx2/status').length === 1, 'alert and online status');
    await ops.client.publishAsync('dendra/v1/yard/tx2/cmd', '{"id":"c1","op":"status"}', { qos: 1 });
    assert.equal(await dev.num('waitcmd 1 15000'), 1, 'the ACL lets the device read its cmd topic');
    dev.child.kill('SIGKILL');
    await dev.exited();
    await waitFor(() => ops.on('yard/tx2/status').length === 2, 'last will', 20_000);
    assert.equal(ops.on('yard/tx2/status')[1].text, '{"v":1,"state":"offline"}');
    const late = await watch(broker.url, { username: op.username, password: op.password });
    await waitFor(() => late.on('yard/tx2/status').length === 1, 'retained will', 20_000);
    assert.deepEqual(late.on('yard/tx2/status')[0], { topic: 'dendra/v1/yard/tx2/status', text: '{"v":1,"state":"offline"}', retain: true });
    await late.client.endAsync();

    // A CA that did not sign the broker's certificate, then a wrong password: never connected, one log line each.
    const other = await createLocalCa(path.join(dir, 'other-ca'));
    const bad = new Driver(devArgs(other.caFile), { ...process.env, DENDRA_MQTT_PASSWORD: acct.password });
    const wrong = new Driver(devArgs(broker.caFile!), { ...process.env, DENDRA_MQTT_PASSWORD: 'wrong' });
    try {
      assert.equal(await bad.num('start'), 0);
      assert.equal(await wrong.num('start'), 0);
      assert.equal(await bad.num('waitconn 1 2500'), 0, 'an untrusted certificate is refused');
      assert.equal(await wrong.num('waitconn 1 10'), 0, 'a wrong password is refused');
      // Each one's first attempt has failed (and logged) before it is stopped: waited for, not
      // assumed from the 2.5 s above (a loaded machine may take longer for a TLS handshake).
      await waitFor(() => /runtime: net: broker mqtts:\/\/127\.0\.0\.1:\d+: .*; retrying/.test(bad.stderr), 'the untrusted certificate logged', 20_000, { detail: () => bad.stderr });
      await waitFor(() => /refused the connection/.test(wrong.stderr), 'the wrong password logged', 20_000, { detail: () => wrong.stderr });
      assert.equal(await bad.cmd('stop'), 'stopped');
      assert.equal(await wrong.cmd('stop'), 'stopped');
      assert.match(bad.stderr, /runtime: net: broker mqtts:\/\/127\.0\.0\.1:\d+: .*; retrying/);
      assert.equal(bad.stderr.match(/runtime: net: broker/g)?.length, 1, `logged once: ${bad.stderr}`);
      assert.match(wrong.stderr, /runtime: net: broker mqtts:\/\/127\.0\.0\.1:\d+ refused the connection \(.*not authori[sz]ed.*\); retrying/);
    } finally {
      bad.child.kill('SIGKILL');
      wrong.child.kill('SIGKILL');
    }
  } finally {
    dev.child.kill('SIGKILL');
    await ops.client.endAsync(true);
    await broker.close();
  }
});
