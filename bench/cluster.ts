/**
 * Cluster fleet bench (`node --import tsx bench/cluster.ts`; also run by bench/run.ts): N journaled
 * devices (default 1000; the sim's device client, one TCP connection each, alerts journaled and
 * resent as the firmware's outbox does) publish telemetry at 1 Hz (QoS 0) and alerts at random
 * (seeded, QoS 1) for DENDRA_BENCH_CLUSTER_S seconds (default 60), in two runs of this process:
 * 1. one mosquitto (the peer; no node to lose, so no kill);
 * 2. a 3-node nats-server cluster (MQTT on JetStream, R3), every client given all three URLs (the
 *    devices spread over them); the node the operator is on is killed with SIGKILL at 1/3 of the run
 *    and started again at 2/3.
 * One operator (watchAlerts, persistent session, dedup by device/boot/seq). Per phase (before /
 * node down / after restart, by the time an alert was raised): alerts offered, delivered exactly
 * once, duplicates removed by the dedup, lost, p50/p99 device->operator latency (both clocks in this
 * process). The failover window: from the kill until the last client that was on the killed node
 * is connected again. Goal: 0 lost, p99 < 50 ms outside the failover window.
 * Writes bench/results/cluster.json and cluster.md. Env: DENDRA_BENCH_CLUSTER_S, DENDRA_BENCH_FLEET_N.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startMosquitto, findMosquitto } from '@dendra/ops/mqtt/broker.ts';
import { findNatsServer, startCluster, type ClusterNode } from '@dendra/ops/mqtt/cluster.ts';
import { watchAlerts, type AlertWatcher } from '@dendra/ops/mqtt/alerts.ts';
import { connectJournalDevice, type JournalDevice } from '@dendra/ops/test/journaldevice.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');
const SECONDS = Number(process.env.DENDRA_BENCH_CLUSTER_S ?? 60);
const FLEET = Number(process.env.DENDRA_BENCH_FLEET_N ?? 1000);
const ALERT_P = 0.02;
const P99_GOAL_MS = 50;
const SEED = 42;
const PHASES = ['before', 'nodeDown', 'afterRestart'] as const;
type Phase = (typeof PHASES)[number];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const quantile = (s: number[], q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN);

/** What one run measures. */
interface RunResult {
  broker: string;
  connected: number;
  connectSeconds: number;
  killAtS: number | null;
  restartAtS: number | null;
  failoverWindowS: number | null;
  /** From the kill until the last client that was on the killed node was connected again, s. */
  reconnectS: number | null;
  clientsMoved: number;
  phases: Record<Phase, { offered: number; deliveredOnce: number; duplicatesRemoved: number; lost: number; p50Ms: number; p99Ms: number; p99OutsideWindowMs: number; n: number }>;
  total: { offered: number; deliveredOnce: number; duplicatesRemoved: number; lost: number; resends: number };
}

/** Kills the node listening on an MQTT port, and starts it again. */
interface Chaos { kill(mqttPort: number): Promise<void>; restart(): Promise<void> }

/** Connects the fleet in batches of 50 (a burst of 1000 CONNECTs only measures the accept queue). */
async function connectFleet(urls: string[]): Promise<{ devs: JournalDevice[]; connectSeconds: number }> {
  const devs: JournalDevice[] = [];
  const t = performance.now();
  for (let i = 0; i < FLEET; i += 50) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(50, FLEET - i) }, (_, k) =>
      connectJournalDevice({ url: urls, site: 'bench', device: `d${String(i + k).padStart(4, '0')}`, connectTimeoutMs: 15000, reconnectPeriodMs: 250 })));
    for (const r of batch) if (r.status === 'fulfilled') devs.push(r.value);
  }
  return { devs, connectSeconds: (performance.now() - t) / 1000 };
}

