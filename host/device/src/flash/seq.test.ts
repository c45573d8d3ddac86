// Seq reuse in the windowed transfer (window.ts): seqs are 8 bits, so a long session sends each
// seq many times. The board replays its cached answer, without writing, for a command with the
// same type and seq as the last one it ran (boot/proto.ts handleFrame): a WRITE that reused the
// seq of the board's last command would be "acknowledged" by that older frame's answer and never
// written. The window sends at most QUIET_SENDS (128) frames past the latest one proven written,
// so the board has run a later command than any send 256 seqs back: this test drives a mock board
// with that cache through a line that loses frames and long bursts of answers, over many seq
// wraps, and checks that no WRITE ever went out with the seq of the board's cached command and
// that the transfer ends with every byte written by a frame that carried it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockLine, type Answer } from '../../test/mocktransport.ts';
import { Cmd, encodeFrame, RESPONSE_BIT, type Frame } from './frame.ts';
import { BootClient } from './loader.ts';
import { sendWindowed, QUIET_SENDS } from './window.ts';
import { ChunkSizer } from './adaptive.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const off = (f: Frame) => new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0, true);

/** A board with the firmware's duplicate cache and selective acks; `lost(n)`: the nth frame never arrives, `mute(n)`: its answer is lost. */
function cachingBoard(image: Uint8Array, lost: (n: number) => boolean, mute: (n: number) => boolean) {
  const held = new Uint8Array(image.length);
  const written = new Uint8Array(image.length);
  const last: number[] = [];
  let cache: { type: number; seq: number; answer: Uint8Array } | null = null;
  const stats = { sends: 0, replays: 0, replayedWrites: 0, maxUnansweredRun: 0 };
  let run = 0;
  const answer: Answer = (f, n) => {
    if (f.type !== Cmd.WRITE) return null;
    stats.sends++;
    if (lost(n)) return null; // damaged on the way: the board never runs it
    if (cache && cache.type === f.type && cache.seq === f.seq) {
      stats.replays++;
      // the firmware replays without writing: harmful when the frame is another one than the cached
      if (off(f) !== new DataView(cache.answer.buffer).getUint32(0, true) >>> 0) stats.replayedWrites++;
      return mute(n) ? null : [encodeFrame(f.type | RESPONSE_BIT, f.seq, cache.answer.subarray(4))];
    }
    const o = off(f);
    const data = f.payload.subarray(4);
    held.set(data, o);
    written.fill(1, o, o + data.length);
    last.unshift(f.seq);
    last.length = Math.min(last.length, 4);
    let received = 0;
    while (received < written.length && written[received]) received++;
    const p = new Uint8Array(5 + last.length);
    new DataView(p.buffer).setUint32(1, received, true);
    p.set(last, 5);
    const withOff = new Uint8Array(4 + p.length); // the offset kept beside the cached answer, to tell frames apart
    new DataView(withOff.buffer).setUint32(0, o, true);
    withOff.set(p, 4);
    cache = { type: f.type, seq: f.seq, answer: withOff };
    run = mute(n) ? run + 1 : 0;
    stats.maxUnansweredRun = Math.max(stats.maxUnansweredRun, run);
    return mute(n) ? null : [encodeFrame(f.type | RESPONSE_BIT, f.seq, p)];
  };
  return { answer, held, written, stats };
}

test('a reused seq is never answered by the board for another frame: many wraps, lost frames and bursts of lost answers', { timeout: 60_000 }, async () => {
  const rand = mulberry32(20);
  const image = Uint8Array.from({ length: 16_000 }, () => Math.floor(rand() * 256));
  const fate = mulberry32(7);
  // 30% of frames lost; answers lost in bursts of 100 frames out of every 300, and 20% besides.
  const board = cachingBoard(image, () => fate() < 0.3, (n) => n % 300 >= 200 || fate() < 0.2);
  const line = mockLine(board.answer);
  const client = new BootClient(line, { timeoutMs: 400, baud: 921600, retries: 40, seqStart: 0 });
  const frames = await sendWindowed(client, image, 0, 16, { windowSize: 32, compress: false, sizer: new ChunkSizer(16, 16) });
  client.close();
  const writes = line.seen.filter((f) => f.type === Cmd.WRITE);
  assert.ok(writes.length > 4 * 256, `the session wrapped the seqs several times (${writes.length} sends)`);
  assert.ok(board.stats.maxUnansweredRun >= 60, `answers were lost in long bursts (${board.stats.maxUnansweredRun} in a row)`);
  assert.equal(board.stats.replayedWrites, 0, 'no WRITE reused the seq of the board\'s cached command for another frame');
  assert.ok(frames >= image.length / 16);
  assert.ok(board.written.every((b) => b === 1), 'every byte was written by a frame carrying it');
  assert.deepEqual(board.held, image, 'the board holds exactly the image');
});

test('a line dead for 255 frames: the window stops at QUIET_SENDS past its last answer, so the frame with the seq of the board\'s cached command never goes', { timeout: 60_000 }, async () => {
  const image = new Uint8Array(20_000).map((_, i) => i & 0xff);
  // Frames 41..295 never arrive (nor answers); frame 296 would carry frame 40's seq (seqs from 0, one per WRITE).
  const board = cachingBoard(image, (n) => n > 40 && n < 296, () => false);
  const line = mockLine(board.answer);
  const client = new BootClient(line, { timeoutMs: 150, baud: 921600, retries: 3, seqStart: 0 });
  const end = await sendWindowed(client, image, 0, 16, { windowSize: 32, compress: false, sizer: new ChunkSizer(16, 16) }).then(() => 'done', (e) => (e as { code: string }).code);
  client.close();
  assert.equal(board.stats.replayedWrites, 0, 'the board never answered a frame with another frame\'s cached answer');
  const after = line.seen.filter((f) => f.type === Cmd.WRITE).slice(40).map((f) => f.seq);
  assert.ok(after.length >= QUIET_SENDS - 40, `the window kept sending into the silence (${after.length} sends)`);
  assert.ok(after.length < 255, `${after.length} sends after the last frame the board ran`);
  assert.equal(new Set(after).size, after.length, 'each seq at most once since then');
  assert.equal(end, 'E_TIMEOUT', 'the session gave up (the caller resumes with STATUS)');
});
