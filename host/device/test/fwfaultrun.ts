/**
 * Test support for the A/B firmware fault runs of faults.test.ts (not a test itself): builds the
 * firmware variants and runs one seeded run. A run starts from a board on its old firmware (the
 * factory image or a confirmed slot image) with a model, flashes a new firmware (a good one, or one
 * whose kernel is off by one so its self-test must fail) over a line with faults, with a disconnect
 * or a power cut at a random HAL call in a random phase (slot erase, WRITE, FINISH, ACTIVATE, the
 * RESET and test boot, the confirm), and checks that the board runs exactly the old or the new
 * firmware (SHA-256 of the .wasm the boot ROM instantiated, and INFO's report), that no slot holds a
 * committed image other than those two, that a bad firmware is never confirmed, and that a clean
 * reflash afterwards ends on the new good firmware (or rolls back the bad one again).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimHandle } from '../src/sim/sim.ts';
import { stubModel } from './testfw.ts';
import { loadBoard } from '../src/boards/board.ts';
import { readFwSlot, FwState } from '../src/sim/bootrom.ts';
import { FlashFile } from '../src/sim/flashfile.ts';
import { flashModelFile } from '../src/flash/flash.ts';
import { flashFirmware } from '../src/flash/firmware.ts';
import { FlashError, type FwInfo } from '../src/flash/loader.ts';
import { queryBoard } from '../src/flash/info.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { ctxBoard, newRecord, type RunRecord } from './modelfaultrun.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Firmware variants and data shared by the runs. */
export interface FwFaultContext {
  dir: string;
  csv: string;
  model: string;
  /** Factory image (app firmware with the stub interpreter) and its path. */
  factory: Uint8Array;
  factoryPath: string;
  /** Same firmware, build-stamped v1 / v2 (distinct hashes, same behaviour). */
  v1: string;
  v2: string;
  /**
   * The firmware with an off-by-one kernel: loads the model, fails its self-test. Built in the
   * background (asc takes seconds); a run awaits it only when it needs it. Rejects when asc fails.
   */
  bad: Promise<string>;
  /** Pace the sim's UART at this baud (and tell the flasher); 0 or absent: an unpaced pty. */
  baud?: number;
}

/** Appends a custom section "dendra.build" holding `tag` (a build stamp: new bytes, same code). */
export function stampWasm(wasm: Uint8Array, tag: string): Uint8Array {
  const name = new TextEncoder().encode('dendra.build');
  const content = [name.length, ...name, ...new TextEncoder().encode(tag)];
  if (content.length > 127) throw new RangeError('stamp too long');
  return new Uint8Array([...wasm, 0, content.length, ...content]);
}

/**
 * Builds two stamped copies of the factory firmware and (in the background) the bad firmware (the
 * stub interpreter's invoke adds 1 to every output byte: a kernel bug the self-test must catch) under `dir`, from
 * the app firmware `buildAppFirmwareWithStubInterpreter(dir)` built at `factoryPath` (its source
 * tree is `dir/fw-src`).
 */
export function buildFirmwareVariants(dir: string, csv: string, factoryPath: string): FwFaultContext {
  const factory = new Uint8Array(readFileSync(factoryPath));
  const tree = join(dir, 'fw-src');
  const badTree = join(dir, 'fw-bad-src');
  cpSync(tree, badTree, { recursive: true });
  const interp = join(badTree, 'assembly', 'interp', 'interpreter.ts');
  const src = readFileSync(interp, 'utf8');
  const buggy = src.replace('store<i8>(output + h, load<i8>(input + 6 * 96 + 72 + h));', 'store<i8>(output + h, load<i8>(input + 6 * 96 + 72 + h) + 1);');
  assert.notEqual(buggy, src, 'the stub interpreter changed: cannot build the bad firmware');
  writeFileSync(interp, buggy);
  const badOut = join(dir, 'fw-bad.wasm');
  const bad = promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'asc'), ['assembly/main.ts', '--outFile', badOut, '--runtime', 'stub', '--optimizeLevel', '2'],
    { cwd: badTree }).then(() => {
    if (!existsSync(badOut)) throw new Error('asc did not build the bad firmware');
    return badOut;
  });
  bad.catch(() => {}); // awaited (and reported) by the first run that needs it
  const v1 = join(dir, 'fw-v1.wasm');
  const v2 = join(dir, 'fw-v2.wasm');
  writeFileSync(v1, stampWasm(factory, 'v1'));
  writeFileSync(v2, stampWasm(factory, 'v2'));
  const model = join(dir, 'fw-model.tflite');
  writeFileSync(model, stubModel(0, 1, 80));
  return { dir, csv, model, factory, factoryPath, v1, v2, bad };
}

