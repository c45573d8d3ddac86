/**
 * The WAMR bench program (runtime/bench, build/wamr-engine-bench) and its driver: real WAMR, the
 * real build/engine.wasm and the grid model; outputs compared with V8's. Builds the program with
 * cmake when it is missing (about 40 s on 2 cores).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEngine, enginePath } from '@dendra/device/engine/engine.ts';
import { benchInputs } from './inputs.ts';
import { BENCH_BIN, ROOT, buildBenchProgram } from './runtime-build.ts';
import { WamrChild } from './runtime-child.ts';
import { findHeapStart, firmwareMemory, walkHeap } from './runtime-footprint.ts';
import { median } from './runtime.ts';

const MODEL = path.join(ROOT, 'models', 'grid', 'grid.tflite');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dendra-rtbench-'));
const files = { inputs: path.join(dir, 'in.bin'), expect: path.join(dir, 'out.bin'), bad: path.join(dir, 'bad.bin') };
let skip: string | false = false;

function hasCmake(): boolean {
  try {
    execFileSync('cmake', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  if (!existsSync(enginePath(false))) skip = `${enginePath(false)} is missing (run make build)`;
  else if (!hasCmake()) skip = 'cmake is not installed (scripts/deps.sh)';
  if (skip) {
    process.stdout.write(`# skipping the WAMR bench program tests: ${skip}\n`);
    return;
  }
  buildBenchProgram();
  const bytes = new Uint8Array(readFileSync(MODEL));
  const inputs = benchInputs('grid', bytes, 4);
  const eng = await loadEngine(bytes, { simd: false });
  const outs = inputs.map((x) => Buffer.from(eng.run(x)));
  writeFileSync(files.inputs, Buffer.concat(inputs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.length))));
  writeFileSync(files.expect, Buffer.concat(outs));
  const bad = Buffer.concat(outs);
  bad[2 * outs[0].length + 5] ^= 1; // input 2, byte 5
  writeFileSync(files.bad, bad);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const args = (expect: string) => ['--engine', enginePath(false), '--model', MODEL, '--inputs', files.inputs, '--expect', expect];

test('WAMR runs the engine, its outputs equal V8\'s, rounds are timed, the process reports its footprint', async (t) => {
  if (skip) return t.skip(skip);
  const c = new WamrChild('grid interp', BENCH_BIN, args(files.expect));
  try {
    const r = await c.ready();
    assert.equal(r.verified, 4);
    assert.equal(r.aot, false);
    assert.equal(r.inputBytes * 4, readFileSync(files.inputs).length);
    const usPer = await c.round(5);
    assert.ok(usPer > 0 && Number.isFinite(usPer));
    const done = await c.finish();
    assert.equal(done.rounds, 1);
    assert.ok(done.maxRssKiB > 0 && done.wamrHeapHighmark > 0 && done.linearPages >= 1);
  } finally {
    c.kill();
  }
});

test('an output that differs from V8\'s fails loudly (exit 3, names the input and byte)', async (t) => {
  if (skip) return t.skip(skip);
  const c = new WamrChild('grid interp', BENCH_BIN, args(files.bad));
  await assert.rejects(c.ready(), (e: Error & { code?: string }) => e.code === 'E_WAMR_RUN' && /exited \(3\).*output of input 2 differs from V8's at byte 5/.test(e.message));
  const r = spawnSync(BENCH_BIN, args(files.bad));
  assert.equal(r.status, 3);
});

test('bad usage exits 2 with one line; unusable files exit 1', (t) => {
  if (skip) return t.skip(skip);
  const u = spawnSync(BENCH_BIN, ['--engine']);
  assert.equal(u.status, 2);
  assert.match(u.stderr.toString().split('\n')[0], /^wamr-engine-bench: every option takes a value$/);
  const n = spawnSync(BENCH_BIN, ['--engine', enginePath(false), '--model', MODEL, '--inputs', MODEL, '--expect', files.expect]);
  assert.equal(n.status, 1);
  const perInput = readFileSync(files.inputs).length / 4; // the model's input bytes (7 x L), from the inputs written above
  assert.match(n.stderr.toString(), new RegExp(`want N\\*${perInput} and N\\*24`));
  const g = spawnSync(BENCH_BIN, ['--footprint', MODEL]);
  assert.equal(g.status, 1);
  assert.match(g.stderr.toString(), /WAMR cannot load/);
});

test('the stub heap walk finds the start whose blocks end exactly at the bump offset', () => {
  const mem = new Uint8Array(256);
  const dv = new DataView(mem.buffer);
  dv.setUint32(44, 12, true); // block at 44: 4-byte header + 12 -> 60
  dv.setUint32(60, 28, true); // block at 60: -> 92
  assert.deepEqual(walkHeap(mem, 44, 92), [12, 28]);
  assert.equal(findHeapStart(mem, 40, 92), 44);
  assert.equal(walkHeap(mem, 44, 80), null);
  assert.equal(findHeapStart(mem, 40, 80), null);
});

test('the firmware\'s linear memory after fw_init holds the board\'s arena in the heap', (t) => {
  const fw = path.join(ROOT, 'build', 'firmware.wasm');
  if (!existsSync(fw)) return t.skip(`${fw} is missing (run make build)`);
  const m = firmwareMemory(fw, 'sim');
  assert.equal(m.fwInitStatus, 0);
  assert.ok(m.arenaBlockFound);
  assert.ok(m.staticBytes > 0 && m.staticBytes < m.usedBytesAfterInit && m.usedBytesAfterInit <= m.linearBytesAfterInit);
  assert.ok(m.pagesAfterInit >= m.pagesInitial);
  assert.deepEqual(m.cappedAtUsedPages, { maxPages: Math.ceil(m.usedBytesAfterInit / 65536), fwInitStatus: 0, pagesAfterInit: Math.ceil(m.usedBytesAfterInit / 65536) });
});

test('median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
