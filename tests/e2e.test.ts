// The spine, end to end, with real parts: `dendra train grid` (tiny budget) -> `dendra quantize`
// -> a real aedes broker -> a board on every target (tests/support/targets.ts: `dendra sim` and the
// native build/dendra-runtime; real firmware .wasm, UART on a real pty) -> `dendra flash` over that
// pty with serialport -> the board replays ETTh1 -> `dendra alerts` as the operator.
// Asserts that the alert the operator receives carries exactly the value the int8 model computes
// for that window (host int8 executor on the same .tflite and the same CSV rows).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';
import { runCli, startCli, type LiveCli } from './proc.ts';
import { modelRecordSkip, startTarget, targets, type Target } from './support/targets.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { forecastForWindow, topForWindow } from './windows.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-e2e-'));
const START = 11520; // first row of the ETTh1 test split
const live: LiveCli[] = [];
const boards: Target[] = [];
let broker: BrokerHandle;
let ops: LiveCli;
let e2eModel = '';
let meta: ReturnType<typeof decodeDendraMeta>;

after(async () => {
  for (const b of boards) await b.stop();
  for (const c of live) await c.stop();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

// Trained and quantized once; every target gets the same file.
before(async () => {
  const trainDir = path.join(tmp, 'float');
  const modelDir = path.join(tmp, 'model');
  const tr = await runCli(['train', 'grid', '--epochs', '1', '--max-windows', '256', '--seed', '3', '--no-protocol', '--out', trainDir, '--json'], 300_000);
  assert.equal(tr.code, 0, tr.stderr);
  const trained = JSON.parse(tr.stdout.slice(tr.stdout.indexOf('\n{') + 1));
  assert.ok(Number.isFinite(trained.metrics.val.mse) && trained.metrics.val.mse > 0, 'validation MSE reported');

  const q = await runCli(['quantize', '--model', trainDir, '--out', modelDir, '--calibration', '64', '--json'], 300_000);
  assert.equal(q.code, 0, q.stderr);
  const quant = JSON.parse(q.stdout);
  const bytes = new Uint8Array(readFileSync(quant.tflite));

  // Choose the alert limit from the int8 model's own forecasts of the first windows, so that the
  // replay both raises and clears: the median peak of windows 0..39.
  const model = readTflite(bytes);
  meta = decodeDendraMeta(model.metadata.dendra);
  const peaks = Array.from({ length: 40 }, (_, k) => forecastForWindow(model, START + k).peakC).sort((a, b) => a - b);
  meta.otLimitC = Math.fround(peaks[20] - 0.005);
  meta.hysteresisC = 0;
  model.metadata.dendra = encodeDendraMeta(meta);
  e2eModel = path.join(modelDir, 'grid-e2e.tflite');
  writeFileSync(e2eModel, writeTflite(model));

  broker = await startBroker({ port: 0 });
  ops = startCli(['alerts', '--broker', broker.url, '--json']);
  live.push(ops);
}, { timeout: 600_000 });

for (const kind of targets()) {
  test(`${kind}: train -> quantize -> flash over a pty -> board alert carries the int8 model value`, async (t) => {
    const device = `b-${kind}`;
    const flashedModel = readTflite(new Uint8Array(readFileSync(e2eModel)));
    const tele: { window: number; raw: number; pred_peak: number }[] = [];
    const watcher = await mqtt.connectAsync(broker.url);
    const models: { model: string; model_sha256: string; board: string }[] = [];
    await watcher.subscribeAsync([`dendra/v1/e2e/${device}/telemetry`, `dendra/v1/e2e/${device}/model`]);
    watcher.on('message', (topic, buf) => (topic.endsWith('/model') ? models : tele).push(JSON.parse(buf.toString())));
    t.after(() => watcher.endAsync());

    const board = await startTarget(kind, { flash: path.join(tmp, `${kind}.flash`), broker: broker.url, site: 'e2e', device, start: START, msPerHour: 40 });
    boards.push(board);
    const pty = board.pty;
    // The operator is subscribed once it has seen the board's retained "online" status.
    await ops.waitLine((l) => l.includes('"status"') && l.includes('"online"') && l.includes(`"${device}"`), 30_000);

    // Busy port: another process holds the pty with an exclusive lock.
    const holder = new SerialPort({ path: pty, baudRate: 115200, lock: true, autoOpen: false, hupcl: false });
    await new Promise<void>((res, rej) => holder.open((e) => (e ? rej(e) : res())));
    const busy = await runCli(['flash', '--port', pty, e2eModel]);
    await new Promise<void>((res) => holder.close(() => res()));
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr.trim(), /^dendra: .*busy/);

    const fl = await runCli(['flash', '--port', pty, e2eModel, '--json'], 60_000);
    assert.equal(fl.code, 0, fl.stderr);
    assert.equal(JSON.parse(fl.stdout).bytes, readFileSync(e2eModel).length);

    const mine = (state: string) => (l: string) => l.includes(`"${state}"`) && JSON.parse(l).device === device;
    const raisedLine = await ops.waitLine(mine('raised'), 60_000);
    const clearedLine = await ops.waitLine(mine('cleared'), 60_000);
    for (const line of [raisedLine, clearedLine]) {
      const { alert, site, device: dev } = JSON.parse(line);
      assert.equal(site, 'e2e');
      assert.equal(dev, device);
      assert.equal(alert.kind, 'overload.warning');
      const f = forecastForWindow(flashedModel, START + alert.window);
      assert.equal(alert.raw, f.peakRaw, `int8 peak of window ${alert.window}`);
      assert.equal(alert.value, f.peakC2, `alert value (degC, 2 decimals) of window ${alert.window}`);
      assert.equal(alert.threshold, Math.round(meta.otLimitC * 100) / 100);
      if (alert.state === 'raised') {
        assert.ok(f.peakC > meta.otLimitC, 'raised only above the limit');
        assert.equal(alert.lead_h, f.leadH);
        assert.deepEqual(alert.top, topForWindow(flashedModel, START + alert.window), 'top inputs (occlusion on the board)');
      } else {
        assert.equal(alert.top, undefined, 'cleared alerts carry no top inputs');
        assert.ok(f.peakC < meta.otLimitC, 'cleared only below the limit');
      }
    }
    // The board announced what it runs (retained `model` record): the flashed file, by hash.
    await t.test('the retained model record names the flashed file, by hash', { skip: modelRecordSkip(kind) }, async () => {
      for (let i = 0; i < 200 && models.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const flashedSha = createHash('sha256').update(readFileSync(e2eModel)).digest('hex');
      assert.deepEqual(models.map((m) => [m.model, m.model_sha256, m.board]).at(-1), [`${meta.name}@${meta.modelVersion}`, flashedSha, 'sim']);
    });
    // Every telemetry record so far: the board's int8 peak equals the host's, window by window.
    for (let i = 0; i < 600 && tele.length < 10; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(tele.length >= 10, `telemetry received: ${tele.length}`);
    for (const rec of tele) assert.equal(rec.raw, forecastForWindow(flashedModel, START + rec.window).peakRaw, `window ${rec.window}`);
    assert.equal(await board.stop(), 0, `${kind} stops cleanly: ${board.stderr().slice(-500)}`);
  });
}
