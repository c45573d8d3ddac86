// A reflash during an active alarm clears it in the board's own table (app/alarm.ts alarmEnd, called
// by gridReset when the model is replaced), on every target (tests/support/targets.ts: `dendra sim`
// and build/dendra-runtime): a real aedes broker, `dendra flash` over the board's pty. A grid model
// whose limit every forecast crosses raises overload.warning at once and keeps it (no forecast ever
// falls below the limit, so the app would never clear it itself); the shipped grid model replaces
// it, and the retained `alarm` record must then say the alarm is cleared. Without alarmEnd the app
// drops its alert with the model and the table keeps the alarm raised forever.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { runCli, ROOT } from './proc.ts';
import { startTarget, targets, type Target } from './support/targets.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';

type Rec = Record<string, any>;
const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-alarm-reflash-'));
const GRID = path.join(ROOT, 'models', 'grid', 'grid.tflite');
const boards: Target[] = [];
let broker: BrokerHandle;
let watcher: mqtt.MqttClient;
const tables = new Map<string, Rec[]>();

/** The shipped grid model with a limit of 0 °C: every forecast of the replay is above it. */
function alwaysOver(file: string): string {
  const m = readTflite(new Uint8Array(readFileSync(GRID)));
  const meta = decodeDendraMeta(m.metadata.dendra);
  meta.otLimitC = 0;
  meta.hysteresisC = 0;
  m.metadata.dendra = encodeDendraMeta(meta);
  writeFileSync(file, writeTflite(m));
  return file;
}

before(async () => {
  broker = await startBroker({ port: 0 });
  watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync('dendra/v1/rf/+/alarm', { qos: 1 });
  watcher.on('message', (topic, buf) => {
    const dev = topic.split('/')[3];
    tables.set(dev, [...(tables.get(dev) ?? []), JSON.parse(buf.toString()) as Rec]);
  });
});

after(async () => {
  for (const b of boards) await b.stop();
  await watcher?.endAsync();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (cond()) return true;
  return cond();
}

const overload = (t: Rec): string | undefined => (t.alarms as Rec[]).find((e) => e.kind === 'overload.warning')?.state;

for (const kind of targets()) {
  test(`${kind}: a reflash during an active overload alarm clears it in the board's table`, { timeout: 180_000 }, async () => {
    const device = `r-${kind}`;
    const board = await startTarget(kind, { flash: path.join(tmp, `${kind}.flash`), broker: broker.url, site: 'rf', device, start: 11520,
      msPerHour: 1000, pack: false });
    boards.push(board);
    const mine = () => tables.get(device) ?? [];
    const over = alwaysOver(path.join(tmp, 'grid-over.tflite'));
    const r1 = await runCli(['flash', '--port', board.pty, over, '--json'], 60_000);
    assert.equal(r1.code, 0, r1.stderr);
    const raised = await waitFor(() => ['raised', 'active'].includes(overload(mine().at(-1) ?? { alarms: [] }) ?? ''), 60_000);
    assert.ok(raised, `overload.warning raised: ${JSON.stringify(mine().slice(-2))} ${board.stderr().slice(-400)}`);
    const before = mine().length;
    const r2 = await runCli(['flash', '--port', board.pty, GRID, '--json'], 60_000);
    assert.equal(r2.code, 0, r2.stderr);
    const cleared = await waitFor(() => mine().slice(before).some((t) => overload(t) === 'cleared'), 20_000);
    assert.ok(cleared, `the table clears the alarm the replaced model dropped: ${mine().slice(before).map((t) => overload(t)).join(' ')}`);
    const entry = (mine().slice(before).find((t) => overload(t) === 'cleared')!.alarms as Rec[]).find((e) => e.kind === 'overload.warning')!;
    assert.ok(entry.updated_at >= entry.raised_at && entry.raised_at > 0, `cleared at a wall time after it was raised: ${JSON.stringify(entry)}`);
    assert.equal(await board.stop(), 0, board.stderr().slice(-500));
  });
}
