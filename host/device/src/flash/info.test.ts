import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBoardInfo, type BoardInfo } from './info.ts';

const hello = { boardId: 'dendra', proto: 1, maxFrame: 1024, slotSize: 61440 };
const bank = (n: number, len: number) => ({ received: len, size: len, sha256Prefix: 'ab'.repeat(8), receiving: false, active: { bank: n, generation: 1, length: len, sha256Prefix: 'cd'.repeat(8) } });

test('info names both model slots when the board\'s STATUS names the slot it reports', () => {
  const i: BoardInfo = { port: '/dev/pts/5', hello, status: bank(0, 11344), slots: { grid: { ...bank(0, 11344), slot: 0 }, pack: { ...bank(1, 16960), slot: 2 } }, firmware: null };
  const lines = formatBoardInfo(i);
  assert.ok(lines.includes('grid slot bank 0, generation 1, 11344 B, sha256 cdcdcdcdcdcdcdcd...'), lines.join('\n'));
  assert.ok(lines.includes('pack slot bank 1, generation 1, 16960 B, sha256 cdcdcdcdcdcdcdcd...'), lines.join('\n'));
});

test('info with a firmware whose STATUS cannot name the slot: no slot mislabelled as grid; the pack slot is said to be unreadable', () => {
  const i: BoardInfo = { port: '/dev/pts/5', hello, status: bank(0, 16960), slots: null, firmware: null };
  const lines = formatBoardInfo(i);
  assert.ok(lines.some((l) => /^model {5}bank 0, .*16960 B.*the slot written last: grid or pack/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^pack slot not readable over serial with this firmware/.test(l)));
  assert.ok(!lines.some((l) => l.startsWith('grid slot')));
});
