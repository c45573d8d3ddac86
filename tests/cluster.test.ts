/**
 * Issue 18: Dendra on a 3-node MQTT cluster (nats-server, MQTT on JetStream) with one node lost.
 * 20 journaled devices (the sim's device client given every node's URL) publish QoS 1 alerts while
 * the node the operator is on is killed with SIGKILL and started again; the operator (persistent
 * session, every node's URL) must get every alert exactly once after its (device, boot, seq)
 * dedup, and the retained status must be right when read from the node that came back.
 * A second case: two operator processes in one share group split the alert stream (each alert to
 * exactly one of them). Bounded: < 90 s; every process and data dir is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { waitForPort } from '@dendra/ops/mqtt/broker.ts';
import { DENDRA, ROOT } from './proc.ts';
import { sleep, waitFor } from './support/wait.ts';
import { findNatsServer, startCluster, type ClusterHandle } from '@dendra/ops/mqtt/cluster.ts';
import { ALERT_STREAM } from '@dendra/ops/mqtt/natsconf.ts';
import { connect as natsConnect } from 'nats';
import { watchAlerts, type AlertWatcher } from '@dendra/ops/mqtt/alerts.ts';
import { connectJournalDevice, type JournalDevice } from '@dendra/ops/test/journaldevice.ts';

const NATS = findNatsServer();
const skip = NATS ? false : 'nats-server is not installed and could not be (scripts/deps.sh installs the Debian package nats-server)';
if (skip) process.stdout.write(`# tests/cluster.test.ts skipped: ${skip}\n`);
const DEVICES = Array.from({ length: 20 }, (_, i) => ({ site: 'grid', device: `tx${String(i).padStart(2, '0')}` }));

test('3-node cluster, one node killed -9 and restarted: every alert exactly once, retained status right', { skip, timeout: 90_000 }, async () => {
  let c: ClusterHandle | undefined;
  const devs: JournalDevice[] = [];
  const watchers: AlertWatcher[] = [];
  try {
    c = await startCluster({ devices: DEVICES, operators: [{ name: 'ops' }] });
    const cred = (site: string, device: string) => c!.credentials.devices.find((d) => d.site === site && d.device === device)!;
    const ops = c.credentials.operators[0];
    const got = new Map<string, number>();
    const op = await watchAlerts({
      url: c.mqttUrls, clientId: 'dendra-ops-test', cleanSession: false, connectTimeoutMs: 20_000, username: ops.username, password: ops.password,
      onAlert: (a, i) => { const k = `${i.device}/${a.boot}/${a.seq}`; got.set(k, (got.get(k) ?? 0) + 1); },
    });
    watchers.push(op);
    for (const d of DEVICES) {
      const a = cred(d.site, d.device);
      devs.push(await connectJournalDevice({ url: c.mqttUrls, site: d.site, device: d.device, username: a.username, password: a.password, reconnectPeriodMs: 250, connectTimeoutMs: 20_000 }));
    }
    const nodeOf = (port: number | undefined) => c!.nodes.find((n) => n.ports.mqtt === port)!;
    const victim = nodeOf(op.client.options.port);
    const onVictim = devs.filter((d) => d.pub.client.options.port === victim.ports.mqtt).length;
    assert.ok(onVictim > 0, 'some devices are on the node that is killed (the list spreads them)');
    let stop = false;
    const load = (async () => { while (!stop) { for (const d of devs) d.raise(); await sleep(200); } })();
    await sleep(2000);
    await victim.kill('SIGKILL');
    await sleep(3000);
    await victim.start();
    await sleep(2000);
    stop = true;
    await load;
    const sent = devs.reduce((s, d) => s + d.raised, 0);
    await waitFor(() => devs.every((d) => d.pending === 0), 'every journal to drain', 20_000, { intervalMs: 50, detail: () => `${devs.reduce((s, d) => s + d.pending, 0)} still pending` });
    await waitFor(() => got.size >= sent, `the operator to get all ${sent} alerts`, 20_000, { intervalMs: 50, detail: () => `got ${got.size}` });
    await sleep(1000); // late duplicates would show now
    const twice = [...got].filter(([, n]) => n > 1);
    assert.equal(got.size, sent, 'no alert lost');
    assert.deepEqual(twice, [], 'no alert delivered twice after dedup');
    for (const d of devs) for (let s = 0; s < d.raised; s++) assert.ok(got.has(`${d.device}/1/${s}`), `${d.device} seq ${s} arrived`);
    process.stdout.write(`# cluster: ${sent} alerts, ${onVictim} devices on the killed node ${victim.name}, duplicates removed by dedup ${op.stats.duplicates}, resends ${devs.reduce((s, d) => s + d.resent, 0)}\n`);

    // Retained status from the node that came back: tx00 closed cleanly (offline with ts), the rest online.
    await devs[0].pub.close();
    const states = new Map<string, { state: string; ts?: number }>();
    const late = await watchAlerts({ url: victim.mqttUrl, connectTimeoutMs: 20_000, username: ops.username, password: ops.password, onAlert: () => {}, onStatus: (s, i) => { states.set(i.device, s); } });
    watchers.push(late);
    await waitFor(() => states.size === DEVICES.length && states.get('tx00')?.state === 'offline', `retained status of all 20 devices on ${victim.name}`, 10_000, { intervalMs: 50, detail: () => `${states.size} devices` });
    assert.equal(states.get('tx00')!.state, 'offline');
    assert.equal(typeof states.get('tx00')!.ts, 'number', 'a clean close, not the last will');
    for (const d of DEVICES.slice(1)) assert.equal(states.get(d.device)?.state, 'online', `${d.device} online`);
  } finally {
    await Promise.all(devs.map((d) => d.pub.close()));
    await Promise.all(watchers.map((w) => w.close()));
    await c?.close();
  }
});

/** `dendra alerts ... --json` as a child with the operator password in its environment; collects NDJSON records. */
function operatorProcess(args: string[], password: string): { child: ChildProcess; records: Record<string, unknown>[]; stderr: () => string } {
  const child = spawn(process.execPath, [DENDRA, 'alerts', ...args, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DENDRA_MQTT_PASSWORD: password } });
  const records: Record<string, unknown>[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      try { records.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>); } catch { /* not JSON */ }
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.on('data', (d) => { err += d; });
  return { child, records, stderr: () => err };
}

