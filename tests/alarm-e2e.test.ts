// The board's own alarm table (issue 17 "Alert hygiene"), end to end with real parts on every target
// (tests/support/targets.ts: `dendra sim` and build/dendra-runtime): a real aedes broker, the
// dashboard's keeper (host/ops/src/dashboard/keeper.ts) beside it, and `dendra flash` over the
// board's pty (the pack model into slot 2, a grid model with a replay-crossing limit into slot 0);
// `dendra info` (queryBoard) then names both model slots (issue 17 "Consistency").
// Asserts: each alert kind is raised once and cleared (no second raise without a clear between),
// never before its minimum hold; the retained `alarm` record comes from the board (source "device",
// valid against docs/schemas/alarm.schema.json), is raised, updated while active (`raises` counts)
// and cleared, carries each kind's one lead field, and a late subscriber gets it; the keeper never
// derives a table of its own for this board. The holds of the host mirrors equal the firmware's.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { runCli, ROOT } from './proc.ts';
import { startTarget, targets, type Target } from './support/targets.ts';
import { waitFor } from './support/wait.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { parsePayload } from '@dendra/ops/mqtt/schema.ts';
import { queryBoard, formatBoardInfo } from '@dendra/device/flash/info.ts';
import { startKeeper, type Keeper } from '@dendra/ops/dashboard/keeper.ts';
import { PACK_ALARM_HOLD } from '@dendra/models/pack/board.ts';
import { GRID_ALARM_HOLD, gridModelWithLimit } from './windows.ts';

type Rec = Record<string, any>;
const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-alarm-e2e-'));
const boards: Target[] = [];
let broker: BrokerHandle;
let keeper: Keeper;
let watcher: mqtt.MqttClient;
const alerts = new Map<string, Rec[]>();
const alarms = new Map<string, Rec[]>();
const push = (m: Map<string, Rec[]>, k: string, v: Rec) => m.set(k, [...(m.get(k) ?? []), v]);
const grid = gridModelWithLimit(path.join(tmp, 'grid-limit.tflite'));

before(async () => {
  broker = await startBroker({ port: 0 });
  keeper = startKeeper({ url: broker.url, historyFile: null, warn: () => {} });
  watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync(['dendra/v1/al/+/alert', 'dendra/v1/al/+/alarm'], { qos: 1 });
  watcher.on('message', (topic, buf) => {
    const dev = topic.split('/')[3];
    if (topic.endsWith('/alarm')) {
      const p = parsePayload('alarm', buf);
      push(alarms, dev, p.ok ? (p.value as Rec) : { invalid: p.reason, raw: buf.toString() });
    } else push(alerts, dev, JSON.parse(buf.toString()));
  });
});

