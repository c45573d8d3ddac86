// Command fuzzing against the board's real command handler: the shipped build/firmware.wasm in the
// Node simulator (its real HAL and network stack; the grid model flashed over the pty by the real
// flasher), commands handed to the stack the way the device's MQTT client does (Publisher.onCommand).
// Seeded and reproducible (tests/support/cmdfuzz.ts): DENDRA_CMD_FUZZ_N payloads (10,000 in
// `make test`, 200,000 in `make soak-cmd`), DENDRA_CMD_FUZZ_SEED to replay a failure. For every
// payload: the board does not trap, answers exactly once with a reply that passes reply.schema.json,
// accepts only what the host's own checks call a valid command (JSON, no repeated key, cmd.schema.json),
// accepts every valid ping/status, and never changes its site settings on an ok:false (read back
// with `status`); across the run it keeps publishing telemetry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSim, type SimHandle } from '@dendra/device/sim/sim.ts';
import { flashModelFile } from '@dendra/device/flash/flash.ts';
import type { Publisher } from '@dendra/ops/mqtt/device.ts';
import { parsePayload, commandProblem, type ReplyPayload } from '@dendra/ops/mqtt/schema.ts';
import { DEFAULT_ETT, FIRMWARE_WASM, GRID_MODEL } from '@dendra/core/paths.ts';
import { Rng, nextPayload, type FuzzPayload } from './support/cmdfuzz.ts';

const N = Number(process.env.DENDRA_CMD_FUZZ_N ?? 10_000);
const SEED = Number(process.env.DENDRA_CMD_FUZZ_SEED ?? 20_261_207);
/** Real ms per board hour: telemetry every window, and the ETTh1 replay lasts the whole run. */
const MS_PER_HOUR = N > 50_000 ? 200 : 50;
const HOUR_MS = 3_600_000;
const missing = !existsSync(FIRMWARE_WASM) ? `${FIRMWARE_WASM} is missing (make build)` : !existsSync(DEFAULT_ETT) ? `${DEFAULT_ETT} is missing (scripts/deps.sh)` : null;
if (missing) console.log(`command fuzz skipped: ${missing}`);