/** Tally of the firmware runs. */
export const fwTally = { runs: 0, newRunning: 0, oldRunning: 0, rolledBack: 0, powerCuts: 0, resets: 0, corrupted: 0, bricked: 0, badConfirmed: 0 };

/** The board's A/B firmware table (dendra info's query: HELLO, STATUS, INFO). */
async function info(s: SimHandle): Promise<FwInfo> {
  const fw = (await queryBoard(s.ptyPath, { timeoutMs: 300, retries: 8 })).firmware;
  if (!fw) throw new Error('the board has no firmware slot table (INFO refused)');
  return fw;
}

async function alive(s: SimHandle, n: number): Promise<boolean> {
  const from = s.stats().ticks;
  for (let i = 0; i < 500 && s.stats().ticks < from + n; i++) await new Promise((r) => setTimeout(r, 10));
  return s.stats().ticks >= from + n;
}

/** Every committed slot holds an intact image that is one of `allowed` (hex SHA-256 of .wasm). */
function slotsIntact(flashPath: string, allowed: string[]): boolean {
  const board = loadBoard('sim');
  const f = new FlashFile(flashPath, board.flash.sizeBytes, board.flash.sectorBytes);
  try {
    for (const i of [0, 1] as const) {
      const s = readFwSlot(f, board, i);
      if ((s.state & FwState.committed) === 0) continue;
      const data = f.view().subarray(s.addr + 4096 + s.dataOff, s.addr + 4096 + s.dataOff + s.length);
      if (sha(data) !== s.sha256 || !allowed.includes(s.sha256)) return false;
    }
    return true;
  } finally {
    f.close();
  }
}

type Phase = 'none' | 'disconnect' | 'erase' | 'write' | 'finish' | 'activate' | 'reset' | 'any';

/** One run's plan: where it starts, what it flashes, and where the fault hits. */
interface RunPlan {
  rand: () => number;
  fromSlot: boolean;
  isBad: boolean;
  phase: Phase;
  /** Line fault rate (drop + flip + dup) per byte. */
  total: number;
  oldSha: string;
  newFile: string;
  newSha: string;
  rec: RunRecord;
  lineBaud: number | undefined;
}

/** Flashes `plan.newFile` with the line faults on and the run's disconnect or power cut armed. */
async function faultedFlash(s: SimHandle, plan: RunPlan): Promise<string> {
  const { rand, phase } = plan;
  const arm = (n: { halCalls?: number; flashOps?: number }) => s.powerCutAfter(n);
  if (phase === 'disconnect') s.line!.disconnectAfter(Math.floor(rand() * 60000));
  if (phase === 'erase') arm({ flashOps: 1 + Math.floor(rand() * 12) });
  if (phase === 'any') arm({ halCalls: 1 + Math.floor(rand() * 3000) });
  let armedWrite = false;
  const cutAt = Math.floor(rand() * 300) + 1;
  const onLog = (l: string) => {
    if (phase === 'activate' && l.startsWith('activate:')) arm({ halCalls: 1 + (cutAt % 40) });
    if (phase === 'reset' && l.startsWith('reset:')) arm({ halCalls: cutAt });
  };
  const onProgress = (p: { bytes: number; total: number }) => {
    if (phase === 'write' && !armedWrite && p.bytes > 0) {
      armedWrite = true;
      arm({ flashOps: 1 + Math.floor(rand() * 20) });
    }
    if (phase === 'finish' && p.bytes === p.total && !armedWrite) {
      armedWrite = true;
      arm({ halCalls: 1 + Math.floor(rand() * 60) });
    }
  };
  const t0 = Date.now();
  try {
    // The CLI's defaults (flash.ts FLASH_DEFAULTS); a pulled cable is not resumed (it stays pulled).
    const r = await flashFirmware({ port: s.ptyPath, file: plan.newFile, lineBaud: plan.lineBaud, resumes: phase === 'disconnect' ? 0 : undefined,
      confirmTimeoutMs: 4000, log: onLog, onProgress });
    plan.rec.flashed = true;
    plan.rec.resumes = r.resumes;
    assert.ok(!plan.isBad, 'a firmware that fails its self-test was reported as flashed');
    return `flashed to slot ${r.slot} (${r.retries} retries, ${r.resumes} resumes)`;
  } catch (e) {
    assert.ok(e instanceof FlashError, `only typed errors: ${String(e)}`);
    return `interrupted: ${e.code}`;
  } finally {
    plan.rec.flashMs = Date.now() - t0;
  }
}

