// The Prometheus recipe (integrations/prometheus/{telemetry,alert,status}.yaml, integrations/README.md)
// with real parts: the Debian package prometheus-mqtt-exporter (mqtt2prometheus), one instance per
// record kind on the repository's config files, against a real broker (aedes); device clients
// (connectDevice: retained status online) publish schema-valid records shaped as the firmware sends
// them; the test scrapes each /metrics and checks the values, the labels (sensor = site/device,
// topic = the record's topic; the kind is in the metric name) and the ingest timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBroker, freePort, waitForPort } from '@dendra/ops/mqtt/broker.ts';
import { connectDevice } from '@dendra/ops/mqtt/device.ts';
import { encodePayload, parsePayload } from '@dendra/ops/mqtt/schema.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const EXPORTER = '/usr/bin/prometheus-mqtt-exporter';
const CONFIG_DIR = path.join(REPO_ROOT, 'integrations', 'prometheus');
const KINDS = ['telemetry', 'alert', 'status'] as const;
const skip = existsSync(EXPORTER) ? false : `${EXPORTER} not installed (apt-get install prometheus-mqtt-exporter)`;
if (skip) console.log(`prometheus integration test skipped: ${skip}`);

/** One sample of the exposition: name, labels, value, timestamp (ms). */
interface Sample { name: string; labels: Record<string, string>; value: number; ts: number | null }