const dir = mkdtempSync(path.join(tmpdir(), 'dendra-cmd-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The board, and what it published: replies (bytes) and a telemetry count. */
interface Rig { sim: SimHandle; replies: Uint8Array[]; telemetry: () => number; deliver: (p: Uint8Array) => void }

async function rig(): Promise<Rig> {
  const replies: Uint8Array[] = [];
  let telemetry = 0;
  let deliver: ((p: Uint8Array) => void) | null = null;
  const pub: Publisher = {
    publish: (kind, payload) => {
      if (kind === 'reply') replies.push(payload.slice());
      else if (kind === 'telemetry') telemetry++;
    },
    onCommand: (h) => { deliver = h; },
  };
  const sim = await startSim({ board: 'sim', flashFile: path.join(dir, 'board.flash'), dataCsv: DEFAULT_ETT, msPerHour: MS_PER_HOUR, wasmPath: FIRMWARE_WASM, publisher: pub, log: () => {} });
  await flashModelFile({ port: sim.ptyPath, file: GRID_MODEL });
  assert.ok(deliver, 'the HAL registered for commands');
  return { sim, replies, telemetry: () => telemetry, deliver: deliver! };
}

const show = (p: FuzzPayload) => `${p.kind} ${JSON.stringify(Buffer.from(p.bytes).toString('latin1')).slice(0, 400)}`;

/** Hands one payload to the stack, waits for the tick that takes it, returns the replies it made. */
async function send(r: Rig, bytes: Uint8Array): Promise<Uint8Array[]> {
  const from = r.replies.length;
  const ticks = r.sim.stats().ticks;
  r.deliver(bytes);
  const end = performance.now() + 10_000;
  while (r.sim.stats().ticks <= ticks) {
    if (performance.now() > end) throw new Error('the board did not tick within 10 s of a command');
    await new Promise((res) => setImmediate(res));
  }
  return r.replies.slice(from);
}

/** The one schema-valid reply to `bytes`. */
async function reply(r: Rig, bytes: Uint8Array, what: string): Promise<ReplyPayload> {
  const got = await send(r, bytes);
  assert.equal(got.length, 1, `exactly one reply to ${what}, got ${got.length}`);
  const v = parsePayload('reply', got[0]);
  assert.ok(v.ok, `reply to ${what} fails reply.schema.json: ${v.ok ? '' : v.reason}: ${Buffer.from(got[0]).toString('latin1')}`);
  return v.value;
}

/** The keys of a flat JSON object in order (repeats kept: JSON.parse would hide them). */
const keysOf = (s: string) => [...s.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);

let statusNo = 0;
async function settings(r: Rig): Promise<[number, number]> {
  const s = await reply(r, new TextEncoder().encode(`{"v":1,"id":"chk${statusNo++}","op":"status"}`), 'status');
  assert.equal(s.ok, true);
  return [s.limit_c as number, s.hysteresis_c as number];
}

test(`command fuzz: ${N} seeded payloads (seed ${SEED}) against the real firmware in the simulator`, { timeout: Math.max(120_000, N * 10), skip: missing ?? false }, async () => {
  const r = await rig();
  try {
    const t0 = Date.now();
    while (r.telemetry() === 0) {
      assert.ok(Date.now() - t0 < 30_000, 'telemetry within 30 s of the flash');
      await new Promise((res) => setTimeout(res, 20));
    }
    let expected = await settings(r);
    const rng = new Rng(SEED);
    const kinds = new Map<string, number>();
    const errors = new Map<string, number>();
    let accepted = 0;
    let tel = r.telemetry();
    let telAt = r.sim.stats().simMs;
    const simStart = telAt;
    const telStart = tel;
    const start = performance.now();
    for (let i = 0; i < N; i++) {
      const p = nextPayload(rng);
      const what = `payload ${i} (seed ${SEED}): ${show(p)}`;
      kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
      const rep = await reply(r, p.bytes, what);
      assert.equal(r.sim.stats().traps, 0, `no trap after ${what}`);
      const text = Buffer.from(p.bytes).toString('latin1');
      if (rep.ok) {
        accepted++;
        const obj = JSON.parse(text); // throws (fails) if the board accepted non-JSON
        const keys = keysOf(text);
        assert.equal(new Set(keys).size, keys.length, `accepted with a repeated key: ${what}`);
        assert.equal(commandProblem(obj), null, `accepted against cmd.schema.json: ${what}`);
        assert.deepEqual([rep.id, rep.op], [obj.id, obj.op], what);
        if (rep.op === 'set-limit') expected = [rep.new!.limit_c, rep.new!.hysteresis_c];
      } else {
        errors.set(rep.error!, (errors.get(rep.error!) ?? 0) + 1);
        assert.ok(p.kind !== 'valid' || (p.op === 'set-limit' && rep.status === -27), `a valid command refused (${rep.error}): ${what}`);
        if (text.includes('limit') || i % 250 === 0) assert.deepEqual(await settings(r), expected, `site settings changed by a refused ${what}`);
      }
      // One telemetry record per board hour: over 4 board hours at least 2 (the sim's clock runs
      // slower than msPerHour while commands keep waking the core, so this counts board time).
      if (r.sim.stats().simMs - telAt >= 4 * HOUR_MS) {
        assert.ok(r.telemetry() >= tel + 2, `telemetry stopped (at payload ${i}: ${r.telemetry() - tel} records in ${((r.sim.stats().simMs - telAt) / HOUR_MS).toFixed(1)} board hours)`);
        tel = r.telemetry();
        telAt = r.sim.stats().simMs;
      }
    }
    const secs = (performance.now() - start) / 1000;
    assert.deepEqual(await settings(r), expected);
    const before = r.telemetry();
    const t1 = Date.now();
    while (r.telemetry() < before + 2) {
      assert.ok(Date.now() - t1 < 30_000, 'telemetry goes on after the fuzz');
      await new Promise((res) => setTimeout(res, 10));
    }
    assert.equal(r.sim.stats().traps, 0);
    // Over the whole run too: one record per board hour that passed (2 of slack for the edges).
    const hours = (r.sim.stats().simMs - simStart) / HOUR_MS;
    assert.ok(r.telemetry() - telStart >= Math.floor(hours) - 2, `${r.telemetry() - telStart} telemetry records in ${hours.toFixed(1)} board hours`);
    assert.ok(accepted > N / 10 && errors.size >= 8, `both paths exercised: ${accepted} accepted, reasons ${[...errors.keys()].join(', ')}`);
    console.log(`command fuzz: ${N} payloads in ${secs.toFixed(1)} s (seed ${SEED}), ${accepted} accepted, ${r.telemetry()} telemetry records in ${(r.sim.stats().simMs / HOUR_MS).toFixed(1)} board hours; ` +
      `kinds ${JSON.stringify(Object.fromEntries(kinds))}; refusals ${JSON.stringify(Object.fromEntries(errors))}`);
  } finally {
    await r.sim.stop();
  }
});
