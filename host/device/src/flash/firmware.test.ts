// A/B firmware flashing over the real path (serialport <-> socat pty <-> sim UART HAL <-> the real
// app firmware, main.ts + boot/*, with the stub interpreter; the simulator's boot ROM picks the
// slot at every reset). Deterministic cases: a clean flash and switch, the same image again, the
// other slot, ROLLBACK, a power cut in the middle of the WRITEs, signed images on a keyed board
// (bad signature, unknown key, raw image, downgrade), an image that traps when it starts and a
// firmware whose self-test fails (both rolled back), and the host's plan for a resumed session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { startSim, type SimHandle, type SimOptions } from '../sim/sim.ts';
import { buildAppFirmwareWithStubInterpreter, buildBootTestFirmware, stubModel } from '../../test/testfw.ts';
import { generateKeyPair, type PrivateKey } from '../image/keys.ts';
import { signImage } from '../image/sign.ts';
import { flashModelFile, openPort, closePort, serialTransport } from './flash.ts';
import { flashFirmware, firmwarePlan, readFirmwareImage } from './firmware.ts';
import { BootClient, FlashError, type FwInfo } from './loader.ts';
import { IMAGE_FIRMWARE, IMAGE_SIGNED_FIRMWARE } from './frame.ts';
import { stampWasm } from '../../test/fwfaultrun.ts';
import { queryBoard } from './info.ts';

let dir = '';
let csv = '';
let factory = '';
let model = '';
let n = 0;
const files: Record<string, string> = {};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const shaOf = (f: string) => sha(readFileSync(f));
/** What the boot ROM started: slot (-1 factory) and the SHA-256 of its .wasm. */
const runs = (s: SimHandle) => ({ slot: s.firmware().slot, sha256: s.firmware().sha256 });

/** A valid module whose start function executes `unreachable`: it traps as soon as it is instantiated. */
const TRAP_AT_START = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x08, 0x01, 0x00, // start section: function 0
  0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, // code: no locals, unreachable, end
]);

/** A valid module that is not a firmware (like build/engine.wasm): exports memory and `run`, no fw_init/fw_tick. */
const NOT_FIRMWARE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
  0x03, 0x02, 0x01, 0x00, // function section
  0x05, 0x03, 0x01, 0x00, 0x01, // memory section: one page
  0x07, 0x10, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00, // exports memory, run
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b, // code: i32.const 0
]);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-fw-'));
  factory = buildAppFirmwareWithStubInterpreter(dir);
  files.noInterp = buildBootTestFirmware(dir); // no interpreter: cannot reproduce the self-test inference
  const f = new Uint8Array(readFileSync(factory));
  for (const v of ['v1', 'v2', 'v3']) writeFileSync((files[v] = join(dir, `fw-${v}.wasm`)), stampWasm(f, v));
  writeFileSync((files.trap = join(dir, 'fw-trap.wasm')), TRAP_AT_START);
  writeFileSync((files.engine = join(dir, 'engine.wasm')), NOT_FIRMWARE);
  model = join(dir, 'model.tflite');
  writeFileSync(model, stubModel(0, 1, 80));
  csv = join(dir, 'ett.csv');
  writeFileSync(csv, ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 120 }, (_, i) => `2016-07-01 00:00:00,1,1,2,3,4,5,${30 + (i % 7)}`)].join('\n') + '\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function withSim(opts: Partial<SimOptions>, fn: (s: SimHandle, logs: string[]) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const s = await startSim({ board: 'sim', flashFile: join(dir, `flash-${++n}.bin`), dataCsv: csv, start: 0, wasmPath: factory,
    log: (_l, m) => logs.push(m), ...opts });
  try {
    await fn(s, logs);
  } finally {
    await s.stop();
  }
}

/** The board's A/B firmware table (dendra info's query: HELLO, STATUS, INFO). */
async function info(s: SimHandle): Promise<FwInfo> {
  const fw = (await queryBoard(s.ptyPath, { timeoutMs: 500, retries: 12 })).firmware;
  if (!fw) throw new Error('the board has no firmware slot table (INFO refused)');
  return fw;
}