/** Parses Prometheus text exposition lines `name{a="b",...} value [ts]` (Dendra metrics only). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^(dendra_[a-z_]+)\{([^}]*)\} (\S+)(?: (\d+))?$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]), ts: m[4] ? Number(m[4]) : null });
  }
  return out;
}

const TELEMETRY = { v: 1, boot: 3, seq: 120, ts: 5400000, window: 42, ot: 61.5, pred_peak: 81.23, raw: -12, energy_total_uj: 1520.5, infer_ms: 0.8, dropped: 0, model: 'grid@1' };
const OVERLOAD = { v: 1, boot: 3, seq: 17, ts: 5400000, kind: 'overload.warning', state: 'raised', severity: 'warning', value: 81.23, threshold: 80, lead_h: 5, raw: -12, window: 42, model: 'grid@1' };
const RISK = { v: 1, boot: 1, seq: 4, ts: 86400000, kind: 'dendrite.risk', state: 'raised', severity: 'critical', value: 0.93, threshold: 0.8, lead_cycles: 40, pack_risk: 0.61, at_risk: 1, alerted: [7], model: 'pack@1' };

test('prometheus-mqtt-exporter on integrations/prometheus/mqtt-exporter.yaml turns Dendra records into labelled metrics', { skip, timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-prom-'));
  const broker = await startBroker({ port: 0 });
  const exporters: { kind: string; port: number; log: string; child: ReturnType<typeof spawn> }[] = [];
  for (const kind of KINDS) {
    const text = readFileSync(path.join(CONFIG_DIR, `${kind}.yaml`), 'utf8');
    assert.match(text, /server: tcp:\/\/127\.0\.0\.1:1883\n/);
    const config = path.join(tmp, `${kind}.yaml`);
    writeFileSync(config, text.replace('tcp://127.0.0.1:1883', broker.url.replace('mqtt://', 'tcp://')));
    const port = await freePort();
    const child = spawn(EXPORTER, ['-config', config, '-listen-address', '127.0.0.1', '-listen-port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const e = { kind, port, log: '', child };
    child.stderr!.on('data', (d) => (e.log += d));
    exporters.push(e);
  }
  const scrape = async () => (await Promise.all(exporters.map(async (e) => samples(await (await fetch(`http://127.0.0.1:${e.port}/metrics`)).text())))).flat();
  const tx1 = await connectDevice({ url: broker.url, site: 'north', device: 'tx1' });
  const pk = await connectDevice({ url: broker.url, site: 'pk', device: 'b1' });
  try {
    for (const e of exporters) {
      assert.ok(await waitForPort('127.0.0.1', e.port, 10_000), `${e.kind} exporter did not listen: ${e.log}`);
      for (let i = 0; i < 100 && !/Will subscribe to topic/.test(e.log); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(e.log, /Will subscribe to topic/, `${e.kind} exporter: ${e.log}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    const before = Date.now();
    for (const [p, kind, body] of [[tx1, 'telemetry', TELEMETRY], [tx1, 'alert', OVERLOAD], [pk, 'alert', RISK]] as const) {
      const check = parsePayload(kind, encodePayload(body));
      assert.ok(check.ok, `the test's ${kind} record follows the schema`);
      p.publish(kind, encodePayload(body), 1, false);
    }
    let got: Sample[] = [];
    for (let i = 0; i < 100; i++) {
      got = await scrape();
      if (got.some((s) => s.name === 'dendra_alert_lead_cycles') && got.some((s) => s.name === 'dendra_telemetry_oil_temperature_celsius')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = Date.now();
    const one = (name: string, topic: string) => {
      const s = got.filter((x) => x.name === name && x.labels.topic === topic);
      assert.equal(s.length, 1, `${name} on ${topic}: ${JSON.stringify(got.filter((x) => x.name === name))}`);
      return s[0];
    };
    const t = one('dendra_telemetry_oil_temperature_celsius', 'dendra/v1/north/tx1/telemetry');
    assert.deepEqual([t.value, t.labels.sensor], [61.5, 'north/tx1']);
    assert.ok(t.ts !== null && t.ts >= before - 1000 && t.ts <= after + 1000, `ingest timestamp ${t.ts} within the run`);
    assert.equal(one('dendra_telemetry_forecast_peak_celsius', 'dendra/v1/north/tx1/telemetry').value, 81.23);
    assert.equal(one('dendra_telemetry_window', 'dendra/v1/north/tx1/telemetry').value, 42);
    assert.equal(one('dendra_telemetry_seq', 'dendra/v1/north/tx1/telemetry').value, 120, 'telemetry seq, not the alert seq');
    assert.equal(one('dendra_alert_seq', 'dendra/v1/north/tx1/alert').value, 17);
    assert.equal(one('dendra_telemetry_energy_total_microjoules', 'dendra/v1/north/tx1/telemetry').value, 1520.5);
    assert.deepEqual([one('dendra_alert_value', 'dendra/v1/north/tx1/alert').value, one('dendra_alert_threshold', 'dendra/v1/north/tx1/alert').value], [81.23, 80]);
    assert.equal(one('dendra_alert_lead_hours', 'dendra/v1/north/tx1/alert').value, 5, 'overload lead in hours');
    assert.equal(one('dendra_alert_lead_cycles', 'dendra/v1/pk/b1/alert').value, 40, 'dendrite lead in cycles');
    assert.equal(one('dendra_alert_pack_risk', 'dendra/v1/pk/b1/alert').labels.sensor, 'pk/b1');
    assert.equal(one('dendra_alert_state', 'dendra/v1/north/tx1/alert').value, 1, 'raised');
    assert.equal(one('dendra_status_online', 'dendra/v1/north/tx1/status').value, 1, 'online (retained status of the device client)');
    assert.equal(got.filter((s) => s.name === 'dendra_alert_lead_hours' && s.labels.sensor === 'pk/b1').length, 0, 'no hours lead on a dendrite alert');
    // The kind is in the metric name and the topic: every series' topic matches its name.
    for (const s of got) assert.equal(`dendra/v1/${s.labels.sensor}/${s.name.split('_')[1]}`, s.labels.topic, s.name);
    // A clean shutdown turns the device's retained status offline: 0.
    await tx1.close();
    for (let i = 0; i < 50 && one('dendra_status_online', 'dendra/v1/north/tx1/status').value !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      got = await scrape();
    }
    assert.equal(one('dendra_status_online', 'dendra/v1/north/tx1/status').value, 0, 'offline');
  } finally {
    for (const e of exporters) e.child.kill('SIGTERM');
    await tx1.close();
    await pk.close();
    await broker.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