/** Telemetry at 1 Hz and seeded alerts on every device; returns the timers to clear. */
function startLoad(devs: JournalDevice[], rand: () => number, raisedAt: Map<string, number>): NodeJS.Timeout[] {
  const enc = new TextEncoder();
  const timers: NodeJS.Timeout[] = [];
  for (const d of devs) {
    let tick = 0;
    const step = () => {
      tick++;
      d.pub.publish('telemetry', enc.encode(`{"v":1,"seq":${tick},"ts":${tick * 1000},"window":${tick},"ot":61.5}`), 0, false);
      if (rand() < ALERT_P) {
        const seq = d.raise();
        raisedAt.set(`${d.device}/1/${seq}`, d.raisedAt.get(seq)!);
      }
    };
    timers.push(setTimeout(() => { step(); timers.push(setInterval(step, 1000)); }, Math.floor(rand() * 1000)));
  }
  return timers;
}

/** What happened around the kill: its time, the restart's, when the moved clients reconnected. */
interface Timeline { t0: number; killAt: number; restartAt: number; moved: number; reconnected: number[] }

/** Kills the operator's node at 1/3 of the run and restarts it at 2/3; fills `tl`. */
async function chaosRun(chaos: Chaos, op: AlertWatcher, devs: JournalDevice[], tl: Timeline): Promise<void> {
  await sleep(Math.max(0, tl.t0 + (SECONDS * 1000) / 3 - performance.now()));
  const victimPort = Number(op.client.options.port);
  const onVictim = [op.client, ...devs.map((d) => d.pub.client)].filter((cl) => Number(cl.options.port) === victimPort);
  tl.moved = onVictim.length;
  for (const cl of onVictim) cl.once('connect', () => tl.reconnected.push(performance.now()));
  tl.killAt = performance.now();
  await chaos.kill(victimPort);
  await sleep(Math.max(0, tl.t0 + (2 * SECONDS * 1000) / 3 - performance.now()));
  tl.restartAt = performance.now();
  await chaos.restart();
  await sleep(Math.max(0, tl.t0 + SECONDS * 1000 - performance.now()));
}

/**
 * The failover window's end: the last delivery of an alert held up by the kill (raised while the
 * node was down, > 1 s late), at least the last reconnect of a moved client.
 */
function windowEnd(tl: Timeline, raisedAt: Map<string, number>, received: Map<string, number>, reconnectS: number): number {
  let end = tl.killAt + reconnectS * 1000;
  for (const [k, t] of raisedAt) {
    const l = received.get(k);
    if (t >= tl.killAt && t < tl.restartAt && l !== undefined && l > 1000) end = Math.max(end, t + l);
  }
  return end;
}

/** Per-phase figures from raise times and latencies. */
function phaseFigures(tl: Timeline, end: number, raisedAt: Map<string, number>, received: Map<string, number>, dup: Record<Phase, number>): RunResult['phases'] {
  const phaseOf = (t: number): Phase => (t < tl.killAt ? 'before' : t < tl.restartAt ? 'nodeDown' : 'afterRestart');
  const sorted = (keys: [string, number][]) => keys.map(([k]) => received.get(k)).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return Object.fromEntries(PHASES.map((p) => {
    const keys = [...raisedAt].filter(([, t]) => phaseOf(t) === p);
    const lat = sorted(keys);
    const outside = sorted(keys.filter(([, t]) => t < tl.killAt || t > end));
    const delivered = keys.filter(([k]) => received.has(k)).length;
    return [p, { offered: keys.length, deliveredOnce: delivered, duplicatesRemoved: dup[p], lost: keys.length - delivered, p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), p99OutsideWindowMs: quantile(outside, 0.99), n: lat.length }];
  })) as RunResult['phases'];
}

/**
 * One run against `urls`; `chaos` kills and restarts a node (without it the same times only split
 * the phases). Returns the figures; closes its clients (the caller closes the broker).
 */
