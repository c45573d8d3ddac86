/**
 * Test support for the model fault runs of faults.test.ts and of the soak (bench/soak.ts), not a
 * test itself. One seeded run: a board holding an old model gets a new one over a line with drops
 * and bit flips at rate p each per byte, with a disconnect or a power cut at a random point of a
 * random phase, flashed with the CLI's defaults (flash.ts FLASH_DEFAULTS: no tuned chunk, retries
 * or timeout). The run then checks, from the flash file itself (not from what the flasher says),
 * that the slot holds exactly the old or the new image with every committed bank intact, resumes
 * with the faults off, and finally cold-boots a fresh board from the same flash file: it must tick
 * and report the new image as its model. The verdict is filled into a {@link RunRecord} before each
 * check throws, so a soak can count bricked and corrupt boards even when a check fails.
 */
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startSim, type SimHandle } from '../src/sim/sim.ts';
import { stubModel } from './testfw.ts';
import { loadBoard, type Board } from '../src/boards/board.ts';
import { flashModelFile, openPort, closePort, serialTransport, type FlashResult } from '../src/flash/flash.ts';
import { BootClient, FlashError } from '../src/flash/loader.ts';
import { readSlotImage } from '../src/image/slotimage.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What one fault run (model or firmware) ended with; filled as the run goes. */
export interface RunRecord {
  /** The faulted flash reported success (the new image landed under the faults). */
  flashed: boolean;
  /** Automatic resumes the faulted flash used. */
  resumes: number;
  /** The clean `--resume` afterwards continued an interrupted transfer from an offset > 0. */
  resumedMidImage: boolean;
  /** The board did not boot a valid image afterwards (no ticks, refused its model, cold boot failed). */
  bricked: boolean;
  /** Stored bytes differ from both images, or a committed bank/slot fails its hash. */
  corrupt: boolean;
  /** What the faulted flash ended with ("flashed ..." or "interrupted: E_..."). */
  outcome: string;
  /** The run's interruption (disconnect, power cut in a phase, none). */
  fault: string;
  /** Wall time of the faulted flash, ms. */
  flashMs: number;
}

/** A fresh record (nothing happened yet). */
export function newRecord(): RunRecord {
  return { flashed: false, resumes: 0, resumedMidImage: false, bricked: false, corrupt: false, outcome: '', fault: '', flashMs: 0 };
}

/** What the model runs share: a work dir, the ETT CSV, the firmware, and the wire. */
export interface ModelFaultContext {
  dir: string;
  csv: string;
  /** App firmware with the stub interpreter (buildAppFirmwareWithStubInterpreter). */
  wasm: string;
  /** Pace the sim's UART at `baud` (8N1) and tell the flasher the line's baud; 0 or absent: an unpaced pty. */
  baud?: number;
}

/** The sim board of a context: the 'sim' board at the context's baud. */
export function ctxBoard(baud: number | undefined): Board {
  const b = loadBoard('sim');
  return baud ? { ...b, uart: { ...b.uart, defaultBaud: baud } } : b;
}

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
export async function ticks(s: SimHandle, n: number): Promise<boolean> {
  const from = s.stats().ticks;
  for (let i = 0; i < 500 && s.stats().ticks < from + n; i++) await new Promise((r) => setTimeout(r, 10));
  return s.stats().ticks >= from + n && s.stats().lastTick >= 0;
}

/** Tally of the model runs (faults.test.ts prints it). */
export const modelTally = { runs: 0, completedUnderFaults: 0, resumedMidImage: 0, powerCuts: 0, disconnects: 0, bricked: 0, corrupted: 0,
  /** Per rate: runs without a disconnect, and how many of them flashed under the faults. */
  byRate: {} as Record<string, { runs: number; flashed: number }> };

/**
 * A fresh board on `flashFile` (a cold boot, no faults) must tick and report `newImg` as its
 * model; sets `rec.bricked` otherwise. Throws an AssertionError naming what failed.
 */
async function coldBoot(ctx: ModelFaultContext, flashFile: string, newImg: Uint8Array, rec: RunRecord): Promise<void> {
  const logs: string[] = [];
  const s = await startSim({ board: ctxBoard(ctx.baud), flashFile, dataCsv: ctx.csv, start: 0, msPerHour: 1000, wasmPath: ctx.wasm, pace: !!ctx.baud,
    log: (_l, m) => logs.push(m) });
  try {
    const up = await ticks(s, 3);
    const q = up ? await query(s) : null;
    const ok = up && q!.status.active?.sha256Prefix === sha(newImg).slice(0, 16) && !logs.some((l) => /refused|halted/.test(l));
    if (!ok) rec.bricked = true;
    assert.ok(ok, `cold boot: ${up ? 'ticks' : 'no ticks'}, model ${q?.status.active?.sha256Prefix ?? 'none'}; ${logs.slice(-3).join('; ')}`);
  } finally {
    await s.stop();
  }
}

/**
 * The faulted flash with the CLI's defaults; a pulled cable stays pulled (`pulled`: no resume).
 * Fills `rec` (outcome, flashed, resumes, time); returns the result, or null when it was
 * interrupted. Throws an AssertionError for an untyped error.
 */
async function faultedFlash(s: SimHandle, file: string, lineBaud: number | undefined, pulled: boolean, rec: RunRecord, lines: string[]): Promise<FlashResult | null> {
  const t0 = Date.now();
  try {
    const res = await flashModelFile({ port: s.ptyPath, file, lineBaud, resumes: pulled ? 0 : undefined, log: (l) => lines.push(l) });
    rec.outcome = `flashed (${res.retries} resends, ${res.resumes} resumes)`;
    rec.flashed = true;
    rec.resumes = res.resumes;
    modelTally.completedUnderFaults++;
    return res;
  } catch (e) {
    assert.ok(e instanceof FlashError, `only typed errors: ${String(e)}`);
    rec.outcome = `interrupted: ${e.code}`;
    return null;
  } finally {
    rec.flashMs = Date.now() - t0;
  }
}

