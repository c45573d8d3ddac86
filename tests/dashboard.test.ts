// `dendra dashboard` end to end in headless Chromium (playwright-core): embedded broker + dashboard
// server + the real simulated board (firmware .wasm, UART on a pty) with the grid model flashed over
// that pty. An alert the board raises must be on the page, as its alarm row (derived by the
// dashboard bridge, retained), within 1 s of the board publishing it. Also: malformed payloads are
// dropped and counted (never rendered as markup), the risk heat map, acknowledgement, and the last
// will turning a device offline. The long run (keepalive, reload, a second operator) is
// tests/dashboard-operator.test.ts.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type DashboardHandle } from '@dendra/ops/dashboard/server.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { startSim } from '@dendra/device/sim/sim.ts';
import { flashModelFile, readModelFile } from '@dendra/device/flash/flash.ts';
import { withSiteLimits } from '@dendra/models/grid/site.ts';
import { DEFAULT_ETT, GRID_MODEL, FIRMWARE_WASM } from '@dendra/core/paths.ts';
import { waitFor } from './support/wait.ts';

/** Where Debian's chromium lives (scripts/deps.sh installs it); DENDRA_CHROMIUM overrides. */
const CANDIDATES = process.env.DENDRA_CHROMIUM ? [process.env.DENDRA_CHROMIUM] : ['/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser'];
const CHROMIUM = CANDIDATES.find((p) => existsSync(p));
const skipBrowser = CHROMIUM ? false : `chromium not installed (none of ${CANDIDATES.join(', ')}): run scripts/deps.sh or apt-get install chromium`;
if (skipBrowser) console.log(`dashboard browser tests skipped: ${skipBrowser}`);
const simMissing = [FIRMWARE_WASM, DEFAULT_ETT, GRID_MODEL, '/usr/bin/socat'].find((p) => !existsSync(p));
const T = { timeout: 120_000 };

/** An alert the board handed to its network stack, and when. */
interface Published { at: number; wall: number; seq: number; boot: number; kind: string; state: string; value: number }

/** Wraps a DeviceClient to record each alert the firmware publishes (time taken before it is sent). */
function recording(inner: DeviceClient, out: Published[]): DeviceClient {
  return {
    client: inner.client,
    close: () => inner.close(),
    publish(kind, payload, qos, retain) {
      if (kind === 'alert') {
        const a = JSON.parse(new TextDecoder().decode(payload));
        out.push({ at: performance.now(), wall: Date.now(), seq: a.seq, boot: a.boot ?? 0, kind: a.kind, state: a.state, value: a.value });
      }
      inner.publish(kind, payload, qos, retain);
    },
  };
}