after(async () => {
  for (const b of boards) await b.stop();
  await keeper?.close();
  await watcher?.endAsync();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The alerts of one kind alternate raised, cleared, raised...; each clear at least `hold` windows after its raise. */
function assertRaisedOnce(list: Rec[], kind: string, hold: number): void {
  const seq = list.filter((a) => a.kind === kind).sort((a, b) => a.seq - b.seq);
  seq.forEach((a, i) => {
    assert.equal(a.state, i % 2 === 0 ? 'raised' : 'cleared', `${kind} #${i} (window ${a.window}): ${seq.map((x) => `${x.window}:${x.state}`).join(' ')}`);
    if (a.state === 'cleared') assert.ok(a.window - seq[i - 1].window >= hold, `${kind} cleared at ${a.window}, raised at ${seq[i - 1].window}: hold ${hold}`);
  });
}

test('the host mirrors hold alarms as long as the firmware (app/alarm.ts)', () => {
  const src = readFileSync(path.join(ROOT, 'firmware/assembly/app/alarm.ts'), 'utf8');
  assert.equal(Number(/ALARM_HOLD_OVERLOAD: i64 = (\d+)/.exec(src)?.[1]), GRID_ALARM_HOLD);
  assert.equal(Number(/ALARM_HOLD_DENDRITE: i64 = (\d+)/.exec(src)?.[1]), PACK_ALARM_HOLD);
});

for (const kind of targets()) {
  test(`${kind}: the board keeps a retained alarm per kind: raised once, updated while active, cleared after its hold`, { timeout: 240_000 }, async () => {
    const device = `a-${kind}`;
    const board = await startTarget(kind, { flash: path.join(tmp, `${kind}.flash`), broker: broker.url, site: 'al', device, start: 11520,
      msPerHour: 100, pack: { ccd: 0.7, hours: 10 } }); // the shipped model: raised at frame 32, cleared at 36, raised at 43, updated at 55
    boards.push(board);
    const packFile = path.join(ROOT, 'models', 'pack', 'pack.tflite');
    for (const f of [packFile, grid.file]) {
      const r = await runCli(['flash', '--port', board.pty, f, '--json'], 60_000);
      assert.equal(r.code, 0, r.stderr);
    }
    // `dendra info` names both model slots: the board's STATUS answers for the slot asked.
    const info = await queryBoard(board.pty);
    assert.deepEqual([info.slots?.grid.active?.length, info.slots?.pack.active?.length], [statSync(grid.file).size, statSync(packFile).size],
      `both slots: ${formatBoardInfo(info).join(' | ')}`);
    assert.ok(formatBoardInfo(info).some((l) => l.startsWith('pack slot bank')), formatBoardInfo(info).join('\n'));
    const mine = () => alerts.get(device) ?? [];
    const tables = () => alarms.get(device) ?? [];
    const entry = (t: Rec, k: string) => (t.alarms as Rec[] | undefined)?.find((e) => e.kind === k);
    // On this replay the pack model raises, sees a cell enter again while the alarm is active (an
    // update of the table, no new alert), and clears once no cell is in the alert and the hold passed.
    const cleared = (k: string) => mine().some((a) => a.kind === k && a.state === 'cleared');
    await waitFor(() => tables().some((t) => entry(t, 'dendrite.risk')?.state === 'active') && cleared('dendrite.risk') && cleared('overload.warning'),
      'an active (updated) dendrite.risk alarm, and both kinds cleared', 180_000,
      { intervalMs: 100, detail: () => `${JSON.stringify(tables().slice(-2)).slice(0, 600)} ${board.stderr().slice(-400)}` });
    const got = mine();
    assertRaisedOnce(got, 'dendrite.risk', PACK_ALARM_HOLD);
    assertRaisedOnce(got, 'overload.warning', GRID_ALARM_HOLD);
    for (const k of ['dendrite.risk', 'overload.warning']) {
      assert.ok(got.some((a) => a.kind === k && a.state === "cleared"), `a cleared ${k} alert: ${got.filter((a) => a.kind === k).map((a) => `${a.window}:${a.state}`).join(" ")}`);
    }

    for (const t of tables()) {
      assert.equal(t.invalid, undefined, `alarm record valid against the schema: ${t.invalid} ${t.raw}`);
      assert.equal(t.source, 'device');
      for (const e of t.alarms as Rec[]) {
        const [lead, other] = e.kind === 'overload.warning' ? ['lead_h', 'lead_cycles'] : ['lead_cycles', 'lead_h'];
        assert.ok(Number.isInteger(e[lead]) && !(other in e), `${e.kind}: one lead field ${lead}`);
        assert.ok(e.raised_at > 0 && e.updated_at >= e.raised_at, 'wall-clock raised_at and updated_at');
      }
    }
    const active = tables().map((t) => entry(t, 'dendrite.risk')).find((e) => e?.state === 'active')!;
    assert.ok(active.raises >= 2 && active.peak >= active.threshold, `updated, not raised again: ${JSON.stringify(active)}`);
    const states = tables().map((t) => entry(t, 'overload.warning')?.state).filter(Boolean);
    assert.ok(states.includes('raised') && states.includes('cleared'), `overload.warning raised then cleared in the table: ${states.join(' ')}`);

    // The table precedes its alert: each raised alert's wall time is at or after its alarm's raised_at.
    for (const a of got.filter((x) => x.state === 'raised')) {
      const t = tables().find((x) => entry(x, a.kind)?.raised_at <= a.wall_ts && entry(x, a.kind)?.raised_at >= a.wall_ts - 5000);
      assert.ok(t, `an alarm record for the ${a.kind} raised at ${a.wall_ts}`);
    }

    // A late subscriber gets the board's table at once (retained); the keeper derived none.
    const late = await mqtt.connectAsync(broker.url);
    try {
      const first = new Promise<Rec>((resolve) => late.on('message', (_t, b) => resolve(JSON.parse(b.toString()))));
      await late.subscribeAsync(`dendra/v1/al/${device}/alarm`, { qos: 1 });
      const rec = await Promise.race([first, new Promise<Rec>((_, rej) => setTimeout(() => rej(new Error('no retained alarm')), 5000))]);
      assert.equal(rec.source, 'device');
    } finally {
      await late.endAsync();
    }
    assert.ok(!tables().some((t) => t.source === 'bridge'), 'the keeper never published a table for a board that keeps its own');
    assert.equal(await board.stop(), 0, board.stderr().slice(-500));
  });
}
