import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlashResult } from '@dendra/device/flash/flash.ts';
import { flashSummary } from './flash.ts';

const result = (over: Partial<FlashResult>): FlashResult => ({
  board: { boardId: 'dendra', proto: 1, maxFrame: 1024, slotSize: 61440 }, bytes: 16960, signed: false, sha256: 'fe5b73db00ccee04'.padEnd(64, '0'),
  chunks: 17, retries: 0, ms: 1550, resumes: 0, startedAt: [0], alreadyCommitted: false, bytesPerSec: 10942, baud: 115200, windowSize: 4,
  writeMs: 1200, writeBytesPerSec: 14133, frames: { writes: 0, writezs: 17, payloadBytes: 9000 }, slot: 'pack', bank: 1, ...over,
});

test('flash summary: the slot and bank written, the board and its port, and the rate the bar showed', () => {
  assert.equal(flashSummary(result({}), '/tmp/dendra-tty', 13.4 * 1024),
    'flashed 16960 B to slot pack (bank 1) of board dendra on /tmp/dendra-tty in 1.55 s, 13.4 KiB/s at 115200 baud (sha256 fe5b73db00ccee04..., 0 retries)');
  assert.match(flashSummary(result({ slot: 'grid', bank: null }), '/dev/ttyUSB0', 0), /^flashed 16960 B to slot grid of board dendra on \/dev\/ttyUSB0 /);
  assert.equal(flashSummary(result({ alreadyCommitted: true, bank: 0 }), '/dev/ttyUSB0', 0),
    'slot pack (bank 0) of board dendra on /dev/ttyUSB0 already holds this model (sha256 fe5b73db00ccee04...): nothing sent');
});