/** Faults off: the board runs exactly the old or the new firmware, says so, and no slot is corrupted. */
async function checkOldOrNew(s: SimHandle, ctx: FwFaultContext, plan: RunPlan, flashPath: string, outcome: string): Promise<void> {
  const { oldSha, newSha } = plan;
  const up = await alive(s, 2);
  if (!up) plan.rec.bricked = true;
  assert.ok(up, `the board's main loop runs (${outcome})`);
  const mid = await info(s);
  const running = s.firmware();
  if (running.sha256 !== oldSha && running.sha256 !== newSha) plan.rec.corrupt = true;
  assert.ok(running.sha256 === oldSha || running.sha256 === newSha, `board runs neither firmware (${outcome})`);
  const reported = mid.running < 0 ? sha(ctx.factory) : mid.slots[mid.running].sha256Prefix;
  assert.ok(running.sha256.startsWith(reported.slice(0, 16)), 'INFO reports the firmware the ROM started');
  const intact = slotsIntact(flashPath, [oldSha, newSha]);
  if (!intact) plan.rec.corrupt = true;
  assert.ok(intact, 'a committed slot holds a corrupted or foreign image');
  if (plan.isBad) {
    const confirmed = mid.slots.some((x) => x.sha256Prefix === newSha.slice(0, 16) && x.state.confirmed);
    if (confirmed) fwTally.badConfirmed++;
    assert.ok(!confirmed, 'the bad firmware was confirmed');
  }
  if (running.sha256 === newSha) fwTally.newRunning++;
  else fwTally.oldRunning++;
}

/** A clean reflash: the good firmware ends confirmed; the bad one is rolled back again. */
async function cleanReflash(s: SimHandle, plan: RunPlan): Promise<void> {
  try {
    const fix = await flashFirmware({ port: s.ptyPath, file: plan.newFile, lineBaud: plan.lineBaud, confirmTimeoutMs: 4000 });
    assert.ok(!plan.isBad, 'the bad firmware was reported as flashed');
    assert.equal(s.firmware().sha256, plan.newSha);
    assert.equal(s.firmware().slot, fix.slot === 'A' ? 0 : 1);
  } catch (e) {
    if (!plan.isBad) throw e;
    assert.ok(e instanceof FlashError && e.code === 'E_ROLLED_BACK', `bad firmware: ${String(e)}`);
    assert.equal(s.firmware().sha256, plan.oldSha, 'rolled back to the old firmware');
    fwTally.rolledBack++;
  }
  assert.equal((await info(s)).test, false, 'the board is not left on a test boot');
}

/**
 * A fresh board on `flashPath` (a cold boot, no faults) must tick, run `expect` (hex SHA-256 of
 * the .wasm its ROM instantiated) and keep every committed slot intact; sets `rec.bricked` /
 * `rec.corrupt` otherwise. Throws an AssertionError naming what failed.
 */
