/**
 * Fleet bench (`node --import tsx bench/mqtt.ts`; also run at the end of bench/run.ts): N real MQTT
 * clients (`connectDevice`, one TCP connection each; default 1000) in this process against a
 * mosquitto on loopback, telemetry at 1 Hz each (QoS 0), alerts at random (seeded, QoS 1), for
 * DENDRA_BENCH_FLEET_S seconds (default 60); one operator (`watchAlerts`) plus a telemetry counter.
 * Every figure is a ratio against its goal or the load offered in the same run: delivered / offered
 * messages, alert end-to-end latency p99 / 50 ms (device publish -> operator callback, both clocks
 * in this process), lost alerts / sent (goal 0). Writes bench/results/mqtt.json and mqtt.md.
 * Env: DENDRA_BENCH_FLEET_S (seconds), DENDRA_BENCH_FLEET_N (devices).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { startMosquitto, findMosquitto } from '@dendra/ops/mqtt/broker.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { watchAlerts } from '@dendra/ops/mqtt/alerts.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { quantileSorted as quantile } from '@dendra/core/stats.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'results');
const SECONDS = Number(process.env.DENDRA_BENCH_FLEET_S ?? 60);
const FLEET = Number(process.env.DENDRA_BENCH_FLEET_N ?? 1000);
const ALERT_P = 0.02; // per device per second: ~20 alerts/s for 1000 devices
const P99_GOAL_MS = 50;
const SEED = 42;
/** Broker limits for the run (mosquitto.conf); max_connections -1 = unlimited (then `ulimit -n` bounds it). */
const BROKER_CONFIG = ['max_connections -1', 'max_inflight_messages 20', 'max_queued_messages 1000'];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the bench; returns the result object (also written to bench/results). */
async function fleetBench() {
  const b = await startMosquitto({ config: BROKER_CONFIG, startTimeoutMs: 10000 });
  const rand = mulberry32(SEED);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const w = await watchAlerts({
    url: b.url,
    onAlert: (a, i) => {
      const key = `${i.device}/${a.seq}`;
      const t0 = sentAt.get(key);
      if (seen.has(key)) { duplicates++; return; }
      seen.add(key);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    },
  });
  const tele = await mqtt.connectAsync(b.url, { clientId: 'dendra-bench-telemetry' });
  let teleReceived = 0;
  tele.on('message', () => { teleReceived++; });
  await tele.subscribeAsync('dendra/v1/+/+/telemetry', { qos: 0 });

  // Connect the fleet in batches (a burst of 1000 CONNECTs at once only measures the accept queue).
  const devs: DeviceClient[] = [];
  const connectErrors: string[] = [];
  const tConn = performance.now();
  for (let i = 0; i < FLEET; i += 50) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(50, FLEET - i) }, (_, k) =>
      connectDevice({ url: b.url, site: 'bench', device: `d${String(i + k).padStart(4, '0')}`, connectTimeoutMs: 15000 })));
    for (const r of batch) r.status === 'fulfilled' ? devs.push(r.value) : connectErrors.push((r.reason as Error).message);
  }
  const connectS = (performance.now() - tConn) / 1000;

  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let teleSent = 0;
  let alertsSent = 0;
  let alertsAcked = 0;
  const enc = new TextEncoder();
  const timers: NodeJS.Timeout[] = [];
  const tStart = performance.now();
  devs.forEach((d, i) => {
    const name = `d${String(i).padStart(4, '0')}`;
    let tick = 0;
    let alertSeq = 0;
    const phase = Math.floor(rand() * 1000);
    const step = () => {
      tick++;
      d.publish('telemetry', enc.encode(`{"v":1,"seq":${tick},"ts":${tick * 1000},"window":${tick},"ot":61.5}`), 0, false);
      teleSent++;
      if (rand() < ALERT_P) {
        const seq = alertSeq++;
        sentAt.set(`${name}/${seq}`, performance.now());
        alertsSent++;
        const alert = { v: 1, seq, ts: tick * 1000, kind: 'overload.warning', state: 'raised', severity: 'warning', value: 81.23, threshold: 80, lead_h: 5 };
        d.publishWithAck!('alert', enc.encode(JSON.stringify(alert)), 1, false, (e) => { if (!e) alertsAcked++; });
      }
    };
    timers.push(setTimeout(() => { step(); timers.push(setInterval(step, 1000)); }, phase));
  });
  await sleep(SECONDS * 1000);
  for (const t of timers) { clearTimeout(t); clearInterval(t); }
  const elapsedS = (performance.now() - tStart) / 1000;
  loop.disable();
  // Let in-flight alerts land (not counted in messages/s, counted in loss).
  const drainUntil = Date.now() + 10000;
  while (seen.size < alertsSent && Date.now() < drainUntil) await sleep(100);
  const teleAtEnd = teleReceived;

  await Promise.all(devs.map((d) => d.close()));
  await tele.endAsync();
  await w.close();
  await b.close();

  latencies.sort((x, y) => x - y);
  const lost = alertsSent - seen.size;
  const offered = (teleSent + alertsSent) / elapsedS;
  const delivered = (teleAtEnd + seen.size) / elapsedS;
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  return {
    date: new Date().toISOString(),
    setup: { devices: FLEET, connected: devs.length, connectErrors: connectErrors.length, firstConnectError: connectErrors[0], connectSeconds: connectS,
      seconds: SECONDS, telemetryHz: 1, alertProbabilityPerDeviceSecond: ALERT_P, seed: SEED, broker: `mosquitto (${BROKER_CONFIG.join(', ')})`, ulimitNote: 'each connection is one fd in this process and one in mosquitto' },
    counts: { telemetrySent: teleSent, telemetryReceived: teleAtEnd, alertsSent, alertsAcked, alertsReceivedOnce: seen.size, alertsLost: lost, duplicatesSeen: duplicates + w.stats.duplicates },
    rates: { offeredPerS: offered, deliveredPerS: delivered },
    alertLatencyMs: { p50, p99, max: latencies.at(-1) ?? NaN, n: latencies.length },
    eventLoopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6 },
    ratios: {
      deliveredOverOffered: delivered / offered,
      connectedOverFleet: devs.length / FLEET,
      alertP99OverGoal50ms: p99 / P99_GOAL_MS,
      alertP50OverGoal50ms: p50 / P99_GOAL_MS,
      lostOverSent: alertsSent ? lost / alertsSent : 0,
    },
    goals: { alertP99Ms: P99_GOAL_MS, lostAlerts: 0 },
  };
}

