// A reflash during an active alarm clears it in the board's own table (app/alarm.ts alarmEnd, called
// by gridReset / packReset when the model is replaced), on every target (tests/support/targets.ts:
// `dendra sim` and build/dendra-runtime): a real aedes broker, `dendra flash` over the board's pty.
// - overload.warning: a grid model whose limit every forecast crosses raises it at once and keeps it
//   (no forecast ever falls below the limit, so the app would never clear it itself); the shipped
//   grid model replaces it.
// - dendrite.risk: a pack model whose risk threshold every live cell crosses (0.001, no hysteresis)
//   raises it at the first frame and keeps it; a pack model whose threshold no int8 risk reaches
//   (0.999 > 255/256) replaces it.
// The retained `alarm` record must then say the alarm is cleared, with no `cleared` alert (the app
// never cleared it: the reset did). Without alarmEnd the app drops its alert with the model and the
// table keeps the alarm raised forever.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { runCli, ROOT } from './proc.ts';
import { startTarget, targets, type Target, type TargetOptions } from './support/targets.ts';
import { waitFor } from './support/wait.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta, type DendraMeta } from '@dendra/core/tflite/metadata.ts';

type Rec = Record<string, any>;
const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-alarm-reflash-'));
const GRID = path.join(ROOT, 'models', 'grid', 'grid.tflite');
const PACK = path.join(ROOT, 'models', 'pack', 'pack.tflite');
const boards: Target[] = [];
let broker: BrokerHandle;
let watcher: mqtt.MqttClient;
const tables = new Map<string, Rec[]>();
const alerts = new Map<string, Rec[]>();

/** `src` with its Dendra metadata changed by `edit`, written to `file`. */
function withMeta(src: string, file: string, edit: (m: DendraMeta) => void): string {
  const m = readTflite(new Uint8Array(readFileSync(src)));
  const meta = decodeDendraMeta(m.metadata.dendra);
  edit(meta);
  m.metadata.dendra = encodeDendraMeta(meta);
  writeFileSync(file, writeTflite(m));
  return file;
}

before(async () => {
  broker = await startBroker({ port: 0 });
  watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync(['dendra/v1/rf/+/alarm', 'dendra/v1/rf/+/alert'], { qos: 1 });
  watcher.on('message', (topic, buf) => {
    const dev = topic.split('/')[3];
    const m = topic.endsWith('/alarm') ? tables : alerts;
    m.set(dev, [...(m.get(dev) ?? []), JSON.parse(buf.toString()) as Rec]);
  });
});

after(async () => {
  for (const b of boards) await b.stop();
  await watcher?.endAsync();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Each alarm kind: the app that raises it, the model that keeps it raised, the model that replaces it. */
const CASES = [
  {
    kind: 'overload.warning', app: 'grid', pack: false as const,
    // The shipped grid model with a limit of 0 °C: every forecast of the replay is above it.
    keep: () => withMeta(GRID, path.join(tmp, 'grid-over.tflite'), (m) => { m.otLimitC = 0; m.hysteresisC = 0; }),
    replace: () => GRID,
  },
  {
    kind: 'dendrite.risk', app: 'pack', pack: { ccd: 0.7, hours: 1 },
    // Risk threshold 0.001 without hysteresis: a live cell enters at its first nonzero risk and leaves only at 0.
    keep: () => withMeta(PACK, path.join(tmp, 'pack-always.tflite'), (m) => { m.otLimitC = 0.001; m.hysteresisC = 0; }),
    // Threshold 0.999: the output's largest risk is (127 - -128) / 256 = 0.996, so it never raises.
    replace: () => withMeta(PACK, path.join(tmp, 'pack-never.tflite'), (m) => { m.otLimitC = 0.999; m.hysteresisC = 0; }),
  },
];

for (const kind of targets()) {
  for (const c of CASES) {
    test(`${kind}: a reflash of the ${c.app} model during an active ${c.kind} alarm clears it in the board's table`, { timeout: 180_000 }, async () => {
      const device = `r-${c.app}-${kind}`;
      const opts: TargetOptions = { flash: path.join(tmp, `${kind}-${c.app}.flash`), broker: broker.url, site: 'rf', device, start: 11520, msPerHour: 1000, pack: c.pack };
      const board = await startTarget(kind, opts);
      boards.push(board);
      const mine = () => tables.get(device) ?? [];
      const state = (t: Rec | undefined): string | undefined => (t?.alarms as Rec[] | undefined)?.find((e) => e.kind === c.kind)?.state;
      const r1 = await runCli(['flash', '--port', board.pty, c.keep(), '--json'], 60_000);
      assert.equal(r1.code, 0, r1.stderr);
      await waitFor(() => ['raised', 'active'].includes(state(mine().at(-1)) ?? ''), `${c.kind} raised`, 60_000,
        { intervalMs: 100, detail: () => `${JSON.stringify(mine().slice(-2))} ${board.stderr().slice(-400)}` });
      const before = mine().length;
      const r2 = await runCli(['flash', '--port', board.pty, c.replace(), '--json'], 60_000);
      assert.equal(r2.code, 0, r2.stderr);
      const entry = await waitFor(() => mine().slice(before).map((t) => (t.alarms as Rec[]).find((e) => e.kind === c.kind)).find((e) => e?.state === 'cleared'),
        `the table to clear the ${c.kind} alarm the replaced model dropped`, 20_000,
        { intervalMs: 100, detail: () => `states since the reflash: ${mine().slice(before).map(state).join(' ')}; ${board.stderr().slice(-400)}` });
      assert.ok(entry.updated_at >= entry.raised_at && entry.raised_at > 0, `cleared at a wall time after it was raised: ${JSON.stringify(entry)}`);
      const own = (alerts.get(device) ?? []).filter((a) => a.kind === c.kind);
      assert.deepEqual(own.map((a) => a.state), ['raised'], `the app raised once and never cleared it itself (the reset did): ${JSON.stringify(own).slice(0, 400)}`);
      assert.equal(await board.stop(), 0, board.stderr().slice(-500));
      assert.deepEqual(board.proc().leftovers, [], 'the board left nothing running in its process group (the sim its socat)');
    });
  }
}