async function rejectsWith(p: Promise<unknown>, code: string, fwStatus?: number): Promise<FlashError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FlashError, `a FlashError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (fwStatus !== undefined) assert.equal(e.fwStatus, fwStatus, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('raw firmware: inactive slot, test boot, self-test confirms; same image sends nothing; next goes to the other slot; ROLLBACK', async () => {
  await withSim({}, async (s) => {
    await flashModelFile({ port: s.ptyPath, file: model }); // the self-test reproduces an inference on this model
    assert.equal(s.firmware().slot, -1, 'a new board runs its factory image');
    const phases: string[] = [];
    const seen: number[] = [];
    const r1 = await flashFirmware({ port: s.ptyPath, file: files.v1, log: (l) => { if (!/ seq \d+: .*retrying/.test(l)) phases.push(l.split(':')[0]); }, onProgress: (p) => seen.push(p.bytes) });
    assert.deepEqual(phases, ['activate', 'reset', 'confirm'], 'the phases in order (a retried command under load logs a retry line, which is not a phase)');
    assert.equal(r1.slot, 'A');
    assert.equal(seen.at(-1), readFileSync(files.v1).length, 'progress reaches the image size');
    assert.ok(r1.frames.writezs > 0, 'compressed frames were sent');
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) });
    let i = await info(s);
    assert.equal(i.running, 0);
    assert.equal(i.test, false, 'confirmed: no longer on its test boot');
    assert.deepEqual(i.slots[0].state, { image: true, committed: true, pending: true, tried: true, confirmed: true, revoked: false });
    assert.equal(i.slots[0].sha256Prefix, shaOf(files.v1).slice(0, 16));

    const again = await flashFirmware({ port: s.ptyPath, file: files.v1 });
    assert.equal(again.alreadyRunning, true);

    const r2 = await flashFirmware({ port: s.ptyPath, file: files.v2 });
    assert.equal(r2.slot, 'B');
    assert.deepEqual(runs(s), { slot: 1, sha256: shaOf(files.v2) });
    i = await info(s);
    assert.ok(i.slots[1].generation > i.slots[0].generation, 'the newer activation has the higher generation');

    const port = await openPort(s.ptyPath);
    const c = new BootClient(serialTransport(port), { timeoutMs: 500, retries: 12 });
    try {
      await c.hello();
      await c.rollback(); // leave B (revoked): the ROM boots A again
    } finally {
      c.close();
      await closePort(port);
    }
    for (let k = 0; k < 100 && s.firmware().slot !== 0; k++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) });
    i = await info(s);
    assert.equal(i.slots[1].state.revoked, true);
  });
});

test('power cut in the middle of the WRITEs: the old firmware keeps running; the next flash lands', async () => {
  await withSim({}, async (s) => {
    await flashFirmware({ port: s.ptyPath, file: files.v1 });
    let armed = false;
    const cut = () => {
      if (!armed) s.powerCutAfter({ flashOps: 3 });
      armed = true;
    };
    await assert.rejects(flashFirmware({ port: s.ptyPath, file: files.v2, resumes: 0, timeoutMs: 200, retries: 2,
      onProgress: (p) => p.bytes > 0 && cut() }), FlashError);
    assert.equal(s.stats().powerCuts, 1);
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) }, 'the old firmware runs');
    const i = await info(s);
    assert.equal(i.slots[1].state.committed, false, 'the half-written slot is not bootable');
    // With resumes (the default), a cut during the transfer is resumed within the same flash.
    armed = false;
    const r = await flashFirmware({ port: s.ptyPath, file: files.v2, timeoutMs: 200, onProgress: (p) => p.bytes > 0 && cut() });
    assert.equal(s.stats().powerCuts, 2);
    assert.ok(r.resumes >= 1, 'resumed after the cut');
    assert.deepEqual(runs(s), { slot: 1, sha256: shaOf(files.v2) });
  });
});

test('power cut after ACTIVATE, before RESET: the next boot is the test boot; the new firmware confirms', async () => {
  await withSim({}, async (s) => {
    await flashModelFile({ port: s.ptyPath, file: model });
    await flashFirmware({ port: s.ptyPath, file: files.v1 });
    const r = await flashFirmware({ port: s.ptyPath, file: files.v2, timeoutMs: 300,
      log: (l) => l.startsWith('reset:') && s.powerCutAfter({ halCalls: 1 }) });
    assert.equal(s.stats().powerCuts, 1);
    assert.equal(r.slot, 'B');
    assert.deepEqual(runs(s), { slot: 1, sha256: shaOf(files.v2) });
    const i = await info(s);
    assert.deepEqual(i.slots[1].state, { image: true, committed: true, pending: true, tried: true, confirmed: true, revoked: false });
    assert.equal(i.slots[0].state.confirmed, true, 'the old slot stays a rollback target');
  });
});

test('an image that traps when it starts is rolled back to the previous firmware', async () => {
  await withSim({}, async (s, logs) => {
    await flashFirmware({ port: s.ptyPath, file: files.v1 });
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: files.trap, confirmTimeoutMs: 5000, hostChecks: false }), 'E_ROLLED_BACK');
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) });
    assert.ok(logs.some((l) => /trapped/.test(l)), 'the test boot trapped');
    const i = await info(s);
    assert.deepEqual(i.slots[1].state, { image: true, committed: true, pending: true, tried: true, confirmed: false, revoked: false });
    // The board is not stuck: a good image flashes into the same slot afterwards.
    assert.equal((await flashFirmware({ port: s.ptyPath, file: files.v2 })).slot, 'B');
  });
});

test('a WebAssembly module that is not a firmware: the host refuses it before the port; the board rolls it back, the sim lives', async () => {
  assert.throws(() => readFirmwareImage(files.engine), (e: Error & { code?: string }) =>
    e.code === 'E_NOT_FIRMWARE' && /engine\.wasm is a WebAssembly module but not a Dendra firmware: it does not export fw_init, fw_tick/.test(e.message));
  await assert.rejects(flashFirmware({ port: '/dev/does-not-exist-dendra', file: files.engine }), (e: Error & { code?: string }) => e.code === 'E_NOT_FIRMWARE');
  await withSim({}, async (s, logs) => {
    await flashFirmware({ port: s.ptyPath, file: files.v1 });
    // Past the host checks, the board boots it on its test boot: a failed boot, then the rollback.
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: files.engine, confirmTimeoutMs: 5000, hostChecks: false }), 'E_ROLLED_BACK');
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) });
    assert.ok(logs.some((l) => /not a firmware/.test(l)), logs.slice(-6).join('; '));
    const ticks = s.stats().ticks;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(s.stats().ticks > ticks, 'the simulator still runs the old firmware');
    assert.equal((await flashFirmware({ port: s.ptyPath, file: files.v2 })).slot, 'B', 'and takes a good image afterwards');
  });
});

test('a firmware whose self-test fails (it cannot reproduce the inference) is rolled back', async () => {
  await withSim({}, async (s, logs) => {
    await flashModelFile({ port: s.ptyPath, file: model });
    await flashFirmware({ port: s.ptyPath, file: files.v1 });
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: files.noInterp, confirmTimeoutMs: 5000 }), 'E_ROLLED_BACK');
    assert.ok(logs.some((l) => /self-test failed: rolling back/.test(l)), logs.slice(-8).join('; '));
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) });
    assert.equal((await info(s)).slots[1].state.confirmed, false);
  });
});

test('keyed board: signed firmware runs; bad signature, unknown key, raw .wasm and downgrade are refused', async () => {
  const ops: PrivateKey = generateKeyPair();
  const other = generateKeyPair();
  const wasm = (f: string) => new Uint8Array(readFileSync(f));
  const signed = (name: string, f: string, version: string, key = ops) => {
    const [major, minor, patch] = version.split('.').map(Number);
    const file = join(dir, name);
    writeFileSync(file, signImage(wasm(f), { type: 'firmware', family: 'sim-soc', version: { major, minor, patch } }, key));
    return file;
  };
  const good = signed('v2.dimg', files.v1, '2.0.0');
  const tampered = new Uint8Array(readFileSync(signed('v3.dimg', files.v2, '3.0.0')));
  tampered[tampered.length - 10] ^= 0x01; // one bit of the signature
  writeFileSync(join(dir, 'tampered.dimg'), tampered);
  await withSim({ trustedKeys: [ops] }, async (s) => {
    const r = await flashFirmware({ port: s.ptyPath, file: good, trustedKeys: [ops] });
    assert.equal(r.signed, true);
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) });
    assert.equal((await info(s)).slots[0].version, '2.0.0');
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: join(dir, 'tampered.dimg') }), 'E_BOARD', -20);
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: signed('other.dimg', files.v2, '3.0.0', other) }), 'E_BOARD', -21);
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: files.v2 }), 'E_BOARD', -20);
    // The host refuses the downgrade after INFO, before sending anything; the board refuses it too.
    const err = await rejectsWith(flashFirmware({ port: s.ptyPath, file: signed('old.dimg', files.v2, '1.9.9') }), 'E_DOWNGRADE');
    assert.match(err.message, /firmware 1\.9\.9 is older than the board's confirmed 2\.0\.0.*nothing sent/);
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: signed('old.dimg', files.v2, '1.9.9'), hostChecks: false }), 'E_BOARD', -23);
    assert.deepEqual(runs(s), { slot: 0, sha256: shaOf(files.v1) }, 'still the signed image that was accepted');
    const i = await info(s);
    assert.equal(i.slots[1].state.committed, false, 'no refused image was committed');
    assert.throws(() => readFirmwareImage(join(dir, 'tampered.dimg'), [ops]), /signature/i);
  });
});

test('an image larger than the inactive slot is refused before anything is erased (host) and at BEGIN (board)', async () => {
  await withSim({}, async (s) => {
    const cap = (await info(s)).slots[0].capacity;
    const big = new Uint8Array(cap + 1);
    big.set(readFileSync(files.v1).subarray(0, 8)); // a .wasm header (not a module: host checks off, the size check is what is tested)
    writeFileSync(join(dir, 'big.wasm'), big);
    await rejectsWith(flashFirmware({ port: s.ptyPath, file: join(dir, 'big.wasm'), hostChecks: false }), 'E_TOO_LARGE');
    const port = await openPort(s.ptyPath);
    const c = new BootClient(serialTransport(port), { timeoutMs: 500, retries: 12 });
    try {
      await c.hello();
      await rejectsWith(c.begin(cap + 1, new Uint8Array(32), IMAGE_FIRMWARE), 'E_BOARD', -15);
      assert.equal((await c.fwStatus()).receiving, false);
    } finally {
      c.close();
      await closePort(port);
    }
    assert.equal(runs(s).slot, -1, 'still the factory image');
  });
});

test('firmwarePlan: what a resumed session does from INFO and STATUS', () => {
  const img = readFirmwareImage(files.v1);
  const want = sha(img.wasm).slice(0, 16);
  const st = (bits: Partial<Record<'image' | 'committed' | 'pending' | 'tried' | 'confirmed' | 'revoked', boolean>>) =>
    ({ image: true, committed: false, pending: false, tried: false, confirmed: false, revoked: false, ...bits });
  const slot = (i: 0 | 1, state: ReturnType<typeof st>, prefix = want) => ({ index: i, name: i ? 'B' : 'A', capacity: 1 << 20, state, generation: 1,
    length: img.wasm.length, sha256Prefix: prefix, version: null }) as FwInfo['slots'][number];
  const empty = (i: 0 | 1) => slot(i, st({ image: false }), '');
  const mk = (running: -1 | 0 | 1, a: FwInfo['slots'][number], b: FwInfo['slots'][number], test = false): FwInfo => ({ running, test, slots: [a, b] });
  assert.equal(firmwarePlan(mk(0, slot(0, st({ committed: true, confirmed: true })), empty(1)), null, img), 'done');
  assert.equal(firmwarePlan(mk(0, slot(0, st({ committed: true, pending: true, tried: true })), empty(1), true), null, img), 'wait');
  assert.equal(firmwarePlan(mk(-1, slot(0, st({ committed: true, pending: true })), empty(1)), null, img), 'reset');
  assert.equal(firmwarePlan(mk(-1, slot(0, st({ committed: true })), empty(1)), null, img), 'activate');
  const transfer = { receiving: true, size: img.bytes.length, sha256Prefix: sha(img.bytes).slice(0, 16), received: 4096 };
  assert.equal(firmwarePlan(mk(-1, empty(0), empty(1)), transfer, img), 4096);
  assert.equal(firmwarePlan(mk(-1, empty(0), empty(1)), { ...transfer, sha256Prefix: '00'.repeat(8) }, img), 'begin');
  const failed = mk(0, slot(0, st({ committed: true, confirmed: true }), 'ff'.repeat(8)), slot(1, st({ committed: true, pending: true, tried: true })));
  assert.equal(firmwarePlan(failed, null, img, true), 'begin', 'a new flash tries a rolled-back image again');
  assert.throws(() => firmwarePlan(failed, null, img, false), (e: unknown) => e instanceof FlashError && e.code === 'E_ROLLED_BACK');
});

test('board refuses at BEGIN, before erasing, a signed image of another family, of type model, or below the firmware floor', async () => {
  const ops: PrivateKey = generateKeyPair();
  const wasm = (f: string) => new Uint8Array(readFileSync(f));
  const version = (v: string) => { const [major, minor, patch] = v.split('.').map(Number); return { major, minor, patch }; };
  const signFile = (name: string, f: string, v: string) => {
    writeFileSync(join(dir, name), signImage(wasm(f), { type: 'firmware', family: 'sim-soc', version: version(v) }, ops));
    return join(dir, name);
  };
  const refused: Array<[string, Uint8Array, number]> = [
    ['another family (the README\'s "sim")', signImage(wasm(files.v1), { type: 'firmware', family: 'sim', version: version('9.0.0') }, ops), -22],
    ['a signed model image', signImage(new Uint8Array(readFileSync(model)), { type: 'model', family: 'sim-soc', version: version('9.0.0') }, ops), -24],
    ['an older version than the running 3.0.0', signImage(wasm(files.v1), { type: 'firmware', family: 'sim-soc', version: version('2.5.0') }, ops), -23],
  ];
  await withSim({ trustedKeys: [ops] }, async (s) => {
    await flashFirmware({ port: s.ptyPath, file: signFile('a2.dimg', files.v1, '2.0.0') }); // slot A
    await flashFirmware({ port: s.ptyPath, file: signFile('b3.dimg', files.v2, '3.0.0') }); // slot B runs, A is the inactive slot
    const before = await info(s);
    assert.equal(before.running, 1);
    assert.equal(before.slots[0].version, '2.0.0');
    const port = await openPort(s.ptyPath);
    const c = new BootClient(serialTransport(port), { timeoutMs: 500, retries: 12 });
    try {
      await c.hello();
      for (const [what, img, status] of refused) {
        const digest = new Uint8Array(createHash('sha256').update(img).digest());
        const e = await rejectsWith(c.begin(img.length, digest, IMAGE_SIGNED_FIRMWARE, img.subarray(0, 80)), 'E_BOARD', status);
        assert.ok(e.fwStatus === status, what);
        assert.equal((await c.fwStatus()).receiving, false, `${what}: no transfer started`);
      }
    } finally {
      c.close();
      await closePort(port);
    }
    assert.deepEqual((await info(s)).slots[0], before.slots[0], 'the inactive slot A still holds its committed, confirmed 2.0.0 (nothing erased)');
    assert.deepEqual(runs(s), { slot: 1, sha256: shaOf(files.v2) });
  });
});
