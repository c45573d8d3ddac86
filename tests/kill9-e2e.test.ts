// Power cuts on every target (tests/support/targets.ts: `dendra sim` and build/dendra-runtime), with
// real parts: kill -9 of the board's process (its process group) and a restart on the same flash file.
// 1. In the middle of a model flash (stop-and-wait, 16-byte WRITEs, killed once the board has acked
//    30% of the new image): the board boots with its previous model intact, and a re-flash succeeds.
//    The flasher runs in process (@dendra/device flashModelFile / queryBoard, the code `dendra flash` and
//    `dendra info` run): the CLI's start-up costs seconds per call and is tested elsewhere.
// 2. In the middle of an alert burst, while the board's link to the broker is silent (a TCP relay cut):
//    the alerts it computed wait in its flash journal; after the restart they reach an operator with a
//    persistent session with their original (boot, seq). Counted by (device, boot, seq): every alert of
//    the killed boot arrives, no gap, and each is the host int8 executor's for its window. Each keeps
//    its original wall-clock publish time (`wall_ts`, journaled with it: before the kill) and a resend
//    after the reboot carries no `pts` of the new boot (docs/mqtt.md "Publish time").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { startTarget, targets, type Target } from './support/targets.ts';
import { waitFor } from './support/wait.ts';
import { journaledWindow } from './support/journal.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { startRelay, type TcpRelay } from '@dendra/ops/mqtt/relay.ts';
import { flashModelFile } from '@dendra/device/flash/flash.ts';
import { queryBoard } from '@dendra/device/flash/info.ts';
import { forecastForWindow, gridAlerts, gridModelWithLimit } from './windows.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-kill9-'));
const START = 11520;
const boards: Target[] = [];
let broker: BrokerHandle;
let relay: TcpRelay;
let operator: mqtt.MqttClient;
/** Alerts at the operator by device, then `boot/seq` (QoS 1 redeliveries land on the same key). */
const got = new Map<string, Map<string, Record<string, unknown>>>();
/** The last telemetry window at the operator by `device/boot`. */
const lastWindow = new Map<string, number>();
const v1 = gridModelWithLimit(path.join(tmp, 'grid-v1.tflite'), 1);
const v2 = gridModelWithLimit(path.join(tmp, 'grid-v2.tflite'), 2);
const expected = gridAlerts(v1.model, START, 400);
const prefix = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);

before(async () => {
  broker = await startBroker({ port: 0 });
  relay = await startRelay({ host: '127.0.0.1', port: Number(new URL(broker.url).port) });
  // The operator: fixed client id, persistent session, QoS 1, straight to the broker (never cut).
  operator = await mqtt.connectAsync(broker.url, { clientId: 'kill9-ops', clean: false });
  await operator.subscribeAsync(['dendra/v1/k9/+/alert', 'dendra/v1/k9/+/telemetry'], { qos: 1 });
  operator.on('message', (topic, buf) => {
    const device = topic.split('/')[3];
    const m = JSON.parse(buf.toString());
    if (topic.endsWith('/telemetry')) lastWindow.set(`${device}/${m.boot}`, Math.max(m.window, lastWindow.get(`${device}/${m.boot}`) ?? -1));
    else if (!got.get(device)?.has(`${m.boot}/${m.seq}`)) got.set(device, (got.get(device) ?? new Map()).set(`${m.boot}/${m.seq}`, { ...m, rxAt: Date.now() }));
  });
});

