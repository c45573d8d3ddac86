// Live input of the native runtime end to end with real parts (docs/runtime-live-input.md): the real
// build/dendra-runtime runs the real build/firmware.wasm with `--live` on a real unix socket, the
// shipped 336-hour grid model is flashed over the board's pty with the real `dendra` CLI, a bridge
// (this test) writes ETTh1 hours to the socket, and the board's telemetry reaches a real broker.
// Checks: no window before the ring holds 336 hours; then one window per new hour, each equal to
// the host int8 executor's forecast of the same ETTh1 rows; a bad record is rejected with one line
// and the connection stays open.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { runCli, startProcess, ROOT, type LiveCli } from './proc.ts';
import { RUNTIME_BIN } from './support/targets.ts';
import { startBroker, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { DEFAULT_ETT } from '@dendra/core/paths.ts';
import { forecastForWindow } from './windows.ts';

const GRID = path.join(ROOT, 'models/grid/grid.tflite');
const START = 11520; // first ETTh1 row of live window 0 (the test split)
const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-live-'));
const procs: LiveCli[] = [];
let broker: BrokerHandle | undefined;

function why(): string | false {
  if (!existsSync(RUNTIME_BIN)) return `${RUNTIME_BIN} is missing (make runtime)`;
  if (!existsSync(DEFAULT_ETT)) return `ETTh1 not found at ${DEFAULT_ETT} (set DENDRA_SHARED)`;
  return false;
}
const skip = why();
if (skip) process.stderr.write(`runtime-live: skipped: ${skip}\n`);

after(async () => {
  for (const p of procs) await p.stop();
  await broker?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The 7 ETT cells of ETTh1 rows [from, to) as the CSV writes them (the bridge forwards the text). */
function hours(from: number, to: number): string[] {
  const lines = readFileSync(DEFAULT_ETT, 'utf8').split('\n').slice(1); // data row r is line r + 1
  return lines.slice(from, to).map((l) => l.trim().split(',').slice(1, 8).join(','));
}

/** Writes one record line to the socket. */
function send(sock: Socket, line: string): Promise<void> {
  return new Promise((res, rej) => sock.write(`${line}\n`, (e) => (e ? rej(e) : res())));
}

async function until(cond: () => boolean, ms: number, what: string, log: () => string): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) if (cond()) return;
  assert.fail(`${what} within ${ms} ms; runtime stderr:\n${log().slice(-1500)}`);
}

test('dendra-runtime --live: a 336-hour model reads live hours (primed ring, then one window per new hour)', { skip, timeout: 180_000 }, async () => {
  const model = readTflite(new Uint8Array(readFileSync(GRID)));
  const L = decodeDendraMeta(model.metadata.dendra).window;
  assert.equal(L, 336, 'the shipped grid model reads 336 hours');
  broker = await startBroker({ port: 0 });
  const tele: { window: number; raw: number }[] = [];
  const watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync('dendra/v1/live/b1/telemetry');
  watcher.on('message', (_t, buf) => tele.push(JSON.parse(buf.toString())));

  const sockPath = path.join(tmp, 'live.sock');
  const rt = startProcess(RUNTIME_BIN, ['--board', 'sim', '--flash', path.join(tmp, 'b.flash'), '--pty', '--live', sockPath,
    '--broker', broker.url, '--site', 'live', '--device', 'b1', '--ms-per-hour', '200', '--json']);
  procs.push(rt);
  const pty = JSON.parse(await rt.waitLine((l) => l.startsWith('{') && l.includes('"pty"'), 30_000)).pty as string;
  const log = () => rt.stderr();
  const fl = await runCli(['flash', '--port', pty, GRID], 120_000);
  assert.equal(fl.code, 0, fl.stderr);
  await until(() => /channel 0 window of 336 h requested, 0 h held: waiting for 336 more/.test(log()), 15_000, 'the board asks for 336 hours', log);

  const sock = connect(sockPath);
  await new Promise<void>((res, rej) => sock.once('connect', res).once('error', rej));
  const rows = hours(START, START + L + 4);
  // Priming in two records: 300 hours are not a window, 36 more are.
  await send(sock, `0,${rows.slice(0, 300).join(',')}`);
  await new Promise((r) => setTimeout(r, 1500)); // 7.5 board hours
  assert.equal(tele.length, 0, 'no window while the ring holds 300 of 336 hours');
  await send(sock, `0,${rows.slice(300, L).join(',')}`);
  await until(() => tele.length === 1, 15_000, 'window 0 after 336 hours', log);
  await new Promise((r) => setTimeout(r, 1000)); // 5 board hours, no new hour
  assert.equal(tele.length, 1, 'no second window without a new hour');

  await send(sock, '0,1,2,3,4,5,6,7,8'); // 8 values: not whole hours
  await until(() => /live input: record 3 rejected: channel 0 needs 7 values per hour, 1 to 512 hours \(7 to 3584 values\), got 8\n/.test(log()), 15_000, 'the bad record rejected in one line', log);
  for (let k = 1; k <= 4; k++) {
    await send(sock, `0,${rows[L + k - 1]}`); // one hour per record, on the same connection
    await until(() => tele.length === k + 1, 15_000, `window ${k} after hour ${L + k}`, log);
  }
  assert.deepEqual(tele.map((t) => t.window), [0, 1, 2, 3, 4]);
  for (const t of tele) assert.equal(t.raw, forecastForWindow(model, START + t.window).peakRaw, `window ${t.window} = ETTh1 rows [${START + t.window}, ${START + t.window + L})`);
  assert.doesNotMatch(log(), /E_DMA|dma error/i);
  sock.end();
  await watcher.endAsync();
  await rt.stop();
  assert.equal(rt.child.exitCode, 0, `the runtime stops cleanly: ${log().slice(-500)}`);
  assert.equal(existsSync(sockPath), false, 'the socket file is removed at exit');
});
