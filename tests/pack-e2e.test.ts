// Two models on one board, end to end with real parts, on every target (tests/support/targets.ts:
// `dendra sim` and the native build/dendra-runtime): a real aedes broker, `dendra alerts` as the
// operator, the board (real firmware .wasm, UART on a real pty, a simulated pack on DMA channel 1)
// and `dendra flash` over that pty. The pack model goes into slot 2 (chosen from its metadata kind)
// next to the grid model in slot 0. Asserts that the dendrite.risk alerts the operator receives carry
// exactly what the host int8 executor computes for the same frames (cells, risk, lead, top inputs;
// host/models/src/pack/board.ts mirrors the board), that pack telemetry matches frame by frame, and that
// the grid's overload alerts still equal the int8 grid model's forecast with both models loaded.
// Then both targets boot the same flash file on the same replay: the runtime's alerts equal the
// simulator's, payload for payload (time stamps aside).
import { createHash } from 'node:crypto';
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { runCli, startCli, ROOT, type LiveCli } from './proc.ts';
import { modelRecordSkip, startTarget, targets, withoutTime, type Target, type TargetKind } from './support/targets.ts';
import { waitFor } from './support/wait.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { replayPack } from '@dendra/models/pack/replay.ts';
import { boardPackRun } from '@dendra/models/pack/board.ts';
import { forecastForWindow, gridModelWithLimit, topForWindow } from './windows.ts';
import { pathToFileURL } from 'node:url';

// The operator dashboard's page code is plain browser JavaScript (no type declarations).
type CheckAlert = (o: unknown) => { reason?: string; value?: { cells: { rows: number; cols: number; cells: unknown[] } } };
const { checkAlert } = (await import(pathToFileURL(path.join(ROOT, 'host/ops/src/dashboard/page/model.js')).href)) as { checkAlert: CheckAlert };

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-pack-e2e-'));
const START = 11520;
const PACK_CCD = 0.7; // the default seed-1 LLZO pack: a raise at frame 31, cleared at 36, more after
const KINDS = targets();
const live: LiveCli[] = [];
const boards: Target[] = [];
const flashOf = new Map<TargetKind, string>(); // each target's flash file after its run
let broker: BrokerHandle;
let ops: LiveCli;
let watcher: mqtt.MqttClient;
const tele = new Map<string, Record<string, unknown>[]>(); // by device
const records = new Map<string, Record<string, unknown>[]>();
const push = (m: Map<string, Record<string, unknown>[]>, k: string, v: Record<string, unknown>) => m.set(k, [...(m.get(k) ?? []), v]);

before(async () => {
  broker = await startBroker({ port: 0 });
  ops = startCli(['alerts', '--broker', broker.url, '--json']);
  live.push(ops);
  watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync(['dendra/v1/pk/+/telemetry', 'dendra/v1/pk/+/model']);
  watcher.on('message', (topic, buf) => push(topic.endsWith('/model') ? records : tele, topic.split('/')[3], JSON.parse(buf.toString())));
});

