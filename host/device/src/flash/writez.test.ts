// Compressed WRITEs (WRITEZ, raw deflate per frame, docs/flash-protocol.md "Compression"): the
// host's frame plan, and the board's inflater on the real path (serialport <-> socat pty <-> sim
// UART HAL <-> boot/proto.ts + boot/inflate.ts in the boot test firmware) with and without line
// faults; a malformed stream is refused with E_INFLATE and writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { startSim, type SimHandle, type SimOptions } from '../sim/sim.ts';
import { buildBootTestFirmware } from '../../test/testfw.ts';
import { loadBoard } from '../boards/board.ts';
import { flashModelFile, openPort, closePort, serialTransport } from './flash.ts';
import { BootClient, FlashError } from './loader.ts';
import { Cmd, WRITEZ_MAX_INFLATED } from './frame.ts';
import { planChunks } from './window.ts';
import { readSlotImage } from '../image/slotimage.ts';
import { mulberry32 } from '@dendra/core/random.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
const region = loadBoard('sim').flash.regions.model;
let dir = '';
let wasm = '';
let csv = '';
let n = 0;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A compressible "model": TFL3 at byte 4, then runs of seeded small values (like int8 weights near 0). */
function compressible(seed: number, size: number): Uint8Array {
  const rand = mulberry32(seed);
  const img = Uint8Array.from({ length: size }, () => (rand() < 0.6 ? 0 : Math.floor(rand() * 8)));
  img.set(new TextEncoder().encode('TFL3'), 4);
  return img;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dendra-writez-'));
  wasm = buildBootTestFirmware(dir);
  csv = join(dir, 'ett.csv');
  writeFileSync(csv, ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT', ...Array.from({ length: 120 }, () => '2016-07-01 00:00:00,1,1,2,3,4,5,30')].join('\n') + '\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function withSim(opts: Partial<SimOptions>, fn: (s: SimHandle, flashFile: string) => Promise<void>): Promise<void> {
  const flashFile = join(dir, `flash-${++n}.bin`);
  const s = await startSim({ board: 'sim', flashFile, dataCsv: csv, start: 0, wasmPath: wasm, log: () => {}, ...opts });
  try {
    await fn(s, flashFile);
  } finally {
    await s.stop();
  }
}

test('planChunks: contiguous spans; every WRITEZ inflates to exactly its span and is smaller than it', () => {
  const model = new Uint8Array(readFileSync(join(ROOT, 'models/grid/grid.tflite')));
  const cases: [Uint8Array, number, number][] = [[model, 0, 1020], [model, 3000, 200], [compressible(3, 20000), 0, 1020]];
  for (const [img, from, chunk] of cases) {
    const plan = planChunks(img, from, chunk, true);
    let at = from;
    for (const c of plan) {
      assert.equal(c.off, at, 'no gap, no overlap');
      assert.equal(new DataView(c.payload.buffer, c.payload.byteOffset).getUint32(0, true), c.off, 'offset field = uncompressed offset');
      const data = c.payload.subarray(4);
      assert.ok(data.length <= chunk, 'fits one frame');
      if (c.cmd === Cmd.WRITEZ) {
        assert.ok(c.end - c.off <= WRITEZ_MAX_INFLATED && data.length < c.end - c.off);
        assert.deepEqual(new Uint8Array(inflateRawSync(data)), img.subarray(c.off, c.end));
      } else {
        assert.equal(c.cmd, Cmd.WRITE);
        assert.deepEqual(data, img.subarray(c.off, c.end));
      }
      at = c.end;
    }
    assert.equal(at, img.length);
    assert.ok(plan.some((c) => c.cmd === Cmd.WRITEZ), 'this image compresses');
  }
  const random = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24);
  assert.ok(planChunks(random, 0, 1020, false).every((c) => c.cmd === Cmd.WRITE), 'compress off: plain WRITEs only');
});

test('a compressed flash lands the image byte for byte, in fewer wire bytes, also under line faults', async (t) => {
  const img = compressible(7, 24000);
  const file = join(dir, 'z.tflite');
  writeFileSync(file, img);
  for (const lineFaults of [undefined, { seed: 9, dropRate: 0.001, flipRate: 0.001, dupRate: 0.0005 }]) {
    await withSim({ lineFaults }, async (s, flashFile) => {
      const lines: string[] = [];
      const r = await flashModelFile({ port: s.ptyPath, file, timeoutMs: 200, retries: 12, log: (l) => lines.push(l) });
      assert.equal(sha(readSlotImage(readFileSync(flashFile), region).image), sha(img));
      assert.ok(r.frames.writezs > 0, JSON.stringify(r.frames));
      // clean line: one plan, well under the image size (a faulted one re-plans after each resume)
      if (!lineFaults) assert.ok(r.frames.payloadBytes < img.length * 0.6, JSON.stringify(r.frames));
      t.diagnostic(`${lineFaults ? 'faults' : 'clean'}: ${r.frames.writezs} WRITEZ + ${r.frames.writes} WRITE frames, `
        + `${r.frames.payloadBytes} payload bytes for ${img.length} image bytes, ${r.retries} retries, ${r.resumes} resumes; ${lines.filter((l) => l.startsWith('noisy')).join('; ')}`);
    });
  }
});

test('a malformed or oversized WRITEZ is refused (E_INFLATE) and writes nothing', async () => {
  await withSim({}, async (s) => {
    const port = await openPort(s.ptyPath);
    const c = new BootClient(serialTransport(port), { timeoutMs: 500, retries: 12 });
    try {
      await c.hello();
      const img = compressible(5, 9000);
      await c.begin(img.length, new Uint8Array(createHash('sha256').update(img).digest()));
      const frame = (off: number, z: Uint8Array) => {
        const p = new Uint8Array(4 + z.length);
        new DataView(p.buffer).setUint32(0, off, true);
        p.set(z, 4);
        return p;
      };
      const good = deflateRawSync(img.subarray(0, 2048)); // fits one frame (max payload 1024)
      assert.ok(good.length < 1000);
      const bad = [
        good.subarray(0, good.length - 3), // truncated
        Uint8Array.from([0x07, 0x00, 0x00]), // block type 3 (reserved)
        deflateRawSync(new Uint8Array(4097)), // inflates past the 4 KiB buffer
        Uint8Array.from([...good, 0x00]), // bytes after the final block
      ];
      for (const z of bad) {
        await assert.rejects(c.request(Cmd.WRITEZ, frame(0, z)), (e: unknown) => e instanceof FlashError && e.code === 'E_BOARD' && e.fwStatus === -28);
      }
      assert.equal((await c.slotStatus()).received, 0, 'nothing stored');
      await c.request(Cmd.WRITEZ, frame(0, good));
      assert.equal((await c.slotStatus()).received, 2048, 'a good stream counts like a WRITE of its inflated bytes');
    } finally {
      c.close();
      await closePort(port);
    }
  });
});
