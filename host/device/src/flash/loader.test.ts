import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootClient, FIRST_FLUSH_BYTES, FlashError, DEFAULT_FLUSH_BYTES } from './loader.ts';
import { encodeFrame, Cmd, RESPONSE_BIT, type Frame } from './frame.ts';
import { mockLine, ok, status } from '../../test/mocktransport.ts';

/** A scripted board: `answer` decides, per received command, what (if anything) to send back. */
function mockBoard(answer: (f: Frame, n: number) => Uint8Array[] | null) {
  const transport = mockLine(answer);
  return { transport, seen: transport.seen, raw: transport.raw };
}

test('HELLO parses id, version, max frame and slot size', async () => {
  const { transport } = mockBoard((f) => [ok(f, [...new TextEncoder().encode('sim-x'), 1, 0x00, 0x04, 0x00, 0xf0, 0x03, 0x00])]);
  const c = new BootClient(transport, { seqStart: 5 });
  assert.deepEqual(await c.hello(), { boardId: 'sim-x', proto: 1, maxFrame: 1024, slotSize: 0x3f000 });
});

test('a lost response is retried with the same seq; retries are logged with attempts left', async () => {
  const lines: string[] = [];
  const { transport, seen } = mockBoard((f, n) => (n < 3 ? null : [ok(f, [1, 0, 0, 0])]));
  const c = new BootClient(transport, { timeoutMs: 30, retries: 3, seqStart: 250, log: (l) => lines.push(l) });
  assert.equal(await c.status(), 1);
  assert.deepEqual(seen.map((f) => f.seq), [250, 250, 250]);
  // The timeout is the round-trip estimate (here the 30 ms ceiling) plus the wire time of what goes
  // out; each further attempt waits half a timeout longer (a noisy line, not a congested one).
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^STATUS seq 250: no answer within 3\d ms; retrying \(3 attempt\(s\) left\)$/);
  assert.match(lines[1], /^STATUS seq 250: no answer within [45]\d ms; retrying \(2 attempt\(s\) left\)$/);
  assert.equal(c.retried, 2);
  await c.status();
  assert.equal(seen.at(-1)!.seq, 251, 'the next command takes the next seq');
});

test('stale responses (other seq) and noise are ignored; a NAK (E_FRAME) is retried', async () => {
  const { transport, seen } = mockBoard((f, n) => {
    const stale = encodeFrame(f.type | RESPONSE_BIT, (f.seq + 1) & 0xff, Uint8Array.of(0));
    if (n === 1) return [Uint8Array.of(1, 2, 0xa5), stale, status(f, -13)];
    return [ok(f)];
  });
  const c = new BootClient(transport, { timeoutMs: 200, retries: 1, seqStart: 0 });
  await c.write(0, Uint8Array.of(1, 2, 3));
  assert.equal(seen.length, 2);
  assert.deepEqual([...seen[1].payload], [0, 0, 0, 0, 1, 2, 3]);
});

test('a refusal is final (no retry) and becomes a one-line FlashError with the firmware message', async () => {
  const { transport, seen } = mockBoard((f) => [status(f, -15)]);
  const c = new BootClient(transport, { timeoutMs: 100, retries: 3, seqStart: 9 });
  await assert.rejects(c.begin(10, new Uint8Array(32)), (e: unknown) => {
    assert.ok(e instanceof FlashError);
    assert.equal(e.code, 'E_BOARD');
    assert.equal(e.seq, 9);
    assert.equal(e.attempt, 1);
    assert.equal(e.fwStatus, -15);
    assert.equal(e.message, 'board refused BEGIN: image is larger than its slot (status -15)');
    return true;
  });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].type, Cmd.BEGIN);
  assert.equal(seen[0].payload.length, 37);
});

test('no answer at all: E_TIMEOUT after retries+1 attempts', async () => {
  const { transport, seen } = mockBoard(() => null);
  const c = new BootClient(transport, { timeoutMs: 20, retries: 2 });
  await assert.rejects(c.finish(), (e: unknown) => e instanceof FlashError && e.code === 'E_TIMEOUT' && e.attempt === 3);
  assert.equal(seen.length, 3);
});

test('after a timeout the client flushes zeros before the retry: a few, 4x more per timeout, up to max frame + 10', async () => {
  const hello = [...new TextEncoder().encode('b'), 1, 0x40, 0x00, 0, 0x10, 0, 0]; // max frame 64
  const { transport, seen, raw } = mockBoard((f, n) => (n === 1 || n === 3 || n === 4 || n === 5 ? null : [ok(f, f.type === Cmd.HELLO ? hello : [])]));
  const c = new BootClient(transport, { timeoutMs: 30, retries: 4, seqStart: 1 });
  await c.hello();
  assert.equal(raw.length, 3);
  assert.equal(raw[1].length, FIRST_FLUSH_BYTES, 'a dropped byte needs only a few zeros');
  assert.ok(raw[1].every((b) => b === 0));
  assert.ok(DEFAULT_FLUSH_BYTES > FIRST_FLUSH_BYTES);
  await c.finish();
  assert.deepEqual(raw.slice(3).map((r) => r.length), [10, 32, 10, 64 + 10, 10, 64 + 10, 10], 'then 4x more, capped at the board max frame + 10');
  assert.deepEqual(seen.map((f) => f.seq), [1, 1, 2, 2, 2, 2]);
});

test('a response stuck behind a frame with a damaged length is found by the resync at the timeout', async () => {
  const { transport, seen } = mockBoard((f) => [Uint8Array.of(0xa5, 0x5a, 0x85, f.seq, 0xff, 0x00, 1, 2), ok(f, [7, 0, 0, 0])]);
  const c = new BootClient(transport, { timeoutMs: 30, retries: 2, seqStart: 3 });
  assert.equal(await c.status(), 7);
  assert.equal(c.retried, 0);
  assert.equal(seen.length, 1);
});

test('STATUS decodes the transfer in progress and the newest committed bank', async () => {
  const d = new Uint8Array(34);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, 2040, true);
  dv.setUint32(4, 5000, true);
  d.set([1, 2, 3, 4, 5, 6, 7, 8], 8);
  d[16] = 1;
  d[17] = 1;
  dv.setUint32(18, 4, true);
  dv.setUint32(22, 3000, true);
  d.set([0xaa, 0xbb, 0, 0, 0, 0, 0, 0xcc], 26);
  const { transport } = mockBoard((f) => [ok(f, [...d])]);
  const c = new BootClient(transport, { seqStart: 0 });
  assert.deepEqual(await c.slotStatus(), {
    received: 2040, size: 5000, sha256Prefix: '0102030405060708', receiving: true,
    active: { bank: 1, generation: 4, length: 3000, sha256Prefix: 'aabb0000000000cc' },
  });
  d[17] = 0xff;
  d[16] = 0;
  assert.equal((await c.slotStatus()).active, null);
});
