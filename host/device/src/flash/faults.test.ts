// Fault suite: seeded randomized flashes over the real path (serialport <-> socat pty <-> sim UART
// HAL <-> the real app firmware: main.ts, app/slot.ts, boot/*, with the stub interpreter), with
// line faults (drops and bit flips, up to 1% each per byte) and a disconnect or a power cut at a
// random point of a random phase, flashed with the CLI's defaults (flash.ts FLASH_DEFAULTS: no
// tuned chunk, retries or timeout). Line faults are a rate p of drops plus p of bit flips per
// byte, p in {0.1%, 0.5%, 1%} (issue 20's goals), the same number of runs per rate. Every run
// must end with the slot holding exactly the old or the new image (never anything else, every
// committed bank intact), a board that still ticks, and a clean resume/reflash that lands the new
// image; a run without a disconnect must flash under the faults. Then as many A/B firmware runs
// (fwfaultrun.ts): faults in every phase of a firmware flash and switch, including the slot erase,
// ACTIVATE, the RESET into the test boot and the confirm, plus firmwares that fail their self-test;
// every run must end on the old or the new firmware, verified by hash, with rollback when the test
// boot does not confirm. DENDRA_SOAK_RUNS sets the number of runs per rate and of firmware runs
// (`make soak` runs 200); without it CI runs a short seeded set: 2 model runs per rate and 2
// firmware runs, each bounded in time. DENDRA_FAULT_SEED sets the base seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { startSim, type SimHandle } from '../sim/sim.ts';
import { buildAppFirmwareWithStubInterpreter, stubModel } from '../../test/testfw.ts';
import { loadBoard } from '../boards/board.ts';
import { flashModelFile, openPort, closePort, serialTransport, type FlashResult } from './flash.ts';
import { BootClient, FlashError } from './loader.ts';
import { readSlotImage } from '../image/slotimage.ts';
import { buildFirmwareVariants, firmwareFaultRun, fwTally, type FwFaultContext } from '../../test/fwfaultrun.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const SOAK = process.env.DENDRA_SOAK_RUNS === undefined ? null : Math.max(1, Number(process.env.DENDRA_SOAK_RUNS) | 0);
/** Per-byte drop rate = flip rate of each run group (issue 20: "p drops plus p flips"). */
const RATES = [0.001, 0.005, 0.01];
const RUNS = SOAK ?? 2;
const FW_RUNS = SOAK ?? 2;
const BASE_SEED = Number(process.env.DENDRA_FAULT_SEED ?? 0x5eed) | 0;
const region = loadBoard('sim').flash.regions.model;

let dir = '';
let wasm = '';
let csv = '';
let fwCtx: FwFaultContext | null = null;
const tally = { runs: 0, completedUnderFaults: 0, resumedMidImage: 0, powerCuts: 0, disconnects: 0, bricked: 0, corrupted: 0,
  /** Per rate: runs without a disconnect, and how many of them flashed under the faults. */
  byRate: Object.fromEntries(RATES.map((r) => [r, { runs: 0, flashed: 0 }])) as Record<string, { runs: number; flashed: number }> };

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A stub-interpreter model (TFL3 + Dendra metadata) padded with seeded bytes to `size`. */
function image(rand: () => number, size: number, limitC: number): Uint8Array {
  const head = stubModel(0, 1, limitC);
  const out = new Uint8Array(Math.max(size, head.length));
  for (let i = head.length; i < out.length; i++) out[i] = Math.floor(rand() * 256);
  out.set(head, 0);
  return out;
}

type Fault = { kind: 'none' } | { kind: 'disconnect'; afterBytes: number } | { kind: 'power'; flashOps?: number; halCalls?: number; phase: string };

/** Picks the run's interruption: none, a disconnect after some bytes, or a power cut in a phase. */
function pickFault(rand: () => number, chunks: number, bytes: number): Fault {
  const r = rand();
  if (r < 0.2) return { kind: 'none' };
  if (r < 0.55) return { kind: 'disconnect', afterBytes: Math.floor(rand() * bytes * 1.3) };
  const phase = ['begin', 'write', 'finish', 'any'][Math.floor(rand() * 4)];
  if (phase === 'begin') return { kind: 'power', phase, flashOps: 1 };
  if (phase === 'write') return { kind: 'power', phase, flashOps: 2 + Math.floor(rand() * chunks) };
  if (phase === 'finish') return { kind: 'power', phase, flashOps: chunks + 2 + Math.floor(rand() * 4) };
  return { kind: 'power', phase, halCalls: 1 + Math.floor(rand() * 4000) };
}

/** Board query: HELLO + STATUS on a fresh connection. */
async function query(s: SimHandle) {
  const port = await openPort(s.ptyPath);
  const c = new BootClient(serialTransport(port), { timeoutMs: 300, retries: 5 });
  try {
    return { hello: await c.hello(), status: await c.slotStatus() };
  } finally {
    c.close();
    await closePort(port);
  }
}

/** Waits for `n` more fw_ticks (the board is alive and its main loop runs). */
async function ticks(s: SimHandle, n: number): Promise<boolean> {
  const from = s.stats().ticks;
  for (let i = 0; i < 500 && s.stats().ticks < from + n; i++) await new Promise((r) => setTimeout(r, 10));
  return s.stats().ticks >= from + n && s.stats().lastTick >= 0;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-faults-'));
  wasm = buildAppFirmwareWithStubInterpreter(dir);
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < 200; i++) rows.push(`2016-07-01 00:00:00,${i % 9},1,2,3,4,5,${30 + (i % 17) / 10}`);
  csv = join(dir, 'ett.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  fwCtx = buildFirmwareVariants(dir, csv, wasm);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`# fault suite: ${JSON.stringify(tally)}\n`);
  process.stdout.write(`# firmware fault suite: ${JSON.stringify(fwTally)}\n`);
});