/**
 * One seeded model fault run at drop = flip = `rate` per byte; fills `rec` and `modelTally`.
 * Returns a line for diagnostics. Throws an AssertionError for a run that breaks a guarantee (a
 * failed flash without a disconnect, a slot holding neither image, a dead board, ...).
 */
export async function modelFaultRun(ctx: ModelFaultContext, run: number, seed: number, rate: number, rec: RunRecord = newRecord()): Promise<string> {
  try {
    return await modelRun(ctx, run, seed, rate, rec);
  } finally {
    if (rec.bricked) modelTally.bricked++;
    if (rec.corrupt) modelTally.corrupted++;
  }
}

async function modelRun(ctx: ModelFaultContext, run: number, seed: number, rate: number, rec: RunRecord): Promise<string> {
  const rand = mulberry32(seed);
  const oldImg = image(rand, 600 + Math.floor(rand() * 2500), 80);
  const newImg = image(rand, 600 + Math.floor(rand() * 3500), 75);
  const chunks = Math.ceil(newImg.length / 64);
  const fault = pickFault(rand, chunks, newImg.length + chunks * 30);
  rec.fault = fault.kind === 'power' ? `power cut (${fault.phase})` : fault.kind;
  const oldFile = join(ctx.dir, `old-${run}.tflite`);
  const newFile = join(ctx.dir, `new-${run}.tflite`);
  writeFileSync(oldFile, oldImg);
  writeFileSync(newFile, newImg);
  const flashFile = join(ctx.dir, `flash-${run}.bin`);
  const region = loadBoard('sim').flash.regions.model;
  const by = (modelTally.byRate[rate] ??= { runs: 0, flashed: 0 });
  const logs: string[] = [];
  const lineBaud = ctx.baud || undefined;
  const s = await startSim({ board: ctxBoard(ctx.baud), flashFile, dataCsv: ctx.csv, start: 0, msPerHour: 1000, wasmPath: ctx.wasm, pace: !!ctx.baud,
    lineFaults: { seed, dropRate: rate, flipRate: rate }, log: (_l, m) => logs.push(m) });
  const lines: string[] = [];
  try {
    s.line!.enabled = false;
    await flashModelFile({ port: s.ptyPath, file: oldFile, lineBaud }); // the known-good starting point
    s.line!.enabled = true;
    if (fault.kind === 'disconnect') s.line!.disconnectAfter(fault.afterBytes);
    if (fault.kind === 'power') s.powerCutAfter(fault.flashOps !== undefined ? { flashOps: fault.flashOps } : { halCalls: fault.halCalls! });
    const res = await faultedFlash(s, newFile, lineBaud, fault.kind === 'disconnect', rec, lines);
    if (fault.kind !== 'disconnect') {
      by.runs++;
      if (res) by.flashed++;
      assert.ok(res, `with the defaults, a flash at ${rate * 100}% drops + flips (and power cuts) must succeed: ${rec.outcome}; ${lines.slice(-3).join('; ')}`);
    }
    // 1. Right after the faulted attempt: exactly the old or the new image, every committed bank intact.
    const mid = readSlotImage(readFileSync(flashFile), region);
    const midSha = sha(mid.image);
    const banksOk = mid.banks.every((b) => !b.committed || b.intact);
    if (!(midSha === sha(oldImg) || midSha === sha(newImg)) || !banksOk || (res && midSha !== sha(newImg))) rec.corrupt = true;
    assert.ok(midSha === sha(oldImg) || midSha === sha(newImg), `slot holds neither image (${rec.outcome})`);
    assert.ok(banksOk, 'a committed bank is corrupted');
    if (res) assert.equal(midSha, sha(newImg), 'a successful flash left the new image');
    // 2. Faults off: resume (continues where the board stopped, or notices the image is already there).
    s.line!.reconnect();
    s.line!.enabled = false;
    s.hal.armPowerCut(null);
    const fix = await flashModelFile({ port: s.ptyPath, file: newFile, lineBaud, resume: true, log: (l) => lines.push(l) });
    if (fix.startedAt.some((o) => o > 0)) {
      rec.resumedMidImage = true;
      modelTally.resumedMidImage++;
    }
    // 3. The board answers, reports the new image as its newest bank, and its main loop runs.
    const q = await query(s);
    assert.equal(q.status.active?.sha256Prefix, sha(newImg).slice(0, 16));
    assert.equal(q.status.active?.length, newImg.length);
    const alive = await ticks(s, 3);
    if (!alive || logs.some((l) => /refused|halted/.test(l))) rec.bricked = true;
    assert.ok(alive, 'fw_tick keeps running');
    assert.ok(!logs.some((l) => /refused|halted/.test(l)), `board refused a stored model: ${logs.join('; ')}`);
    modelTally.powerCuts += s.stats().powerCuts;
    if (fault.kind === 'disconnect' && s.line!.stats.silenced > 0) modelTally.disconnects++;
  } finally {
    await s.stop();
  }
  // 4. The stored bytes are the new image, and a fresh board boots them.
  const end = readSlotImage(readFileSync(flashFile), region);
  if (sha(end.image) !== sha(newImg)) rec.corrupt = true;
  assert.equal(sha(end.image), sha(newImg), 'the new image is the board\'s model');
  await coldBoot(ctx, flashFile, newImg, rec);
  modelTally.runs++;
  return `${rate * 100}% drops + flips, ${JSON.stringify(fault)}: ${rec.outcome}; ${lines.length} log lines`;
}
