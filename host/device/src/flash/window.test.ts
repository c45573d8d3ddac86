// Windowed WRITE and SET_BAUD over the real path (serialport <-> socat pty <-> sim UART HAL <->
// boot/proto.ts in the boot test firmware). No timed assertions: only what landed in flash and
// what the board and the host report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { startSim, type SimHandle, type SimOptions } from '../sim/sim.ts';
import { buildBootTestFirmware } from '../../test/testfw.ts';
import { loadBoard } from '../boards/board.ts';
import { flashModelFile, openPort, closePort, serialTransport } from './flash.ts';
import { BootClient, FlashError } from './loader.ts';
import { MAX_WINDOW } from './window.ts';
import { readSlotImage } from '../image/slotimage.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const region = loadBoard('sim').flash.regions.model;
let dir = '';
let wasm = '';
let csv = '';
let n = 0;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function image(seed: number, size: number): string {
  const rand = mulberry32(seed);
  const img = Uint8Array.from({ length: size }, () => Math.floor(rand() * 256));
  img.set(new TextEncoder().encode('TFL3'), 4);
  const file = join(dir, `img-${seed}-${size}.tflite`);
  writeFileSync(file, img);
  return file;
}

async function withSim(opts: Partial<SimOptions>, fn: (s: SimHandle, flashFile: string) => Promise<void>): Promise<void> {
  const flashFile = join(dir, `flash-${++n}.bin`);
  const s = await startSim({ board: 'sim', flashFile, dataCsv: csv, start: 0, wasmPath: wasm, log: () => {}, ...opts });
  try {
    await fn(s, flashFile);
  } finally {
    await s.stop();
  }
}

async function withClient<T>(s: SimHandle, fn: (c: BootClient) => Promise<T>): Promise<T> {
  const port = await openPort(s.ptyPath);
  const c = new BootClient(serialTransport(port), { timeoutMs: 500, retries: 12 });
  try {
    return await fn(c);
  } finally {
    c.close();
    await closePort(port);
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-window-'));
  wasm = buildBootTestFirmware(dir);
  csv = join(dir, 'ett.csv');
  writeFileSync(csv, ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 120 }, () => '2016-07-01 00:00:00,1,1,2,3,4,5,30')].join('\n') + '\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const seed of [11, 12, 13, 14]) {
  test(`windowed transfer under line faults lands exactly the image (seed ${seed})`, async (t) => {
    const file = image(seed, 9000 + seed * 377);
    const lineFaults = { seed, dropRate: 0.002, flipRate: 0.002, dupRate: 0.001 };
    await withSim({ lineFaults }, async (s, flashFile) => {
      const lines: string[] = [];
      const r = await flashModelFile({ port: s.ptyPath, file, windowSize: 4, chunkBytes: 128, timeoutMs: 150, retries: 12, log: (l) => lines.push(l) });
      assert.equal(r.windowSize, 4);
      const slot = readSlotImage(readFileSync(flashFile), region);
      assert.equal(sha(slot.image), sha(new Uint8Array(readFileSync(file))), 'the committed model is the image, byte for byte');
      t.diagnostic(`${r.retries} retries, ${r.resumes} resumes, faults ${JSON.stringify(s.line!.stats)}`);
    });
  });
}

test('windowed transfer under line faults on a paced wire, at --baud max, lands exactly the image', async (t) => {
  const file = image(15, 12000);
  await withSim({ pace: true, lineFaults: { seed: 15, dropRate: 0.001, flipRate: 0.001, dupRate: 0.0005 } }, async (s, flashFile) => {
    const r = await flashModelFile({ port: s.ptyPath, file, baud: 'max', chunkBytes: 256, timeoutMs: 300, retries: 12, resumes: 3 });
    assert.equal(sha(readSlotImage(readFileSync(flashFile), region).image), sha(new Uint8Array(readFileSync(file))));
    t.diagnostic(`at ${r.baud} baud, ${r.retries} retries, ${r.resumes} resumes`);
  });
});

test('stop-and-wait (windowSize 1) and an out-of-range window', async () => {
  const file = image(21, 5000);
  await withSim({}, async (s, flashFile) => {
    const r = await flashModelFile({ port: s.ptyPath, file, windowSize: 1 });
    assert.equal(r.windowSize, 1);
    assert.equal(sha(readSlotImage(readFileSync(flashFile), region).image), sha(new Uint8Array(readFileSync(file))));
    await assert.rejects(flashModelFile({ port: s.ptyPath, file, windowSize: MAX_WINDOW + 1 }), (e: unknown) => e instanceof FlashError && e.code === 'E_WINDOW');
  });
});

test('the board keeps out-of-order WRITEs and reports the contiguous prefix as received', async () => {
  await withSim({}, async (s) => {
    await withClient(s, async (c) => {
      await c.hello();
      const img = new Uint8Array(3000).fill(7);
      img.set(new TextEncoder().encode('TFL3'), 4);
      await c.begin(img.length, new Uint8Array(createHash('sha256').update(img).digest()));
      await c.write(1000, img.subarray(1000, 2000));
      await c.write(2000, img.subarray(2000, 3000));
      assert.equal((await c.slotStatus()).received, 0, 'a hole at 0: nothing contiguous yet');
      await c.write(0, img.subarray(0, 1000));
      assert.equal((await c.slotStatus()).received, 3000, 'the hole is filled: the extents above it count');
      await c.finish();
    });
  });
});

test('SET_BAUD above the board max is refused with one clear line; the board stays usable', async () => {
  await withSim({ pace: true }, async (s) => {
    await withClient(s, async (c) => {
      await c.hello();
      await assert.rejects(c.setBaud(2_000_000), (e: unknown) => e instanceof FlashError && e.code === 'E_BOARD' && e.fwStatus === -1);
      assert.deepEqual(await c.setBaud(0), { baud: 0, maxBaud: 921600 });
      assert.equal(s.wire!.tx.baud, 115200);
    });
    const file = image(31, 3000);
    await assert.rejects(flashModelFile({ port: s.ptyPath, file, baud: 2_000_000 }), (e: unknown) => {
      assert.ok(e instanceof FlashError);
      assert.equal(e.code, 'E_BAUD');
      assert.equal(e.message, "baud 2000000 is above the board's maximum of 921600");
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    const r = await flashModelFile({ port: s.ptyPath, file });
    assert.equal(r.baud, 115200);
  });
});

test('flash --baud max switches board and sim wire to 921600 for the transfer and back after', async () => {
  const file = image(41, 20000);
  await withSim({ pace: true }, async (s, flashFile) => {
    const seen: number[] = [];
    const r = await flashModelFile({ port: s.ptyPath, file, baud: 'max', onProgress: () => seen.push(s.wire!.rx.baud) });
    assert.equal(r.baud, 921600);
    assert.ok(seen.includes(921600), 'the sim paced the WRITEs at the new baud');
    assert.equal(s.hal.baud, 115200, 'the board is back at its default after the flash');
    assert.equal(sha(readSlotImage(readFileSync(flashFile), region).image), sha(new Uint8Array(readFileSync(file))));
  });
});