describe('dendra dashboard in headless Chromium', { skip: skipBrowser }, () => {
  let dash: DashboardHandle;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-dash-'));

  before(async () => {
    dash = await startDashboard({ port: 0, brokerPort: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(dash.url);
    await page.waitForSelector('#conn[data-state="connected"]', { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('an alert raised by the sim board (grid model flashed over the pty) is on the page within 1 s', { ...T, skip: simMissing ? `${simMissing} is missing` : false }, async () => {
    const published: Published[] = [];
    const dev = await connectDevice({ url: dash.brokerUrl, site: 'yard', device: 'sim1' });
    const sim = await startSim({
      board: 'sim', flashFile: path.join(tmp, 'sim1.flash'), dataCsv: DEFAULT_ETT, start: 8760, msPerHour: 40,
      publisher: recording(dev, published), log: () => {},
    });
    try {
      await page.waitForSelector('.device[data-id="yard/sim1"][data-state="online"]', { timeout: 20_000 });
      // A limit below any oil temperature: the first forecast after flashing raises the alert.
      const model = path.join(tmp, 'grid-site.tflite');
      writeFileSync(model, withSiteLimits(readModelFile(GRID_MODEL), { otLimitC: 0, hysteresisC: 2 }));
      await flashModelFile({ port: sim.ptyPath, file: model });
      const a = await waitFor(() => published[0], 'the board to publish an alert', 60_000, { intervalMs: 5 });
      const row = `tr.alarm-row[data-key="yard/sim1/${a.kind}"]`;
      // The row must show up; how long Playwright's polling took to notice it is not the measure
      // (a stalled test process would inflate it), so the wait is generous and returns at once.
      await page.waitForSelector(row, { timeout: 10_000 });
      const delay = performance.now() - a.at;
      // The 1 s requirement, measured without Playwright's polling: when the page's MQTT client
      // got the alert (the page's own clock, same machine) minus when the board published it.
      const got = await page.evaluate((k) => (globalThis as unknown as { dendraDashboard: { store: { alerts: { key: string; receivedAt: number }[] } } })
        .dendraDashboard.store.alerts.find((x) => x.key === k)?.receivedAt, `yard/sim1/${a.boot}/${a.seq}`);
      console.log(`alert seq ${a.seq} (${a.kind} ${a.state}): received by the page ${got! - a.wall} ms and seen by waitForSelector ${delay.toFixed(0)} ms after the board published it`);
      assert.ok(typeof got === 'number', 'the page stored the alert with its receipt time');
      assert.ok(got - a.wall <= 1000, `the page received the alert within 1 s of the board publishing it (${got - a.wall} ms)`);
      assert.equal(await page.textContent(`${row} td.kind`), a.kind);
      assert.equal(await page.textContent(`${row} td.state`), a.state, 'the first raise is state raised');
      assert.match(await page.textContent(`${row} td.lead`) ?? '', /^\d+ h$/, 'overload lead in hours');
      assert.equal(await page.textContent(`${row} td.value`), a.value.toFixed(2));
      assert.equal(await page.textContent(`${row} td.threshold`), '0.00');
      // Telemetry reaches the chart's device card; the model version shows.
      await page.waitForFunction(() => /window \d+: ot \d/.test(document.querySelector('.device[data-id="yard/sim1"] .now')?.textContent ?? ''), null, { timeout: 20_000 });
      assert.match(await page.textContent('.device[data-id="yard/sim1"] .info') ?? '', /model grid@\d+/);
      // Acknowledge: published retained over MQTT; the row shows who and when.
      await page.click(`${row} button.ack`);
      await page.waitForSelector(`${row}.acked[data-acked="true"]`, { timeout: 15_000 });
      assert.match(await page.textContent(`${row} td.actions`) ?? '', /^acknowledged by operator at \d\d:\d\d:\d\d$/);
      const shot = path.join(tmpdir(), 'dendra-dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);
    } finally {
      await sim.stop();
      await dev.close();
    }
  });

  test('malformed payloads are dropped and counted; payload text is never rendered as markup', T, async () => {
    const raw = await mqtt.connectAsync(dash.brokerUrl, { protocolVersion: 4 });
    try {
      const dropped = async () => Number(await page.textContent('#dropped'));
      const before = await dropped();
      const good = { v: 1, seq: 1, ts: 1, kind: 'dendrite.risk', state: 'raised', severity: 'critical', value: 0.91, threshold: 0.8 };
      await raw.publishAsync('dendra/v1/pack/p1/alert', '{"v":1,"seq":', { qos: 1 });
      await raw.publishAsync('dendra/v1/pack/p1/alert', JSON.stringify({ ...good, seq: 2, kind: '<img src=x onerror=__pwned=1>' }), { qos: 1 });
      await raw.publishAsync('dendra/v1/pack/p1/alert', Buffer.alloc(20_000, 0x20), { qos: 1 });
      await raw.publishAsync('dendra/v1/pack/p1/telemetry', JSON.stringify({ v: 1, seq: 1, ts: 1, window: 1, ot: '<b>hot</b>' }), { qos: 1 });
      const cells = [{ id: '<img src=x onerror=__pwned=1>', row: 0, col: 0, risk: 0.2 }, { row: 0, col: 1, risk: 0.95 }, { row: 1, col: 0, risk: 0.5 }];
      await raw.publishAsync('dendra/v1/pack/p1/alert', JSON.stringify({ ...good, cells }), { qos: 1 });
      await page.waitForSelector('tr.alarm-row[data-key="pack/p1/dendrite.risk"]', { timeout: 20_000 });
      await page.waitForFunction((n) => Number(document.getElementById('dropped')?.textContent) >= n, before + 4, { timeout: 20_000 });
      assert.equal(await dropped(), before + 4);
      assert.match(await page.textContent('#drop-reason') ?? '', /last dropped: /);
      assert.equal(await page.isVisible('#heat'), true);
      assert.equal(await page.locator('.heatmap[data-device="pack/p1"] .cell').count(), 3);
      assert.equal(await page.getAttribute('.heatmap[data-device="pack/p1"] .cell[data-risk="0.2"]', 'title'), '<img src=x onerror=__pwned=1>: 0.20');
      assert.equal(await page.locator('main img, header img').count(), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.equal(await page.locator('tr.alarm-row[data-device="pack/p1"]').count(), 1, 'the forged kind never became an alarm');
      assert.equal(await page.locator('.heatmap[data-device="pack/p1"] .heat-legend .swatch').count(), 5, 'the heat map has a colour scale');
    } finally {
      await raw.endAsync();
    }
  });

  test('a device whose connection is lost shows offline (last will), and online again when it returns', T, async () => {
    const card = '.device[data-id="yard/will1"]';
    const dev = await connectDevice({ url: dash.brokerUrl, site: 'yard', device: 'will1' });
    await page.waitForSelector(`${card}[data-state="online"]`, { timeout: 20_000 });
    await dev.client.endAsync(true); // forced: no DISCONNECT, no offline status from the device itself
    await page.waitForSelector(`${card}[data-state="offline"]`, { timeout: 20_000 });
    assert.equal(await page.textContent(`${card} .state`), 'offline');
    const back = await connectDevice({ url: dash.brokerUrl, site: 'yard', device: 'will1' });
    try {
      await page.waitForSelector(`${card}[data-state="online"]`, { timeout: 20_000 });
    } finally {
      await back.close();
    }
    await page.waitForSelector(`${card}[data-state="offline"]`, { timeout: 20_000 }); // clean close: retained offline
    assert.deepEqual(pageErrors, [], 'no exceptions in the page');
  });
});