after(async () => {
  for (const b of boards) await b.stop();
  for (const c of live) await c.stop();
  await watcher?.endAsync();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The operator's alert lines (`dendra alerts --json`) of one device, parsed. */
function opsAlerts(device: string): { alert: Record<string, unknown>; site: string; device: string }[] {
  return ops.lines.filter((l) => l.startsWith('{') && l.includes('"alert"')).map((l) => JSON.parse(l)).filter((o) => o.device === device && o.alert);
}

/** The first operator alert of `device` (past or future) that satisfies `pred`; rejects after `ms`. */
async function opsAlert(device: string, pred: (a: Record<string, unknown>) => boolean, ms: number) {
  const line = await ops.waitLine((l) => {
    if (!l.startsWith('{') || !l.includes('"alert"')) return false;
    const o = JSON.parse(l);
    return o.device === device && o.alert !== undefined && pred(o.alert);
  }, ms);
  return JSON.parse(line) as { alert: Record<string, any>; site: string; device: string };
}

const packFile = path.join(ROOT, 'models', 'pack', 'pack.tflite');
const packModel = readTflite(new Uint8Array(readFileSync(packFile)));
const expected = boardPackRun(packModel, replayPack({ ccdFraction: PACK_CCD }).frames);
const grid = gridModelWithLimit(path.join(tmp, 'grid-limit.tflite'));
const gridModel = grid.model;
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

for (const kind of KINDS) {
  test(`${kind}: grid model in slot 0 + pack model in slot 2: both alert kinds reach the operator with the int8 values`, async (t) => {
    assert.ok(expected.alerts.some((a) => a.state === 'raised') && expected.alerts.some((a) => a.state === 'cleared'), 'the replay raises and clears');
    const device = `b-${kind}`;
    const board = await startTarget(kind, { flash: path.join(tmp, `${kind}.flash`), broker: broker.url, site: 'pk', device, start: START,
      msPerHour: 100, pack: { ccd: PACK_CCD, hours: 10 } }); // pack frame k at k s: 29 s to load the pack model, 117 s of replay
    boards.push(board);
    const pty = board.pty;
    await ops.waitLine((l) => l.includes('"status"') && l.includes('"online"') && l.includes(`"${device}"`), 30_000);

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

    const isPack = (a: Record<string, unknown>) => a.kind === 'dendrite.risk';
    const raised = await opsAlert(device, (a) => isPack(a) && a.state === 'raised', 90_000);
    const cleared = await opsAlert(device, (a) => isPack(a) && a.state === 'cleared', 90_000);
    for (const { alert, site, device: dev } of [raised, cleared]) {
      assert.deepEqual([site, dev], ['pk', device]);
      const want = expected.alerts.find((a) => a.window === alert.window && a.state === alert.state);
      assert.ok(want, `the host predicts a ${alert.state} alert at pack frame ${alert.window}`);
      const { state, window, value, threshold, lead_cycles, pack_risk, at_risk, alerted, cells, top } = alert;
      const got = { state, window, value, threshold, lead_cycles, pack_risk, at_risk, alerted, cells, ...(top === undefined ? {} : { top }) };
      assert.deepEqual(got, want, `alert of frame ${alert.window} (cleared alerts carry no top)`);
      assert.equal(alert.model, 'pack@1');
    }
    assert.ok(raised.alert.alerted.length > 0 && raised.alert.top.length === 3, 'a raised alert names cells and top inputs');
    assert.deepEqual(cleared.alert.alerted, [], 'a cleared alert names no cell');
    await t.test('the retained model record names both models, by the hash of the files flashed', { skip: modelRecordSkip(kind) }, async () => {
      const recs = () => records.get(device) ?? [];
      await waitFor(() => recs().some((r) => r.pack_model !== undefined && r.model_sha256 === sha(grid.file)), 'a model record naming both models', 10_000,
        { intervalMs: 100, detail: () => JSON.stringify(recs().at(-1)) });
      const rec = recs().at(-1)!;
      assert.deepEqual([rec?.model_sha256, rec?.pack_model, rec?.pack_model_sha256], [sha(grid.file), 'pack@1', sha(packFile)]);
    });
    for (const { alert } of [raised, cleared]) { // the operator dashboard's heat map takes both as they are
      const heat = checkAlert(alert);
      assert.equal(heat.reason, undefined);
      assert.equal(heat.value!.cells.cols, 4, 'the 4x4 risk map (rows of 4 cells)');
      assert.equal(heat.value!.cells.cells.length, alert.cells.flat().filter((r: number | null) => r !== null).length);
    }

    const overload = (await opsAlert(device, (a) => a.kind === 'overload.warning' && a.state === 'raised', 90_000)).alert;
    const f = forecastForWindow(gridModel, START + overload.window);
    assert.equal(overload.value, f.peakC2, `grid alert value of window ${overload.window}`);
    assert.equal(overload.lead_h, f.leadH);
    assert.ok(f.peakC > grid.limit);
    assert.deepEqual(overload.top, topForWindow(gridModel, START + overload.window));

    // Telemetry: every pack record equals the host's risks for its frame; grid records their int8 peak.
    const byModel = (m: string) => (tele.get(device) ?? []).filter((r) => String(r.model).startsWith(m));
    await waitFor(() => byModel('pack@').length >= 20 && byModel('grid@').length >= 10, '20 pack and 10 grid telemetry records', 60_000,
      { intervalMs: 100, detail: () => `${byModel('pack@').length} pack, ${byModel('grid@').length} grid` });
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
    await waitFor(() => byModel('pack@2').length >= 5 && byModel('grid@').length >= gridBefore + 5, '5 pack@2 and 5 more grid telemetry records', 60_000,
      { intervalMs: 100, detail: () => `${byModel('pack@2').length} pack@2, ${byModel('grid@').length - gridBefore} grid` });
    const packV2 = byModel('pack@2');
    assert.ok(packV2.length >= 5, `pack@2 telemetry after the pack flash: ${packV2.length}`);
    for (const r of packV2) assert.deepEqual({ cells: r.cells, pack_risk: r.pack_risk }, expected.telemetry[r.window as number], `pack@2 frame ${r.window}`);
    const gridAll = byModel('grid@');
    assert.ok(gridAll.length >= gridBefore + 5, `grid telemetry after the pack flash: ${gridAll.length - gridBefore}`);
    gridAll.forEach((r, i) => {
      if (i > 0) assert.ok((r.window as number) > (gridAll[i - 1].window as number), 'grid windows keep counting across the pack flash');
      assert.equal(r.raw, forecastForWindow(gridModel, START + (r.window as number)).peakRaw, `grid window ${r.window}`);
    });
    assert.equal(await board.stop(), 0, `${kind} stops cleanly: ${board.stderr().slice(-500)}`);
    flashOf.set(kind, board.flashFile);
  });
}

// The same flash file (the sim board's, both models in it) booted by every target on the same replay
// from window 0: alerts are a function of the replay and the models only, so they must be equal.
test('same flash file, same replay: the runtime publishes exactly the simulator\'s alerts (time stamps aside)',
  { skip: KINDS.length < 2 ? `one target only (${KINDS.join(',')}): nothing to compare` : false }, async () => {
    const src = flashOf.get('sim');
    assert.ok(src, 'the sim board ran above');
    const GRID_W = 100;
    const PACK_W = 45;
    const runs = await Promise.all(KINDS.map(async (kind) => {
      const flash = path.join(tmp, `same-${kind}.flash`);
      copyFileSync(src, flash);
      const b = await startTarget(kind, { flash, broker: broker.url, site: 'pk', device: `same-${kind}`, start: START, msPerHour: 25, pack: { ccd: PACK_CCD, hours: 2 } });
      boards.push(b);
      return b;
    }));
    const last = (device: string, m: string) => Math.max(-1, ...(tele.get(device) ?? []).filter((r) => String(r.model).startsWith(m)).map((r) => r.window as number));
    const done = () => KINDS.every((k) => last(`same-${k}`, 'grid@') >= GRID_W && last(`same-${k}`, 'pack@') >= PACK_W);
    await waitFor(done, `both boards to reach grid window ${GRID_W} and pack frame ${PACK_W}`, 90_000,
      { intervalMs: 100, detail: () => KINDS.map((k) => `${k} ${last(`same-${k}`, 'grid@')}/${last(`same-${k}`, 'pack@')}`).join(', ') });
    for (const b of runs) await b.stop();
    await new Promise((r) => setTimeout(r, 300));
    const upTo = (device: string) => opsAlerts(device).map((o) => o.alert)
      .filter((a) => (a.kind === 'overload.warning' ? (a.window as number) <= GRID_W : (a.window as number) <= PACK_W));
    const sim = upTo('same-sim');
    const rt = upTo('same-runtime');
    for (const k of ['overload.warning', 'dendrite.risk']) {
      for (const st of ['raised', 'cleared']) assert.ok(sim.some((a) => a.kind === k && a.state === st), `the replay has a ${st} ${k} alert to compare`);
    }
    // Per kind, in order, every field but the time stamps and seq: seq counts both kinds in the order a
    // board finishes them, and a real-time board (the runtime's clock runs on while it computes, the
    // sim's does not) may finish pack frame 28 (due at 56 h) before a grid window due at 29 h.
    for (const k of ['overload.warning', 'dendrite.risk']) {
      const strip = (a: Record<string, unknown>) => { const { seq: _s, ...o } = withoutTime(a); return o; };
      assert.deepEqual(rt.filter((a) => a.kind === k).map(strip), sim.filter((a) => a.kind === k).map(strip), `${k} alerts: the same payloads, in the same order`);
    }
    for (const k of KINDS) { // and each board numbers every alert it sent once, without gaps
      const seqs = opsAlerts(`same-${k}`).map((o) => o.alert.seq as number).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), `${k}: alert seqs ${seqs.join(',')}`);
    }
  });