/**
 * Polls the share group's consumer until `want` pull requests wait on it; resolves with their count.
 * @throws WaitTimeout (with the last count) when fewer wait after `ms`.
 */
async function pullRequests(urls: string[], user: string, pass: string, group: string, want: number, ms: number): Promise<number> {
  const nc = await natsConnect({ servers: urls, user, pass, timeout: 10_000 });
  try {
    const jsm = await nc.jetstreamManager({ timeout: 10_000 });
    let n = 0;
    return await waitFor(async () => ((n = (await jsm.consumers.info(ALERT_STREAM, group)).num_waiting) >= want ? n : false),
      `${want} pull requests on the ${group} group's consumer`, ms, { intervalMs: 200, detail: () => `${n} waiting` });
  } finally {
    await nc.close();
  }
}

test('two `dendra alerts --share ops --nats ...` processes split the alert stream: each alert to exactly one of them', { skip, timeout: 90_000 }, async () => {
  let c: ClusterHandle | undefined;
  const devs: JournalDevice[] = [];
  const procs: ChildProcess[] = [];
  try {
    const ten = DEVICES.slice(0, 10);
    c = await startCluster({ devices: ten, operators: [{ name: 'ops' }], shareGroups: ['ops'] });
    for (const d of c.credentials.devices) {
      devs.push(await connectJournalDevice({ url: c.mqttUrls, site: d.site, device: d.device, username: d.username, password: d.password, connectTimeoutMs: 20_000 }));
    }
    const ops = c.credentials.operators[0];
    const args = ['--broker', c.mqttUrls.join(','), '--nats', c.natsUrls.join(','), '--share', 'ops', '--username', ops.username, '--timeout', '60', '--connect-timeout', '20'];
    // A group the cluster does not have is refused at once (joining retries only transient failures).
    const t0 = Date.now();
    const stray = operatorProcess(args.map((a, i) => (args[i - 1] === '--share' ? 'no-such-group' : a)), ops.password);
    procs.push(stray.child);
    const code = await new Promise<number | null>((r) => (stray.child.exitCode !== null ? r(stray.child.exitCode) : stray.child.once('exit', (c) => r(c))));
    assert.notEqual(code, 0, 'an unknown share group is an error');
    const refusal = (JSON.parse(stray.stderr()) as { error: { code: string; message: string } }).error;
    assert.equal(refusal.code, 'E_SUBSCRIBE', refusal.message);
    assert.match(refusal.message, /share group "no-such-group" .*cannot be joined/);
    assert.ok(Date.now() - t0 < 15_000, `refused without waiting out the join timeout (${Date.now() - t0} ms)`);
    const members = [operatorProcess(args, ops.password), operatorProcess(args, ops.password)];
    procs.push(...members.map((m) => m.child));
    // Both are up once each has printed the retained status of the ten devices (MQTT side).
    const statuses = (m: (typeof members)[number]) => m.records.filter((r) => r.type === 'status').length;
    await waitFor(() => members.every((m) => statuses(m) >= ten.length), 'both operators connected', 30_000, { intervalMs: 50, detail: () => members.map((m) => m.stderr().trim()).join(' | ') });
    // ...and both have joined the group on the JetStream side: the consumer holds a pull request of
    // each (under load one process may join seconds after the other and would otherwise take all).
    await pullRequests(c.natsUrls, ops.username, ops.password, 'ops', 2, 30_000); // both operators pull from the group
    for (let round = 0; round < 20; round++) { for (const d of devs) d.raise(); await sleep(50); }
    const sent = devs.reduce((s, d) => s + d.raised, 0);
    const alerts = () => members.flatMap((m, who) => m.records.filter((r) => r.type === 'alert').map((r) => ({ who, key: `${r.device as string}/${(r.alert as { seq: number }).seq}` })));
    await waitFor(() => alerts().length >= sent, `the operators to get all ${sent} alerts`, 30_000, { intervalMs: 50, detail: () => `got ${alerts().length}` });
    await sleep(1000);
    const byKey = new Map<string, number[]>();
    for (const a of alerts()) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a.who]);
    assert.equal(byKey.size, sent, 'every alert reached the group');
    assert.deepEqual([...byKey].filter(([, w]) => w.length !== 1), [], 'each alert reached exactly one member');
    const split = [0, 1].map((who) => alerts().filter((a) => a.who === who).length);
    assert.ok(split.every((n) => n > 0), `both members took a share (${split.join(' + ')})`);
    process.stdout.write(`# share group: ${sent} alerts split ${split.join(' + ')} between two operator processes\n`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
    await Promise.all(devs.map((d) => d.pub.close()));
    await c?.close();
  }
});