async function run(label: string, urls: string[], chaos: Chaos | null): Promise<RunResult> {
  const raisedAt = new Map<string, number>();
  const received = new Map<string, number>(); // key -> latency ms
  const dup: Record<Phase, number> = { before: 0, nodeDown: 0, afterRestart: 0 };
  const tl: Timeline = { t0: 0, killAt: Infinity, restartAt: Infinity, moved: 0, reconnected: [] };
  const op = await watchAlerts({
    url: urls, clientId: `dendra-bench-ops-${label}`, cleanSession: false,
    onAlert: (a, i) => {
      const key = `${i.device}/${a.boot}/${a.seq}`;
      const t = raisedAt.get(key);
      if (t !== undefined) received.set(key, performance.now() - t);
    },
  });
  let lastDup = 0;
  const countDup = () => {
    const now = performance.now();
    dup[now < tl.killAt ? 'before' : now < tl.restartAt ? 'nodeDown' : 'afterRestart'] += op.stats.duplicates - lastDup;
    lastDup = op.stats.duplicates;
  };
  const dupTimer = setInterval(countDup, 200);
  const { devs, connectSeconds } = await connectFleet(urls);
  tl.t0 = performance.now();
  tl.killAt = tl.t0 + (SECONDS * 1000) / 3;
  tl.restartAt = tl.t0 + (2 * SECONDS * 1000) / 3;
  const timers = startLoad(devs, mulberry32(SEED), raisedAt);
  if (chaos) await chaosRun(chaos, op, devs, tl);
  else await sleep(SECONDS * 1000);
  for (const t of timers) { clearTimeout(t); clearInterval(t); }
  const drainUntil = Date.now() + 30_000;
  while ((received.size < raisedAt.size || devs.some((d) => d.pending > 0)) && Date.now() < drainUntil) await sleep(100);
  await sleep(500);
  countDup();
  clearInterval(dupTimer);
  const reconnectS = chaos ? (tl.reconnected.length === tl.moved && tl.moved > 0 ? (Math.max(...tl.reconnected) - tl.killAt) / 1000 : Infinity) : null;
  const end = chaos ? windowEnd(tl, raisedAt, received, reconnectS!) : -Infinity;
  const phases = phaseFigures(tl, end, raisedAt, received, dup);
  const resends = devs.reduce((s, d) => s + d.resent, 0);
  await Promise.all(devs.map((d) => d.pub.close()));
  await op.close();
  const sum = (f: (x: RunResult['phases'][Phase]) => number) => PHASES.reduce((s, p) => s + f(phases[p]), 0);
  return {
    broker: label, connected: devs.length, connectSeconds,
    killAtS: chaos ? (tl.killAt - tl.t0) / 1000 : null, restartAtS: chaos ? (tl.restartAt - tl.t0) / 1000 : null,
    failoverWindowS: chaos ? (end - tl.killAt) / 1000 : null, reconnectS, clientsMoved: tl.moved,
    phases,
    total: { offered: sum((x) => x.offered), deliveredOnce: sum((x) => x.deliveredOnce), duplicatesRemoved: sum((x) => x.duplicatesRemoved), lost: sum((x) => x.lost), resends },
  };
}

/** Both runs; returns the result object. */
async function clusterBench() {
  const mosq = await startMosquitto({ config: ['max_connections -1', 'max_inflight_messages 20', 'max_queued_messages 1000'], startTimeoutMs: 10000 });
  let single: RunResult;
  try {
    single = await run('mosquitto', [mosq.url], null);
  } finally {
    await mosq.close();
  }
  const c = await startCluster({ nodes: 3, open: true, devices: [], operators: [], shareGroups: [] });
  let cluster: RunResult;
  try {
    let victim: ClusterNode | undefined;
    cluster = await run('nats-cluster', c.mqttUrls, {
      kill: async (port) => { victim = c.nodes.find((n) => n.ports.mqtt === port) ?? c.nodes[0]; await victim.kill('SIGKILL'); },
      restart: async () => { await victim!.start(); },
    });
  } finally {
    await c.close();
  }
  return { date: new Date().toISOString(), setup: { devices: FLEET, seconds: SECONDS, alertProbabilityPerDeviceSecond: ALERT_P, telemetryHz: 1, seed: SEED, p99GoalMs: P99_GOAL_MS }, single, cluster };
}

