// The flasher's adaptation state (adaptive.ts): the retransmission timeout follows round-trip
// samples within its floor and ceiling and backs off on timeouts; frame sizes grow per ack and
// halve per loss within their bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkSizer, CHUNK_STEP, RttEstimator, START_CHUNK } from './adaptive.ts';

test('RttEstimator: initial value, RFC 6298 smoothing, floor and ceiling, backoff reset by a sample', () => {
  const r = new RttEstimator({ initialMs: 500, floorMs: 100, ceilingMs: 2000 });
  assert.equal(r.rto(), 500, 'before any sample');
  r.sample(40); // SRTT 40, RTTVAR 20: 40 + 80
  assert.equal(r.rto(), 120);
  for (let i = 0; i < 50; i++) r.sample(40); // variance decays: the floor holds
  assert.equal(r.rto(), 100);
  r.backoff();
  r.backoff();
  assert.equal(r.rto(), 360, 'SRTT + max(4 RTTVAR, floor / 2) = 90, doubled per timeout');
  for (let i = 0; i < 10; i++) r.backoff();
  assert.equal(r.rto(), 2000, 'never above the ceiling');
  r.sample(40);
  assert.equal(r.rto(), 100, 'a sample ends the backoff');
  r.sample(-5);
  r.sample(Number.NaN);
  assert.equal(r.samples, 52, 'negative and NaN samples are ignored');
  for (let i = 0; i < 40; i++) r.sample(900);
  assert.ok(r.rto() >= 900 && r.rto() <= 2000, `follows a slower line (${r.rto()})`);
});

test('ChunkSizer: starts at START_CHUNK, doubles per ack until the first loss, then +step per ack, half per loss, within [min, max]', () => {
  const c = new ChunkSizer(16, 1020);
  assert.equal(c.size, START_CHUNK);
  c.onAck();
  assert.equal(c.size, 2 * START_CHUNK, 'slow start: doubled per ack until the first loss');
  for (let i = 0; i < 10; i++) c.onLoss();
  assert.equal(c.size, 16, 'never below min');
  c.onAck();
  assert.equal(c.size, 16 + CHUNK_STEP, 'after a loss: +step per ack');
  for (let i = 0; i < 1000; i++) c.onAck();
  assert.equal(c.size, 1020, 'never above max');
  const small = new ChunkSizer(16, 100);
  assert.equal(small.size, 100, 'a board with small frames starts at its max');
  assert.equal(new ChunkSizer(64, 32).min, 32, 'min never above max');
});