if (!findMosquitto()) {
  process.stdout.write('bench/mqtt.ts: mosquitto not installed, fleet bench skipped\n');
} else {
  const r = await fleetBench();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'mqtt.json'), JSON.stringify(r, null, 2) + '\n');
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
  const md = [
    '# Dendra MQTT fleet bench',
    '',
    `Run ${r.date}. ${r.setup.connected} of ${r.setup.devices} real MQTT clients (one connection each, one Node process) against ${r.setup.broker} on loopback,`,
    `telemetry 1 Hz each (QoS 0), alerts with p=${ALERT_P} per device-second (seed ${SEED}, QoS 1), ${r.setup.seconds} s; one operator (watchAlerts) and one telemetry subscriber in the same process.`,
    '',
    '| figure | value | ratio |',
    '|---|---|---|',
    `| delivered / offered messages per s | ${f(r.rates.deliveredPerS, 0)} / ${f(r.rates.offeredPerS, 0)} msg/s | ${f(r.ratios.deliveredOverOffered, 3)} |`,
    `| alert latency p99 / 50 ms goal | ${f(r.alertLatencyMs.p99)} ms | ${f(r.ratios.alertP99OverGoal50ms, 3)} |`,
    `| alert latency p50 / 50 ms goal | ${f(r.alertLatencyMs.p50)} ms | ${f(r.ratios.alertP50OverGoal50ms, 3)} |`,
    `| lost alerts / sent (goal 0) | ${r.counts.alertsLost} / ${r.counts.alertsSent} | ${f(r.ratios.lostOverSent, 4)} |`,
    `| connected / fleet | ${r.setup.connected} / ${r.setup.devices} (connect ${f(r.setup.connectSeconds, 1)} s) | ${f(r.ratios.connectedOverFleet, 3)} |`,
    '',
    `Duplicates seen by the operator: ${r.counts.duplicatesSeen}. Event-loop delay of the shared process p50/p99: ${f(r.eventLoopDelayMs.p50)} / ${f(r.eventLoopDelayMs.p99)} ms`,
    '(publishers, operator and telemetry counter share one thread; latency includes their queueing).',
    `Limits: mosquitto max_connections -1 (unlimited); every connection costs one fd here and one in mosquitto, so ulimit -n must exceed the fleet size (raise it with \`ulimit -n\` / systemd LimitNOFILE).`,
    '',
  ].join('\n');
  writeFileSync(path.join(OUT, 'mqtt.md'), md);
  process.stdout.write(md);
}
