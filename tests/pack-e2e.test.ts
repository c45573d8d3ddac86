// Two models on one board, end to end with real parts: a real aedes broker, `dendra alerts` as the
// operator, `dendra sim` (real firmware .wasm, UART on a real pty, a simulated pack on DMA channel 1)
// and `dendra flash` over that pty. The pack model goes into slot 2 (chosen from its metadata kind)
// next to the grid model in slot 0. Asserts that the dendrite.risk alerts the operator receives carry
// exactly what the host int8 executor computes for the same frames (cells, risk, lead, top inputs;
// host/models/src/pack/board.ts mirrors the board), that pack telemetry matches frame by frame, and that
// the grid's overload alerts still equal the int8 grid model's forecast with both models loaded.
import { createHash } from 'node:crypto';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { runCli, startCli, ROOT, type LiveCli } from './proc.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { replayPack } from '@dendra/models/pack/replay.ts';
import { boardPackRun } from '@dendra/models/pack/board.ts';
import { forecastForWindow, topForWindow } from './windows.ts';
import { pathToFileURL } from 'node:url';

// The operator dashboard's page code is plain browser JavaScript (no type declarations).
type CheckAlert = (o: unknown) => { reason?: string; value?: { cells: { rows: number; cols: number; cells: unknown[] } } };
const { checkAlert } = (await import(pathToFileURL(path.join(ROOT, 'host/ops/src/dashboard/page/model.js')).href)) as { checkAlert: CheckAlert };

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-pack-e2e-'));
const START = 11520;
const PACK_CCD = 0.55; // the default seed-1 LLZO pack: a raise at frame 28, cleared at 29, more after
const live: LiveCli[] = [];
let broker: BrokerHandle | undefined;