async function coldBoot(ctx: FwFaultContext, flashPath: string, expect: string, plan: RunPlan): Promise<void> {
  const s = await startSim({ board: ctxBoard(ctx.baud), flashFile: flashPath, dataCsv: ctx.csv, start: 0, msPerHour: 1000, wasmPath: ctx.factoryPath,
    pace: !!ctx.baud, log: () => {} });
  try {
    const up = await alive(s, 2);
    if (!up || s.firmware().sha256 !== expect) plan.rec.bricked = true;
    assert.ok(up, 'cold boot: the main loop runs');
    assert.equal(s.firmware().sha256, expect, 'cold boot: the board runs the firmware the run ended on');
  } finally {
    await s.stop();
  }
  const intact = slotsIntact(flashPath, [plan.oldSha, plan.newSha]);
  if (!intact) plan.rec.corrupt = true;
  assert.ok(intact, 'a committed slot holds a corrupted or foreign image');
}

/**
 * One seeded firmware fault run; fills `rec` and fwTally, returns a line for the test's
 * diagnostics. Throws an AssertionError for a run that breaks a guarantee.
 */
export async function firmwareFaultRun(ctx: FwFaultContext, run: number, seed: number, rec: RunRecord = newRecord()): Promise<string> {
  try {
    return await fwRun(ctx, run, seed, rec);
  } finally {
    if (rec.bricked) fwTally.bricked++;
    if (rec.corrupt) fwTally.corrupted++;
  }
}

async function fwRun(ctx: FwFaultContext, run: number, seed: number, rec: RunRecord): Promise<string> {
  const rand = mulberry32(seed);
  const fromSlot = rand() < 0.5;
  const isBad = run % 3 === 1; // every third run (1, 4, ...) flashes the firmware that fails its self-test
  const phases: Phase[] = ['none', 'disconnect', 'erase', 'write', 'finish', 'activate', 'reset', 'reset', 'any'];
  const phase = phases[Math.floor(rand() * phases.length)];
  const total = 0.01 * rand();
  const newFile = isBad ? await ctx.bad : ctx.v2;
  const lineBaud = ctx.baud || undefined;
  const plan: RunPlan = { rand, fromSlot, isBad, phase, total, newFile, newSha: sha(readFileSync(newFile)),
    oldSha: fromSlot ? sha(readFileSync(ctx.v1)) : sha(ctx.factory), rec, lineBaud };
  rec.fault = `${isBad ? 'bad' : 'good'} firmware, ${(total * 100).toFixed(2)}% faults, ${phase}`;
  const flashPath = join(ctx.dir, `fw-flash-${run}.bin`);
  const logs: string[] = [];
  const s = await startSim({ board: ctxBoard(ctx.baud), flashFile: flashPath, dataCsv: ctx.csv, start: 0, msPerHour: 1000, wasmPath: ctx.factoryPath,
    pace: !!ctx.baud, lineFaults: { seed, dropRate: total / 3, flipRate: total / 3, dupRate: total / 3 }, log: (_l, m) => logs.push(m) });
  try {
    s.line!.enabled = false;
    await flashModelFile({ port: s.ptyPath, file: ctx.model, lineBaud });
    if (fromSlot) await flashFirmware({ port: s.ptyPath, file: ctx.v1, lineBaud });
    assert.equal(s.firmware().sha256, plan.oldSha, 'starting firmware');
    s.line!.enabled = true;
    rec.outcome = await faultedFlash(s, plan);
    s.line!.reconnect();
    s.line!.enabled = false;
    s.hal.armPowerCut(null);
    await checkOldOrNew(s, ctx, plan, flashPath, rec.outcome);
    await cleanReflash(s, plan);
    if (logs.some((l) => /halted/.test(l))) rec.bricked = true;
    assert.ok(!logs.some((l) => /halted/.test(l)), `board halted: ${logs.slice(-5).join('; ')}`);
    fwTally.powerCuts += s.stats().powerCuts;
    fwTally.resets += s.stats().resets;
  } finally {
    await s.stop();
  }
  await coldBoot(ctx, flashPath, isBad ? plan.oldSha : plan.newSha, plan);
  fwTally.runs++;
  return `${isBad ? 'bad' : 'good'} firmware from ${fromSlot ? 'slot' : 'factory'}, faults ${(total * 100).toFixed(2)}%, ${phase}: ${rec.outcome}`;
}
