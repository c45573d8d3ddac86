// Power cuts and disconnects on the real path (serialport <-> socat pty <-> sim UART HAL <-> the
// real bootloader code in boot/testentry.ts), deterministic: a cut at every flash call of a
// flash, at a HAL call number given to startSim, and a pulled line resumed where the board stopped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { startSim, type SimHandle, type SimOptions } from './sim.ts';
import { buildBootTestFirmware } from '../../test/testfw.ts';
import { loadBoard } from '../boards/board.ts';
import { flashModelFile } from '../flash/flash.ts';
import { FlashError } from '../flash/loader.ts';
import { queryBoard } from '../flash/info.ts';
import { readSlotImage } from '../image/slotimage.ts';

let dir = '';
let wasm = '';
let csv = '';
const region = loadBoard('sim').flash.regions.model;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function fakeModel(size: number): Uint8Array {
  const b = new Uint8Array(randomBytes(size));
  b.set(new TextEncoder().encode('TFL3'), 4);
  return b;
}

function sim(flashFile: string, extra: Partial<SimOptions> = {}): Promise<SimHandle> {
  return startSim({ board: 'sim', flashFile, dataCsv: csv, start: 0, msPerHour: 1000, wasmPath: wasm, log: () => {}, ...extra });
}

function slotSha(flashFile: string): string {
  return sha(readSlotImage(readFileSync(flashFile), region).image);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-power-'));
  wasm = buildBootTestFirmware(dir);
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < 120; i++) rows.push(`2016-07-01 00:00:00,${i},1,2,3,4,5,30`);
  csv = join(dir, 'ett.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('a power cut at every flash call of a flash leaves the old or the new image, and the board boots', async () => {
  const flashFile = join(dir, 'every-op.bin');
  const images = [fakeModel(2500), fakeModel(1800)];
  const files = images.map((img, i) => {
    const f = join(dir, `img-${i}.tflite`);
    writeFileSync(f, img);
    return f;
  });
  const s = await sim(flashFile);
  try {
    await flashModelFile({ port: s.ptyPath, file: files[0] });
    let cur = 0;
    // 1 erase + 3 writes (1020-byte chunks) + FINISH: 1 read + 3 header writes; one past the end.
    for (let k = 1; k <= 9; k++) {
      const next = 1 - cur;
      s.powerCutAfter({ flashOps: k });
      const cutsBefore = s.stats().powerCuts;
      let ok = false;
      try {
        await flashModelFile({ port: s.ptyPath, file: files[next], timeoutMs: 150, retries: 12, resumes: 0 });
        ok = true;
      } catch (e) {
        assert.ok(e instanceof FlashError, String(e));
      }
      const got = slotSha(flashFile);
      assert.ok(got === sha(images[cur]) || got === sha(images[next]), `cut at flash op ${k}: neither image`);
      if (ok && s.stats().powerCuts === cutsBefore) assert.equal(got, sha(images[next]));
      s.hal.armPowerCut(null);
      // the board came back: it answers and takes the new image (resuming when it can)
      const r = await flashModelFile({ port: s.ptyPath, file: files[next], resume: true });
      assert.equal(slotSha(flashFile), sha(images[next]), `k=${k}: ${JSON.stringify(r.startedAt)}`);
      cur = next;
    }
    assert.ok(s.stats().powerCuts >= 8, `power cuts: ${s.stats().powerCuts}`);
    assert.equal(s.stats().boots, 1 + s.stats().powerCuts);
  } finally {
    await s.stop();
  }
});

test('powerCutAtHalCall: the instance is dropped at that call and the board boots again from its flash', async () => {
  const flashFile = join(dir, 'hal-call.bin');
  const img = fakeModel(700);
  const file = join(dir, 'hal.tflite');
  writeFileSync(file, img);
  const s0 = await sim(flashFile);
  try {
    await flashModelFile({ port: s0.ptyPath, file });
  } finally {
    await s0.stop();
  }
  const s = await sim(flashFile, { powerCutAtHalCall: 2 }); // inside fw_init
  try {
    assert.equal(s.stats().powerCuts, 1);
    assert.equal(s.stats().boots, 2);
    assert.equal(s.hal.armedPowerCut(), null, 'a cut fires once');
    const info = await queryBoard(s.ptyPath);
    assert.equal(info.hello.boardId, 'dendra');
    assert.equal(info.status.active?.sha256Prefix, sha(img).slice(0, 16));
    assert.equal(info.status.active?.length, 700);
    assert.equal(info.status.receiving, false);
    assert.throws(() => s.powerCutAfter({}), RangeError);
  } finally {
    await s.stop();
  }
});

test('a pulled line mid-transfer: STATUS tells where the board stopped and flash --resume continues there', async () => {
  const flashFile = join(dir, 'resume.bin');
  const img = fakeModel(6000);
  const file = join(dir, 'resume.tflite');
  writeFileSync(file, img);
  const s = await sim(flashFile, { lineFaults: { seed: 1, silenceAfterBytes: 3500 } });
  try {
    const lines: string[] = [];
    await assert.rejects(flashModelFile({ port: s.ptyPath, file, timeoutMs: 100, retries: 1, resumes: 0, log: (l) => lines.push(l) }),
      (e: unknown) => e instanceof FlashError && e.code === 'E_TIMEOUT' && e.attempt === 2);
    // The first WRITE retry (a HELLO or BEGIN a loaded machine delayed logs its own retry first).
    assert.match(lines.find((l) => l.startsWith('WRITE')) ?? lines.join('\n'), /WRITE seq \d+: no answer within 100 ms; retrying \(1 attempt\(s\) left\)/);
    s.line!.reconnect();
    const st = (await queryBoard(s.ptyPath)).status;
    assert.equal(st.receiving, true);
    assert.equal(st.size, 6000);
    assert.equal(st.sha256Prefix, sha(img).slice(0, 16));
    assert.ok(st.received > 0 && st.received < 6000, `received ${st.received}`);
    const r = await flashModelFile({ port: s.ptyPath, file, resume: true });
    assert.deepEqual(r.startedAt, [st.received]);
    // only the rest went: each frame's payload is a 4-byte offset plus its data (random bytes: plain WRITEs)
    assert.equal(r.frames.writezs, 0);
    assert.equal(r.frames.payloadBytes, 6000 - st.received + 4 * r.chunks);
    assert.equal(slotSha(flashFile), sha(img));
    const again = await flashModelFile({ port: s.ptyPath, file, resume: true });
    assert.equal(again.alreadyCommitted, true, 'resume of an image the board already runs sends nothing');
  } finally {
    await s.stop();
  }
});