test('`dendra broker --cluster 3` starts the secured cluster, the permissions hold on it, Ctrl-C stops every node', { skip, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dendra-cluster-cli-'));
  const child = spawn(process.execPath, [DENDRA, 'broker', '--cluster', '3', '--port', '0', '--dir', dir, '--device', 'grid/tx01', '--device', 'grid/tx02', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const clients: MqttClient[] = [];
  try {
    const parsed = () => { try { return JSON.parse(out) as { urls: string[]; broker: string; credentials: string }; } catch { return null; } };
    await waitFor(() => parsed() !== null || child.exitCode !== null, 'the cluster up', 40_000, { intervalMs: 50, detail: () => err.trim() });
    const info = parsed()!;
    assert.equal(info.urls.length, 3);
    const creds = JSON.parse(readFileSync(info.credentials, 'utf8')) as { devices: { username: string; password: string }[]; operators: { username: string; password: string }[] };
    const login = (name: string) => [...creds.devices, ...creds.operators].find((a) => a.username === name)!;
    const got: string[] = [];
    const ops = await mqtt.connectAsync(info.urls[2], { username: 'ops', password: login('ops').password, reconnectPeriod: 0 });
    clients.push(ops);
    ops.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await ops.subscribeAsync('dendra/v1/+/+/alert', { qos: 1 });
    const tx1 = await mqtt.connectAsync(info.urls[0], { clientId: 'dendra-grid-tx01', username: 'grid/tx01', password: login('grid/tx01').password, reconnectPeriod: 0 });
    clients.push(tx1);
    await tx1.publishAsync('dendra/v1/grid/tx02/alert', 'forged by tx01', { qos: 1 });
    await ops.publishAsync('dendra/v1/grid/tx01/alert', 'forged by ops', { qos: 1 });
    await tx1.publishAsync('dendra/v1/grid/tx01/alert', 'own', { qos: 1 });
    await waitFor(() => got.length > 0, 'the device\'s own alert', 30_000, { intervalMs: 50 });
    await sleep(500);
    assert.deepEqual(got, ['dendra/v1/grid/tx01/alert own'], 'forged alerts are dropped');
    const anon = await mqtt.connectAsync(info.urls[1], { reconnectPeriod: 0, connectTimeout: 5000 }).then(() => 'connected', (e: Error) => e.message);
    assert.notEqual(anon, 'connected', 'anonymous clients are refused');
    for (const c of clients.splice(0)) await c.endAsync(true);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, err);
    for (const u of info.urls) assert.equal(await waitForPort('127.0.0.1', Number(new URL(u).port), 300), false, `${u} is stopped`);
  } finally {
    for (const c of clients) await c.endAsync(true);
    if (child.exitCode === null && child.signalCode === null) {
      // SIGINT first: the CLI stops its nodes (a SIGKILL would leave them running).
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
