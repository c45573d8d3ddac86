import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WirePacer, BITS_PER_BYTE } from './uartpace.ts';

test('the pacer delivers every byte, in order, across several writes', async () => {
  const got: number[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  const p = new WirePacer(921600, (b) => {
    got.push(...b);
    if (got.length === 3000) done();
  });
  const sent = Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  for (let i = 0; i < 3000; i += 500) p.push(Uint8Array.from(sent.slice(i, i + 500)));
  await all;
  assert.deepEqual(got, sent);
  assert.equal(p.delivered, 3000);
  assert.equal(p.pending(), 0);
});

test('a baud change applies to bytes queued afterwards; bad bauds are RangeErrors; close drops', () => {
  const p = new WirePacer(115200, () => {});
  assert.equal(p.baud, 115200);
  p.push(new Uint8Array(100));
  p.setBaud(921600);
  assert.equal(p.baud, 921600);
  assert.throws(() => p.setBaud(0), RangeError);
  assert.throws(() => new WirePacer(Number.NaN, () => {}), RangeError);
  assert.ok(p.pending() > 0);
  p.close();
  assert.equal(p.pending(), 0);
  p.push(new Uint8Array(5));
  assert.equal(p.pending(), 0, 'nothing is queued after close');
  assert.equal(BITS_PER_BYTE, 10);
});
