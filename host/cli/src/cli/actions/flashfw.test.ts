import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FirmwareFlashResult } from '@dendra/device/flash/firmware.ts';
import { firmwareSummary } from './flashfw.ts';

const result = (over: Partial<FirmwareFlashResult>): FirmwareFlashResult => ({
  board: { boardId: 'dendra', proto: 1, maxFrame: 1024, slotSize: 61440 }, slot: 'B', bytes: 73351, signed: false, sha256: 'ab12cd34ef56ab78'.padEnd(64, '0'),
  resumes: 0, retries: 2, ms: 3290, alreadyRunning: false, frames: { writes: 3, writezs: 35, payloadBytes: 35000 }, writeBytesPerSec: 22000, ...over,
});

test('firmware flash summary: the firmware slot, the board (HELLO\'s id) and its port, time, rate', () => {
  assert.equal(firmwareSummary(result({}), '/dev/ttyUSB0', 21.5 * 1024),
    'flashed firmware, 73351 B, to firmware slot B of board dendra on /dev/ttyUSB0: booted and confirmed in 3.29 s, 21.5 KiB/s (sha256 ab12cd34ef56ab78..., 2 retries, 35 compressed frame(s))');
  assert.match(firmwareSummary(result({ signed: true, slot: 'A', frames: { writes: 5, writezs: 0, payloadBytes: 0 } }), '/tmp/tty', 0),
    /^flashed signed firmware, 73351 B, to firmware slot A of board dendra on \/tmp\/tty: booted and confirmed in 3\.29 s, .*2 retries\)$/);
});

test('firmware flash summary when the board already runs the firmware names the slot, the board and the port', () => {
  assert.equal(firmwareSummary(result({ alreadyRunning: true, slot: 'A' }), '/dev/ttyACM1', 0),
    'firmware slot A of board dendra on /dev/ttyACM1 already runs this firmware (sha256 ab12cd34ef56ab78...): nothing sent');
});
