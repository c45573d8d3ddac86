// The flasher's adaptation state (adaptive.ts): the retransmission timeout follows round-trip
// samples within its floor and ceiling and backs off on timeouts; frame sizes follow the
// estimated per-byte loss rate to the size that carries the most data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkSizer, FRAME_OVERHEAD, optimalChunk, RttEstimator, START_CHUNK } from './adaptive.ts';

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

test('ChunkSizer: starts at START_CHUNK, doubles per ack until the first loss, then the best size for the estimated loss rate, within [min, max]', () => {
  const c = new ChunkSizer(16, 1020);
  assert.equal(c.size, START_CHUNK);
  c.onAck();
  assert.equal(c.size, 2 * START_CHUNK, 'slow start: doubled per ack until the first loss');
  c.onLoss(1000);
  assert.equal(c.size, START_CHUNK, 'the first loss halves it (slow start ends), until the estimate has enough outcomes');
  for (let i = 0; i < 10; i++) c.onLoss(1000);
  assert.ok(c.size > 60 && c.size < 100, `most 1000-byte frames lost: about 0.2% per byte, about 80-byte frames (${c.size})`);
  for (let i = 0; i < 100; i++) c.onLoss(20);
  assert.equal(c.size, 16, 'even 20-byte frames lost: never below min');
  const small = new ChunkSizer(16, 100);
  assert.equal(small.size, 100, 'a board with small frames starts at its max');
  assert.equal(new ChunkSizer(64, 32).min, 32, 'min never above max');
});

test('optimalChunk: the payload that carries the most data per wire byte', () => {
  const eff = (d: number, eps: number) => (d / (d + FRAME_OVERHEAD)) * (1 - eps) ** (d + FRAME_OVERHEAD);
  for (const eps of [0.02, 0.002, 0.0002]) {
    const d = optimalChunk(eps);
    assert.ok(eff(d, eps) >= eff(d * 0.8, eps) && eff(d, eps) >= eff(d * 1.25, eps), `a maximum at ${eps}: ${d}`);
  }
  assert.ok(Math.abs(optimalChunk(0.0202) - 20.6) < 1.5, `1% drops + 1% flips per byte: about 21 data bytes (${optimalChunk(0.0202)})`);
  assert.ok(Math.abs(optimalChunk(0.002) - 79.4) < 3, `0.1% + 0.1%: about 79 (${optimalChunk(0.002)})`);
  assert.equal(optimalChunk(0), Infinity);
});

test('ChunkSizer: settles near the optimum of the line it sees, whatever the frame sizes it learnt on', () => {
  for (const eps of [0.0202, 0.002]) {
    const c = new ChunkSizer(16, 1020);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const sizes: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const wire = c.size + FRAME_OVERHEAD;
      if (rand() < (1 - eps) ** wire) c.onAck(wire);
      else c.onLoss(wire);
      if (i >= 1000) sizes.push(c.size);
    }
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const best = optimalChunk(eps);
    assert.ok(mean > best / 1.6 && mean < best * 1.6, `per-byte loss ${eps}: mean size ${mean.toFixed(1)} near ${best.toFixed(1)}`);
    assert.ok(Math.abs(c.lossRate() - eps) < eps, `estimate ${c.lossRate()} of ${eps}`);
  }
});
