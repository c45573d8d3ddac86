// Selective acks in the windowed transfer (window.ts), over the scriptable mock line: the board
// answers a written WRITE with `received u32 | seqs of the last frames written` (docs/CONTRACTS.md).
// A frame whose own answer was lost but which a later answer lists is never sent again; a frame a
// later answer does not list goes again at once, without waiting for a timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockLine, type Answer } from '../../test/mocktransport.ts';
import { Cmd, encodeFrame, RESPONSE_BIT, type Frame } from './frame.ts';
import { BootClient } from './loader.ts';
import { sendWindowed } from './window.ts';
import { decodeSack } from './answers.ts';

const off = (f: Frame) => new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0, true);

/** A board that writes frames and answers with selective acks; `fate(n)` drops the nth WRITE ('frame') or only its answer ('answer'). */
function sackBoard(size: number, fate: (n: number) => 'ok' | 'frame' | 'answer') {
  const held = new Uint8Array(size);
  const last: number[] = [];
  let writes = 0;
  const answer: Answer = (f) => {
    if (f.type !== Cmd.WRITE) return null;
    const what = fate(++writes);
    if (what === 'frame') return null; // lost on its way: never written, never answered
    const o = off(f);
    held.fill(1, o, o + f.payload.length - 4);
    last.unshift(f.seq);
    last.length = Math.min(last.length, 4);
    let received = 0;
    while (received < size && held[received]) received++;
    const p = new Uint8Array(5 + last.length);
    new DataView(p.buffer).setUint32(1, received, true);
    p.set(last, 5);
    return what === 'answer' ? null : [encodeFrame(Cmd.WRITE | RESPONSE_BIT, f.seq, p)];
  };
  return { answer, held };
}

test('decodeSack: received and the listed seqs, newest first', () => {
  const s = decodeSack(Uint8Array.of(0, 0x10, 0x27, 0, 0, 9, 7, 5));
  assert.deepEqual(s, { received: 10000, seqs: [9, 7, 5] });
});

test('a frame whose answer was lost but is listed later is not resent; an unlisted one is resent at once', async () => {
  // WRITE 1 written but its answer lost, WRITE 2 lost on the way, WRITEs 3 and 4 answered.
  const board = sackBoard(400, (n) => (n === 1 ? 'answer' : n === 2 ? 'frame' : 'ok'));
  const line = mockLine(board.answer);
  const logs: string[] = [];
  const client = new BootClient(line, { timeoutMs: 2000, log: (l) => logs.push(l) });
  const frames = await sendWindowed(client, new Uint8Array(400), 0, 100, { windowSize: 4, log: (l) => logs.push(l), compress: false });
  client.close();
  const offsets = line.seen.filter((f) => f.type === Cmd.WRITE).map(off);
  assert.ok(frames >= 4, `${frames} frames`);
  assert.deepEqual(offsets.slice(0, 4), [0, 100, 200, 300], 'the window went out in order');
  const again = offsets.slice(4);
  assert.ok(again.length > 0 && again[0] === 100 && again.every((o) => o >= 100 && o < 200),
    `only the lost frame went again (maybe re-planned shorter after the loss); offset 0 (answer lost, listed later) did not: ${again}`);
  assert.ok(board.held.every((b) => b === 1), 'the board holds every byte');
  assert.deepEqual(logs, [], 'no timeout was waited out');
});

test('lost answers at the tail: the prefix in a later answer covers them', async () => {
  // Every answer but the last lost: the last one's received (the whole image) acknowledges all.
  const board = sackBoard(800, (n) => (n < 8 ? 'answer' : 'ok'));
  const line = mockLine(board.answer);
  const client = new BootClient(line, { timeoutMs: 2000 });
  await sendWindowed(client, new Uint8Array(800), 0, 100, { windowSize: 8, compress: false });
  client.close();
  assert.equal(line.seen.filter((f) => f.type === Cmd.WRITE).length, 8, 'no frame sent twice');
});