after(async () => {
  for (const b of boards) await b.stop();
  await operator?.endAsync();
  await relay?.close();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * Flashes `file` slowly (stop-and-wait, 16-byte plain WRITEs, no resume) and kills the board with -9
 * once it has acknowledged 30% of the image; resolves with the fraction acknowledged at the kill.
 * 30 retries per frame ride out a stalled board (CI's CPU load: 1 retry failed the flash before the
 * kill when the board stalled 1.2 s, as a SIGSTOP showed); the kill itself ends the flash within
 * about 100 ms ("port is closed"), so they cost no time.
 */
async function killMidFlash(board: Target, file: string): Promise<number> {
  let fraction = 0;
  let killed: Promise<void> | undefined;
  const flash = flashModelFile({ port: board.pty, file, windowSize: 1, chunkBytes: 16, compress: false, resumes: 0, timeoutMs: 2000, retries: 30,
    onProgress: (p) => {
      if (killed === undefined && p.bytes >= 0.3 * p.total) {
        fraction = p.bytes / p.total;
        killed = board.kill9();
      }
    } });
  await assert.rejects(flash, 'the transfer breaks when the board dies');
  await killed;
  assert.ok(fraction >= 0.3 && fraction < 0.5, `killed in the middle of the transfer (${(100 * fraction).toFixed(0)}% acknowledged)`);
  return fraction;
}

for (const kind of targets()) {
  test(`${kind}: kill -9 mid model flash keeps the previous model; kill -9 mid alert burst loses no alert (journal)`, { timeout: 240_000 }, async (t) => {
    const device = `b-${kind}`;
    const board = await startTarget(kind, { flash: path.join(tmp, `${kind}.flash`), broker: relay.url, site: 'k9', device, start: START, msPerHour: 60, pack: false });
    boards.push(board);

    await t.test('mid model flash: the previous model boots intact, a re-flash succeeds', async (st) => {
      await flashModelFile({ port: board.pty, file: v1.file });
      const fraction = await killMidFlash(board, v2.file);
      st.diagnostic(`killed with ${(100 * fraction).toFixed(0)}% of the new image acknowledged by the board`);
      await board.restart();
      await board.waitLog(/model loaded/, 10_000);
      const active = (await queryBoard(board.pty)).status.active;
      assert.deepEqual([active?.length, active?.sha256Prefix], [readFileSync(v1.file).length, prefix(v1.file)], 'the board runs the previous model');
      const re = await flashModelFile({ port: board.pty, file: v2.file });
      assert.deepEqual([re.bytes, re.sha256], [readFileSync(v2.file).length, createHash('sha256').update(readFileSync(v2.file)).digest('hex')], 'the re-flash went through');
      await board.waitLog(/model loaded[^]*model loaded/, 10_000); // the board loaded it (checked by hash below: its alerts are v2's)
    });

    await t.test('mid alert burst with the link cut: every alert of the killed boot reaches the operator', async (st) => {
      const mine = () => [...(got.get(device)?.values() ?? [])];
      const earlier = Math.max(0, ...mine().map((a) => a.boot as number));
      await board.restart(); // a fresh replay from window 0 with v2 (v1's weights and limit) loaded at boot
      await waitFor(() => mine().some((a) => (a.boot as number) > earlier), 'the board to publish alerts', 30_000, { intervalMs: 50 });
      const boot = Math.min(...mine().map((a) => a.boot as number).filter((b) => b > earlier));
      const ofBoot = (b: number) => mine().filter((a) => a.boot === b);
      await waitFor(() => ofBoot(boot).length >= 3, 'a burst under way', 30_000, { intervalMs: 50 });
      relay.cut(); // the link goes silent: what the board computes now waits in its journal
      const beforeCut = ofBoot(boot).length;
      // 40 board hours while cut (several more alerts), counted in the board's own progress: the
      // windows of this boot in its journal (read from its flash file), not wall time, which a
      // stalled board (a loaded machine) would not turn into board hours.
      const cutAt = Date.now();
      const cutWindow = Math.max(lastWindow.get(`${device}/${boot}`) ?? -1, ...ofBoot(boot).map((a) => a.window as number));
      await waitFor(() => journaledWindow(board.flashFile, boot) >= cutWindow + 40, `the board to journal window ${cutWindow + 40} of boot ${boot} while cut`, 60_000,
        { intervalMs: 50, detail: () => `journaled to window ${journaledWindow(board.flashFile, boot)}; stderr: ${board.stderr().slice(-800)}` });
      const killAt = Date.now();
      const cutMs = killAt - cutAt;
      await board.kill9();
      relay.restore();
      const restartAt = Date.now();
      await board.restart();
      // The journal goes out oldest first: the killed boot's alerts before the new boot's.
      await waitFor(() => ofBoot(boot + 1).length >= 2, `the new boot ${boot + 1} to publish`, 60_000, { intervalMs: 50, detail: () => board.stderr().slice(-800) });
      await new Promise((r) => setTimeout(r, 500));
      const killed = ofBoot(boot).sort((a, b) => (a.seq as number) - (b.seq as number));
      const seqs = killed.map((a) => a.seq as number);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), `boot ${boot}: seqs 1..n without a gap`);
      assert.ok(killed.length > beforeCut, `alerts computed while the link was cut arrived after the restart (${beforeCut} before the cut, ${killed.length} in all)`);
      // The killed boot's alerts are the host's, in order, from window 0 on, up to at least the last
      // window whose telemetry (journaled after its alert) arrived: none the board computed is missing.
      const last = lastWindow.get(`${device}/${boot}`) ?? -1;
      const want = expected.filter((a) => a.window <= last);
      assert.ok(want.length > beforeCut, `telemetry of the killed boot reached window ${last}`);
      assert.deepEqual(killed.map((a) => ({ window: a.window, state: a.state })), expected.slice(0, Math.max(killed.length, want.length)), 'the host int8 executor\'s alert sequence');
      st.diagnostic(`boot ${boot}: ${beforeCut} alerts before the cut (window ${cutWindow}), ${killed.length} in all; telemetry to window ${last}; the cut lasted ${cutMs} ms`);
      // Wall-clock publish time: every alert carries it; those resent after the reboot keep the one
      // stamped before the kill (journaled), and carry no pts (the killed boot's clock is gone).
      const resent = killed.filter((a) => (a.rxAt as number) >= restartAt);
      assert.ok(resent.length > 0, 'some alerts of the killed boot were resent after the reboot');
      for (const a of killed) assert.ok(typeof a.wall_ts === 'number' && a.wall_ts <= killAt && a.wall_ts > killAt - 600_000, `wall_ts of seq ${a.seq}: ${a.wall_ts} (kill at ${killAt})`);
      for (const a of resent) assert.ok(!('pts' in a), `resent seq ${a.seq} carries no pts of the new boot: ${JSON.stringify(a).slice(0, 200)}`);
      for (const a of ofBoot(boot + 1)) assert.ok(typeof a.pts === 'number' && (a.wall_ts as number) >= restartAt, `the new boot's seq ${a.seq}: pts and a wall_ts after the restart`);
      for (const a of killed) assert.equal(a.model, 'grid@2', 'the re-flashed model runs');
      for (const a of killed) assert.equal(a.raw, forecastForWindow(v2.model, START + (a.window as number)).peakRaw, `int8 peak of window ${a.window}`);
      assert.ok(expected.length > killed.length, 'the expected sequence covers the run');
      assert.equal(await board.stop(), 0, `${kind} stops cleanly: ${board.stderr().slice(-500)}`);
    });
  });
}
