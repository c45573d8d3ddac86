// Signed flashing over the real path: serialport <-> socat pty <-> the simulator running the real
// firmware (build/firmware.wasm: boot/*, app/*, the real interpreter) with the grid model.
// A board with a provisioned key runs only images signed by it for its family, never older than
// what it runs; every refusal is a distinct firmware status and leaves the old model running.
// A board without keys (development mode) runs raw models and refuses signed ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { startSim, type SimHandle } from '../sim/sim.ts';
import { loadBoard } from '../boards/board.ts';
import { boardFamily } from '../sim/hal.ts';
import { generateKeyPair, type PrivateKey } from '../image/keys.ts';
import { signImage } from '../image/sign.ts';
import { parseVersion, OFF, HEADER_LEN } from '../image/format.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import { decodeDendraMeta, encodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { flashModelFile, openPort, closePort, serialTransport } from './flash.ts';
import { BootClient, FlashError } from './loader.ts';
import { fwStatusMessage } from '@dendra/core/status.ts';
import { readSlotImage } from '../image/slotimage.ts';
import { InputError } from '@dendra/core/errors.ts';
import { REPO_ROOT, FIRMWARE_WASM } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
const FAMILY = boardFamily(loadBoard('sim'));
const E = { SIGNATURE: -20, KEY_UNKNOWN: -21, FAMILY: -22, DOWNGRADE: -23, IMAGE: -24, PAYLOAD_HASH: -25 };

let dir = '';
let csv = '';
let modelA: Uint8Array;
let modelB: Uint8Array;
let trusted: PrivateKey;
let stranger: PrivateKey;

const hex8 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** The grid model with another alert limit: a different, equally valid model. */
function variant(bytes: Uint8Array, limit: number): Uint8Array {
  const m = readTflite(bytes);
  const meta = decodeDendraMeta(m.metadata.dendra);
  meta.otLimitC = limit;
  m.metadata.dendra = encodeDendraMeta(meta);
  return writeTflite(m);
}

function sign(payload: Uint8Array, key: PrivateKey, version: string, family = FAMILY): Uint8Array {
  return signImage(payload, { type: 'model', family, version: parseVersion(version) }, key);
}