const f = (v: number | null, d = 1) => (v === null ? '-' : Number.isFinite(v) ? v.toFixed(d) : String(v));

/** The markdown table of one result. */
function table(r: Awaited<ReturnType<typeof clusterBench>>): string[] {
  const rows: string[] = [];
  for (const x of [r.single, r.cluster]) {
    for (const p of PHASES) {
      const ph = x.phases[p];
      rows.push(`| ${x.broker} | ${p} | ${ph.offered} | ${ph.deliveredOnce} | ${ph.duplicatesRemoved} | ${ph.lost} | ${f(ph.p50Ms)} | ${f(ph.p99Ms)} | ${f(ph.p99OutsideWindowMs)} | ${f(ph.p99OutsideWindowMs / P99_GOAL_MS, 2)} |`);
    }
  }
  return rows;
}

if (!findMosquitto() || !findNatsServer()) {
  process.stdout.write(`bench/cluster.ts: ${!findMosquitto() ? 'mosquitto' : 'nats-server'} not installed (scripts/deps.sh installs it), cluster bench skipped\n`);
} else {
  const r = await clusterBench();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'cluster.json'), JSON.stringify(r, null, 2) + '\n');
  const cl = r.cluster;
  const md = [
    '# Dendra fleet bench on a 3-node cluster, beside one mosquitto',
    '',
    `Run ${r.date}. ${r.setup.devices} journaled devices (the sim's device client, one MQTT connection each, alerts resent until PUBACK as the firmware's outbox does), telemetry 1 Hz (QoS 0),`,
    `alerts p=${ALERT_P} per device-second (seed ${SEED}, QoS 1), ${r.setup.seconds} s per run, one operator (persistent session, dedup by device/boot/seq); all clients in one Node process on loopback.`,
    `Runs in this order in one process: one mosquitto (no node to lose: phases are only time slices), then 3 nats-server ${'2.9'} nodes (MQTT on JetStream, R3) with every client given all three URLs;`,
    `the node the operator was on is killed with SIGKILL at ${f(cl.killAtS)} s and started again at ${f(cl.restartAtS)} s.`,
    '',
    '| broker | phase | alerts offered | delivered once | duplicates removed | lost | p50 ms | p99 ms | p99 outside failover ms | p99 outside / 50 ms goal |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...table(r),
    '',
    `Failover window: **${f(cl.failoverWindowS, 2)} s**, from the kill until the last alert it held up (raised while the node was down, more than 1 s late) reached the operator.`,
    `Of that, the ${cl.clientsMoved} clients that were on the killed node (the operator included) were all connected to another node after ${f(cl.reconnectS, 2)} s; the rest is JetStream electing new leaders`,
    'for the streams and consumers (MQTT sessions, QoS 1 deliveries) whose leader was on the killed node. "p99 outside failover" leaves out alerts raised inside the window.',
    `Totals: mosquitto ${r.single.total.deliveredOnce}/${r.single.total.offered} delivered once, ${r.single.total.lost} lost; cluster ${cl.total.deliveredOnce}/${cl.total.offered} delivered once, ${cl.total.lost} lost, ${cl.total.duplicatesRemoved} duplicates removed by the dedup, ${cl.total.resends} device resends.`,
    `Connected: mosquitto ${r.single.connected}/${FLEET} in ${f(r.single.connectSeconds)} s, cluster ${cl.connected}/${FLEET} in ${f(cl.connectSeconds)} s. Latency is device raise -> operator callback in one process (publishers and operator share one thread).`,
    '',
  ].join('\n');
  writeFileSync(path.join(OUT, 'cluster.md'), md);
  process.stdout.write(md);
}