after(async () => {
  for (const c of live) await c.stop();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Resolves once `cond()` holds (checked every 100 ms), or after `ms` (the caller's assertions then fail). */
async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

/** The committed grid model with an alert limit at the median peak of windows 0..39 (raises and clears). */
function gridModelWithLimit(): { file: string; limit: number } {
  const model = readTflite(new Uint8Array(readFileSync(path.join(ROOT, 'models', 'grid', 'grid.tflite'))));
  const meta = decodeDendraMeta(model.metadata.dendra);
  const peaks = Array.from({ length: 40 }, (_, k) => forecastForWindow(model, START + k).peakC).sort((a, b) => a - b);
  meta.otLimitC = Math.fround(peaks[20] - 0.005);
  meta.hysteresisC = 0;
  model.metadata.dendra = encodeDendraMeta(meta);
  const file = path.join(tmp, 'grid-limit.tflite');
  writeFileSync(file, writeTflite(model));
  return { file, limit: meta.otLimitC };
}

test('grid model in slot 0 + pack model in slot 2: both alert kinds reach the operator with the int8 values', async (t) => {
  const packFile = path.join(ROOT, 'models', 'pack', 'pack.tflite');
  const packModel = readTflite(new Uint8Array(readFileSync(packFile)));
  const expected = boardPackRun(packModel, replayPack({ ccdFraction: PACK_CCD }).frames);
  assert.ok(expected.alerts.some((a) => a.state === 'raised') && expected.alerts.some((a) => a.state === 'cleared'), 'the replay raises and clears');
  const grid = gridModelWithLimit();
  const gridModel = readTflite(new Uint8Array(readFileSync(grid.file)));

  broker = await startBroker({ port: 0 });
  const ops = startCli(['alerts', '--broker', broker.url, '--json']);
  live.push(ops);
  const tele: Record<string, unknown>[] = [];
  const records: Record<string, unknown>[] = [];
  const watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync(['dendra/v1/pk/b1/telemetry', 'dendra/v1/pk/b1/model']);
  watcher.on('message', (topic, buf) => (topic.endsWith('/model') ? records : tele).push(JSON.parse(buf.toString())));
  t.after(() => watcher.endAsync());

  const sim = startCli(['sim', '--board', 'sim', '--flash', path.join(tmp, 'b1.flash'), '--broker', broker.url, '--site', 'pk',
    '--device', 'b1', '--start', String(START), '--ms-per-hour', '40', '--pack-ccd', String(PACK_CCD), '--pack-hours', '10', '--json']);
  live.push(sim);
  const pty = JSON.parse(await sim.waitLine((l) => l.includes('"pty"'), 30_000)).pty as string;
  await ops.waitLine((l) => l.includes('"status"') && l.includes('"online"'), 30_000);

  // A slot that disagrees with the model's metadata kind is refused before the port is touched.
  const wrong = await runCli(['flash', '--port', pty, '--slot', 'grid', packFile]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr.trim(), /^dendra: the model is a pack model .*--slot grid/);

  // The pack model first (slot 2 from its metadata), then the grid model: every grid alert below
  // is computed with both models on the board, the interpreter switching between them.
  const fp = await runCli(['flash', '--port', pty, packFile, '--json'], 60_000);
  assert.equal(fp.code, 0, fp.stderr);
  const fg = await runCli(['flash', '--port', pty, grid.file, '--json'], 60_000);
  assert.equal(fg.code, 0, fg.stderr);

  const isPack = (l: string) => l.includes('"dendrite.risk"');
  const raised = JSON.parse(await ops.waitLine((l) => isPack(l) && l.includes('"raised"'), 90_000));
  const cleared = JSON.parse(await ops.waitLine((l) => isPack(l) && l.includes('"cleared"'), 90_000));
  for (const { alert, site, device } of [raised, cleared]) {
    assert.deepEqual([site, device], ['pk', 'b1']);
    const want = expected.alerts.find((a) => a.window === alert.window && a.state === alert.state);
    assert.ok(want, `the host predicts a ${alert.state} alert at pack frame ${alert.window}`);
    const { state, window, value, threshold, lead_cycles, pack_risk, at_risk, alerted, cells, top } = alert;
    const got = { state, window, value, threshold, lead_cycles, pack_risk, at_risk, alerted, cells, ...(top === undefined ? {} : { top }) };
    assert.deepEqual(got, want, `alert of frame ${alert.window} (cleared alerts carry no top)`);
    assert.equal(alert.model, 'pack@1');
  }
  assert.ok(raised.alert.alerted.length > 0 && raised.alert.top.length === 3, 'a raised alert names cells and top inputs');
  assert.deepEqual(cleared.alert.alerted, [], 'a cleared alert names no cell');
  // The retained model record names both models, by the hash of the files flashed.
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  await waitFor(() => records.some((r) => r.pack_model !== undefined && r.model_sha256 === sha(grid.file)), 10_000);
  const rec = records.at(-1)!;
  assert.deepEqual([rec.model_sha256, rec.pack_model, rec.pack_model_sha256], [sha(grid.file), 'pack@1', sha(packFile)]);
  for (const { alert } of [raised, cleared]) { // the operator dashboard's heat map takes both as they are
    const heat = checkAlert(alert);
    assert.equal(heat.reason, undefined);
    assert.equal(heat.value!.cells.cols, 4, 'the 4x4 risk map (rows of 4 cells)');
    assert.equal(heat.value!.cells.cells.length, alert.cells.flat().filter((r: number | null) => r !== null).length);
  }

  const overload = JSON.parse(await ops.waitLine((l) => l.includes('"overload.warning"') && l.includes('"raised"'), 90_000)).alert;
  const f = forecastForWindow(gridModel, START + overload.window);
  assert.equal(overload.value, f.peakC2, `grid alert value of window ${overload.window}`);
  assert.equal(overload.lead_h, f.leadH);
  assert.ok(f.peakC > grid.limit);
  assert.deepEqual(overload.top, topForWindow(gridModel, START + overload.window));

  // Telemetry: every pack record equals the host's risks for its frame; grid records their int8 peak.
  const byModel = (m: string) => tele.filter((r) => String(r.model).startsWith(m));
  await waitFor(() => byModel('pack@').length >= 20 && byModel('grid@').length >= 10, 60_000);
  const pack = byModel('pack@');
  const gridT = byModel('grid@');
  assert.ok(pack.length >= 20 && gridT.length >= 10, `telemetry: ${pack.length} pack, ${gridT.length} grid`);
  for (const r of pack) {
    const w = r.window as number;
    assert.deepEqual({ cells: r.cells, pack_risk: r.pack_risk }, expected.telemetry[w], `pack telemetry of frame ${w}`);
    assert.ok((r.infer_ms as number) >= 0 && (r.swap_ms as number) >= 0 && (r.energy_uj as number) > 0);
  }
  for (const r of gridT) assert.equal(r.raw, forecastForWindow(gridModel, START + (r.window as number)).peakRaw, `grid window ${r.window}`);

  // The other way round: a new pack model (version 2, same weights) flashed while the grid model
  // runs. The pack pipeline restarts with it and carries on along the replay with the same risks;
  // the grid pipeline is not reset (its windows keep counting) and stays exact.
  const v2 = readTflite(new Uint8Array(readFileSync(packFile)));
  v2.metadata.dendra = encodeDendraMeta({ ...decodeDendraMeta(v2.metadata.dendra), modelVersion: 2 });
  const v2File = path.join(tmp, 'pack-v2.tflite');
  writeFileSync(v2File, writeTflite(v2));
  const gridBefore = byModel('grid@').length;
  const f2 = await runCli(['flash', '--port', pty, v2File, '--json'], 60_000);
  assert.equal(f2.code, 0, f2.stderr);
  await waitFor(() => byModel('pack@2').length >= 5 && byModel('grid@').length >= gridBefore + 5, 60_000);
  const packV2 = byModel('pack@2');
  assert.ok(packV2.length >= 5, `pack@2 telemetry after the pack flash: ${packV2.length}`);
  for (const r of packV2) assert.deepEqual({ cells: r.cells, pack_risk: r.pack_risk }, expected.telemetry[r.window as number], `pack@2 frame ${r.window}`);
  const gridAll = byModel('grid@');
  assert.ok(gridAll.length >= gridBefore + 5, `grid telemetry after the pack flash: ${gridAll.length - gridBefore}`);
  gridAll.forEach((r, i) => {
    if (i > 0) assert.ok((r.window as number) > (gridAll[i - 1].window as number), 'grid windows keep counting across the pack flash');
    assert.equal(r.raw, forecastForWindow(gridModel, START + (r.window as number)).peakRaw, `grid window ${r.window}`);
  });
});