function put(name: string, bytes: Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

function sim(flashFile: string, logs: string[], trustedKeys?: Uint8Array[]): Promise<SimHandle> {
  return startSim({ board: 'sim', flashFile, dataCsv: csv, start: 0, msPerHour: 1000, log: (_l, t) => logs.push(t), trustedKeys });
}

/** What the board reports about its committed model (STATUS on a fresh connection). */
async function active(s: SimHandle): Promise<string | null> {
  const port = await openPort(s.ptyPath);
  const c = new BootClient(serialTransport(port), { timeoutMs: 1000, retries: 12 });
  try {
    return (await c.slotStatus()).active?.sha256Prefix ?? null;
  } finally {
    c.close();
    await closePort(port);
  }
}

/** Flashes and expects the board to refuse with `status`; returns the error. */
async function refused(s: SimHandle, file: string, status: number): Promise<FlashError> {
  const err = await flashModelFile({ port: s.ptyPath, file, timeoutMs: 1000 }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof FlashError, `refused, got ${String(err)}`);
  assert.equal(err.code, 'E_BOARD');
  assert.equal(err.fwStatus, status, err.message);
  assert.ok(err.message.includes(fwStatusMessage(status)) && !err.message.includes('\n'), err.message);
  return err;
}

/** Waits for `n` more main-loop ticks (the board is alive). */
async function ticks(s: SimHandle, n: number): Promise<void> {
  const from = s.stats().ticks;
  for (let i = 0; i < 500 && s.stats().ticks < from + n; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(s.stats().ticks >= from + n, 'board keeps ticking');
}

before(() => {
  assert.ok(existsSync(FIRMWARE_WASM), 'build the firmware first: node firmware/build.mjs');
  dir = mkdtempSync(join(tmpdir(), 'dendra-signed-'));
  modelA = new Uint8Array(readFileSync(join(ROOT, 'models/grid/grid.tflite')));
  // 200 windows of the model's length: the replay outlasts the test (an ended stream is logged last).
  const window = decodeDendraMeta(readTflite(modelA).metadata.dendra).window;
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < window + 200; i++) rows.push(`2016-07-01 00:00:00,${i % 9},1,2,3,4,5,${30 + (i % 17) / 10}`);
  csv = join(dir, 'ett.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  modelB = variant(modelA, 81.5);
  trusted = generateKeyPair();
  stranger = generateKeyPair();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('a keyed board runs only trusted, intact, same-family, non-downgrade images; refusals keep the old model', async () => {
  const flashFile = join(dir, 'keyed.flash');
  const logs: string[] = [];
  const s = await sim(flashFile, logs, [trusted.publicKey]);
  try {
    assert.deepEqual(s.trust, { provisioned: true, keys: 1 });
    // signed by the trusted key: runs (the bank holds the payload, not the image)
    const r = await flashModelFile({ port: s.ptyPath, file: put('a-1.0.0.dimg', sign(modelA, trusted, '1.0.0')), trustedKeys: [trusted] });
    assert.equal(r.signed, true);
    assert.equal(await active(s), hex8(modelA));
    assert.equal(logs.at(-1), 'model loaded');

    const good = sign(modelB, trusted, '1.1.0');
    await refused(s, put('b-stranger.dimg', sign(modelB, stranger, '1.1.0')), E.KEY_UNKNOWN);
    const forged = sign(modelB, stranger, '1.1.0');
    forged.set(trusted.kid, OFF.kid); // claims the trusted key, signed by another
    await refused(s, put('b-forged.dimg', forged), E.SIGNATURE);
    const tampered = good.slice();
    tampered[HEADER_LEN + 100] ^= 0x01; // one payload bit
    await refused(s, put('b-tampered.dimg', tampered), E.PAYLOAD_HASH);
    const retagged = good.slice();
    retagged[OFF.major] = 9; // header altered after signing (version 9.1.0)
    await refused(s, put('b-retagged.dimg', retagged), E.SIGNATURE);
    await refused(s, put('b-family.dimg', sign(modelB, trusted, '1.1.0', 'esp32s3')), E.FAMILY);
    await refused(s, put('b-old.dimg', sign(modelB, trusted, '0.9.9')), E.DOWNGRADE);
    await refused(s, put('b.tflite', modelB), E.SIGNATURE); // raw model on a keyed board (BEGIN)
    // after every refusal the board still runs model A
    assert.equal(await active(s), hex8(modelA));
    assert.equal(logs.at(-1), 'model loaded');
    await ticks(s, 2);

    // a newer trusted image replaces it; the same one again is already committed (resume)
    await flashModelFile({ port: s.ptyPath, file: put('b-1.1.0.dimg', good) });
    assert.equal(await active(s), hex8(modelB));
    const again = await flashModelFile({ port: s.ptyPath, file: join(dir, 'b-1.1.0.dimg'), resume: true });
    assert.equal(again.alreadyCommitted, true);
  } finally {
    await s.stop();
  }
  // after a restart (no provisioning this time) the keys, the model and the version floor persist
  const logs2: string[] = [];
  const s2 = await sim(flashFile, logs2);
  try {
    assert.equal(s2.initStatus, 0);
    assert.deepEqual(s2.trust, { provisioned: true, keys: 1 });
    assert.ok(logs2.includes('model loaded'), logs2.join('\n'));
    assert.equal(await active(s2), hex8(modelB));
    await refused(s2, put('a-1.0.5.dimg', sign(modelA, trusted, '1.0.5')), E.DOWNGRADE);
    await flashModelFile({ port: s2.ptyPath, file: put('a-1.1.0.dimg', sign(modelA, trusted, '1.1.0')) }); // equal version: allowed
    assert.equal(await active(s2), hex8(modelA));
  } finally {
    await s2.stop();
  }
});

test('a board without keys is in development mode: raw models run, signed images are refused', async () => {
  const logs: string[] = [];
  const s = await sim(join(dir, 'dev.flash'), logs);
  try {
    assert.deepEqual(s.trust, { provisioned: false, keys: 0 });
    await flashModelFile({ port: s.ptyPath, file: put('dev-a.tflite', modelA) });
    assert.equal(await active(s), hex8(modelA));
    await refused(s, put('dev-b.dimg', sign(modelB, trusted, '1.0.0')), E.KEY_UNKNOWN);
    assert.equal(await active(s), hex8(modelA));
    assert.equal(logs.at(-1), 'model loaded');
  } finally {
    await s.stop();
  }
});

test('the host refuses before opening the port: untrusted (--pubkey), firmware images, raw with --pubkey', async () => {
  const port = join(dir, 'no-such-port');
  const img = put('h.dimg', sign(modelA, stranger, '1.0.0'));
  await assert.rejects(flashModelFile({ port, file: img, trustedKeys: [trusted] }), (e: unknown) => e instanceof InputError && e.code === 'E_IMAGE_KEY');
  const fw = put('h-fw.dimg', signImage(modelA, { type: 'firmware', family: FAMILY, version: parseVersion('1.0.0') }, trusted));
  await assert.rejects(flashModelFile({ port, file: fw }), (e: unknown) => e instanceof InputError && e.code === 'E_IMAGE_TYPE');
  await assert.rejects(flashModelFile({ port, file: put('h.tflite', modelA), trustedKeys: [trusted] }),
    (e: unknown) => e instanceof InputError && e.code === 'E_IMAGE_UNSIGNED');
});

test('BEGIN with the header: another family, a firmware image or a downgrade is refused before the bank is erased', async () => {
  const s = await sim(join(dir, 'begin.flash'), [], [trusted.publicKey]);
  try {
    await flashModelFile({ port: s.ptyPath, file: put('begin-a.dimg', sign(modelA, trusted, '1.2.0')) });
    const before = await active(s);
    const cases: Array<[string, Uint8Array, number]> = [
      ['another family', sign(modelB, trusted, '2.0.0', 'esp32s3'), E.FAMILY],
      ['a firmware image', signImage(modelB, { type: 'firmware', family: FAMILY, version: parseVersion('2.0.0') }, trusted), E.IMAGE],
      ['older than the committed 1.2.0', sign(modelB, trusted, '1.1.9'), E.DOWNGRADE],
    ];
    const port = await openPort(s.ptyPath);
    const c = new BootClient(serialTransport(port), { timeoutMs: 1000, retries: 12 });
    try {
      await c.hello();
      for (const [what, img, status] of cases) {
        const digest = new Uint8Array(createHash('sha256').update(img).digest());
        const err = await c.begin(img.length, digest, 2, img.subarray(0, HEADER_LEN)).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof FlashError && err.fwStatus === status, `${what}: ${String(err)}`);
        const st = await c.slotStatus();
        assert.equal(st.receiving, false, `${what}: no transfer started`);
        assert.notEqual(st.sha256Prefix, Buffer.from(digest.subarray(0, 8)).toString('hex'), `${what}: the board did not take the image's hash`);
      }
    } finally {
      c.close();
      await closePort(port);
    }
    assert.equal(await active(s), before, 'the committed model is untouched');
  } finally {
    await s.stop();
  }
});

test('BEGIN\'s version floor is the bank that stays: with the newer bank corrupt, the board runs the older one and takes a version between them', async () => {
  const flashFile = join(dir, 'floor.flash');
  const region = loadBoard('sim').flash.regions.model;
  let s = await sim(flashFile, [], [trusted.publicKey]);
  try {
    await flashModelFile({ port: s.ptyPath, file: put('floor-a.dimg', sign(modelA, trusted, '1.0.0')) });
    await flashModelFile({ port: s.ptyPath, file: put('floor-b.dimg', sign(modelB, trusted, '2.0.0')) });
    assert.equal(await active(s), hex8(modelB));
  } finally {
    await s.stop();
  }
  // The 2.0.0 bank's data loses a bit: the board boots the 1.0.0 bank, so the next BEGIN targets
  // (erases) the 2.0.0 bank and the floor FINISH will apply is 1.0.0, the bank that stays.
  const slot = readSlotImage(readFileSync(flashFile), region);
  const newer = slot.banks.find((b) => b.sha256.startsWith(hex8(modelB)))!;
  const f = readFileSync(flashFile);
  f[newer.addr + 4096 + HEADER_LEN + 64] ^= 0x01;
  writeFileSync(flashFile, f);
  const logs: string[] = [];
  s = await sim(flashFile, logs);
  try {
    await ticks(s, 2);
    assert.deepEqual(logs.filter((l) => /model/.test(l)), ['model loaded'], 'the 1.0.0 bank loads');
    const mid = sign(variant(modelA, 79.5), trusted, '1.5.0');
    const port = await openPort(s.ptyPath);
    const c = new BootClient(serialTransport(port), { timeoutMs: 1000, retries: 12 });
    try {
      await c.hello();
      const digest = new Uint8Array(createHash('sha256').update(mid).digest());
      await c.begin(mid.length, digest, 2, mid.subarray(0, HEADER_LEN)); // refused E_DOWNGRADE (-23) with the floor of both banks
      assert.equal((await c.slotStatus()).receiving, true, 'BEGIN accepted: the transfer runs');
    } finally {
      c.close();
      await closePort(port);
    }
    await flashModelFile({ port: s.ptyPath, file: put('floor-mid.dimg', mid) });
    assert.equal(await active(s), hex8(variant(modelA, 79.5)), 'FINISH agrees: 1.5.0 runs');
  } finally {
    await s.stop();
  }
});