for (let run = 0; run < RUNS * RATES.length; run++) {
  const seed = (BASE_SEED + run * 7919) >>> 0;
  const rate = RATES[run % RATES.length];
  test(`fault run ${run} (seed ${seed}, ${rate * 100}% drops + ${rate * 100}% flips)`, { timeout: 300_000 }, async (t) => {
    const rand = mulberry32(seed);
    const oldImg = image(rand, 600 + Math.floor(rand() * 2500), 80);
    const newImg = image(rand, 600 + Math.floor(rand() * 3500), 75);
    const line = { seed, dropRate: rate, flipRate: rate };
    const chunks = Math.ceil(newImg.length / 64);
    const fault = pickFault(rand, chunks, newImg.length + chunks * 30);
    const oldFile = join(dir, `old-${run}.tflite`);
    const newFile = join(dir, `new-${run}.tflite`);
    writeFileSync(oldFile, oldImg);
    writeFileSync(newFile, newImg);
    const flashFile = join(dir, `flash-${run}.bin`);
    const logs: string[] = [];
    const s = await startSim({ board: 'sim', flashFile, dataCsv: csv, start: 0, msPerHour: 1000, wasmPath: wasm, lineFaults: line, log: (_l, m) => logs.push(m) });
    const lines: string[] = [];
    let outcome = '';
    try {
      s.line!.enabled = false;
      await flashModelFile({ port: s.ptyPath, file: oldFile }); // the known-good starting point
      s.line!.enabled = true;
      if (fault.kind === 'disconnect') s.line!.disconnectAfter(fault.afterBytes);
      if (fault.kind === 'power') s.powerCutAfter(fault.flashOps !== undefined ? { flashOps: fault.flashOps } : { halCalls: fault.halCalls! });
      let res: FlashResult | null = null;
      try {
        // The CLI's defaults; a pulled cable stays pulled, so that run is not resumed.
        res = await flashModelFile({ port: s.ptyPath, file: newFile, resumes: fault.kind === 'disconnect' ? 0 : undefined, log: (l) => lines.push(l) });
        outcome = `flashed (${res.retries} resends, ${res.resumes} resumes)`;
        tally.completedUnderFaults++;
      } catch (e) {
        assert.ok(e instanceof FlashError, `only typed errors: ${String(e)}`);
        outcome = `interrupted: ${e.code}`;
      }
      if (fault.kind !== 'disconnect') {
        tally.byRate[rate].runs++;
        if (res) tally.byRate[rate].flashed++;
        assert.ok(res, `with the defaults, a flash at ${rate * 100}% drops + flips (and power cuts) must succeed: ${outcome}; ${lines.slice(-3).join('; ')}`);
      }
      // 1. Right after the faulted attempt: exactly the old or the new image, every committed bank intact.
      const mid = readSlotImage(readFileSync(flashFile), region);
      const midSha = sha(mid.image);
      if (!(midSha === sha(oldImg) || midSha === sha(newImg))) tally.corrupted++;
      assert.ok(midSha === sha(oldImg) || midSha === sha(newImg), `slot holds neither image (${outcome})`);
      for (const b of mid.banks) assert.ok(!b.committed || b.intact, `bank ${b.index} committed but corrupted`);
      if (res) assert.equal(midSha, sha(newImg), 'a successful flash left the new image');
      // 2. Faults off: resume (continues where the board stopped, or notices the image is already there).
      s.line!.reconnect();
      s.line!.enabled = false;
      s.hal.armPowerCut(null);
      const fix = await flashModelFile({ port: s.ptyPath, file: newFile, resume: true, log: (l) => lines.push(l) });
      if (fix.startedAt.some((o) => o > 0)) tally.resumedMidImage++;
      // 3. The board answers, reports the new image as its newest bank, and its main loop runs.
      const q = await query(s);
      assert.equal(q.status.active?.sha256Prefix, sha(newImg).slice(0, 16));
      assert.equal(q.status.active?.length, newImg.length);
      const alive = await ticks(s, 3);
      if (!alive) tally.bricked++;
      assert.ok(alive, 'fw_tick keeps running');
      assert.ok(!logs.some((l) => /refused|halted/.test(l)), `board refused a stored model: ${logs.join('; ')}`);
      tally.powerCuts += s.stats().powerCuts;
      if (fault.kind === 'disconnect' && s.line!.stats.silenced > 0) tally.disconnects++;
    } finally {
      await s.stop();
    }
    const end = readSlotImage(readFileSync(flashFile), region);
    assert.equal(sha(end.image), sha(newImg), 'the new image is the board\'s model');
    tally.runs++;
    t.diagnostic(`${rate * 100}% drops + flips, ${JSON.stringify(fault)}: ${outcome}; ${lines.length} log lines`);
  });
}

for (let run = 0; run < FW_RUNS; run++) {
  const seed = (BASE_SEED + 0x4649 + run * 104729) >>> 0;
  test(`firmware fault run ${run} (seed ${seed})`, { timeout: 300_000 }, async (t) => {
    t.diagnostic(await firmwareFaultRun(fwCtx!, run, seed));
  });
}
