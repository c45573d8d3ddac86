// flashModel over the scriptable mock transport (host/device/test/mocktransport.ts): the bytes
// the board ends up with, the model slot, SET_BAUD through Transport.setBaud, and the resume
// after a vanished port. The same flasher over a real pty and the real firmware: sim.test.ts,
// window.test.ts, faults.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GRID_MODEL, PACK_MODEL } from '@dendra/core/paths.ts';
import { flashModel } from './flash.ts';
import { flashImageFrom, parsedModel } from './image.ts';
import { Cmd, IMAGE_MODEL } from './frame.ts';
import { mockBootloader, mockLine, type Answer } from '../../test/mocktransport.ts';

const grid = new Uint8Array(readFileSync(GRID_MODEL));
const pack = new Uint8Array(readFileSync(PACK_MODEL));

test('flashModel sends the bytes it is given: the board holds exactly the model; the pack model goes to slot 2', async () => {
  for (const [bytes, slot, windowSize] of [[grid, 0, 4], [pack, 2, 1]] as const) {
    const { answer, state } = mockBootloader();
    const line = mockLine(answer);
    const r = await flashModel(flashImageFrom(bytes, 'm.tflite'), line, { windowSize, chunkBytes: 512 });
    assert.deepEqual(state.committed, bytes);
    assert.equal(state.beginType, (slot << 4) | IMAGE_MODEL);
    assert.equal(r.bytes, bytes.length);
    assert.equal(r.board.boardId, 'mock-1');
    assert.deepEqual(line.bauds, [], 'no baud change asked for, none made');
    assert.equal(line.isOpen, true, 'the link stays open: its opener closes it');
  }
});

test('the model is parsed once per image, and a given parse is reused', async () => {
  const img = flashImageFrom(grid, 'm.tflite');
  assert.equal(img.parsed, undefined);
  const q = parsedModel(img);
  assert.ok(q);
  assert.equal(parsedModel(img), q);
  assert.equal(parsedModel(flashImageFrom(Uint8Array.of(1, 2, 3, 4, 0x54, 0x46, 0x4c, 0x33), 'x')), null, 'unreadable: null, the board decides');
});

test('--baud max: SET_BAUD after HELLO moves the transport to the board max, and back to the line rate after FINISH', async () => {
  const { answer, state } = mockBootloader({ maxBaud: 921600 });
  const line = mockLine(answer);
  const r = await flashModel(flashImageFrom(grid, 'm.tflite'), line, { baud: 'max', lineBaud: 115200 });
  assert.equal(r.baud, 921600);
  assert.deepEqual(line.bauds, [921600, 115200]);
  assert.deepEqual(state.committed, grid);
  const setBauds = line.seen.filter((f) => f.type === Cmd.SET_BAUD).map((f) => new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0, true));
  assert.deepEqual(setBauds, [0, 921600, 115200]);
});

test('no answer at the new rate: the transport goes back to the line rate and the flash completes there', async () => {
  const { answer, state } = mockBootloader({ maxBaud: 921600, switches: false });
  const line = mockLine(answer);
  const logs: string[] = [];
  const r = await flashModel(flashImageFrom(grid, 'm.tflite'), line, { baud: 'max', timeoutMs: 300, retries: 1, log: (l) => logs.push(l) });
  assert.equal(r.baud, 115200);
  assert.deepEqual(line.bauds, [921600, 115200]);
  assert.ok(logs.some((l) => /no answer at 921600 baud .*falling back to 115200 baud/.test(l)), logs.join('\n'));
  assert.deepEqual(state.committed, grid);
});

test('a vanished port mid-transfer: the link is reopened and the transfer resumes where the board stopped', async () => {
  const boot = mockBootloader();
  let writes = 0;
  const answer: Answer = (f, n, l) => {
    const out = boot.answer(f, n, l);
    if (f.type === Cmd.WRITE && ++writes === 3) l.failWrites = 1; // the port vanishes after the third WRITE
    return out;
  };
  const line = mockLine(answer);
  const logs: string[] = [];
  const r = await flashModel(flashImageFrom(grid, 'm.tflite'), line, { windowSize: 1, chunkBytes: 256, timeoutMs: 100, log: (l) => logs.push(l) });
  assert.equal(line.reopened, 1);
  assert.equal(r.resumes, 1);
  assert.deepEqual(r.startedAt, [0, 768]);
  assert.deepEqual(boot.state.committed, grid);
  assert.ok(logs.some((l) => /transfer interrupted \(write to port mock failed: device vanished\)/.test(l)), logs.join('\n'));
});
