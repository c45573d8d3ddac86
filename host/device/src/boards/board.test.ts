import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadBoard, listBoards, deepMerge } from './board.ts';
import { UsageError, InputError } from '@dendra/core/errors.ts';
import { BOARDS_DIR } from '@dendra/core/paths.ts';

test('sim board inherits its SoC (deep merge) and validates', () => {
  const b = loadBoard('sim');
  assert.equal(b.name, 'sim');
  assert.equal(b.flash.sectorBytes, 4096);
  assert.equal(b.uart.maxFramePayload, 1024);
  assert.equal(b.arenaLimitBytes, 65536);
  assert.ok(b.flash.regions.model.size > 4096);
  assert.ok(b.pmu.modes.active.currentMa > b.pmu.modes.sleep.currentMa);
  assert.match(b.description ?? '', /Simulated/);
});

test('unknown board name is a UsageError listing the known boards', () => {
  assert.throws(() => loadBoard('x'), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.equal((e as Error).message, "unknown board 'x' (known: esp32-s3-devkitc-1, linux-gateway, sim, stm32h747i-disco, teensy41)");
    return true;
  });
  assert.throws(() => loadBoard('../boards/sim'), UsageError);
});

test('the board list comes from the directory: adding a board is adding a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-boards-'));
  try {
    mkdirSync(join(dir, 'soc'));
    writeFileSync(join(dir, 'soc', 'sim-soc.json'), readFileSync(join(BOARDS_DIR, 'soc', 'sim-soc.json')));
    writeFileSync(join(dir, 'sim.json'), readFileSync(join(BOARDS_DIR, 'sim.json')));
    writeFileSync(join(dir, 'big.json'), JSON.stringify({
      inherits: 'sim', arenaLimitBytes: 131072, uart: { maxBaud: 2000000 },
    }));
    assert.deepEqual(listBoards(dir), ['big', 'sim']);
    const big = loadBoard('big', dir);
    assert.equal(big.arenaLimitBytes, 131072);
    assert.equal(big.uart.maxBaud, 2000000);
    assert.equal(big.uart.defaultBaud, 115200, 'sibling keys survive the merge');
    assert.equal(big.flash.regions.model.addr, loadBoard('sim').flash.regions.model.addr);
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ inherits: 'sim', flash: { regions: { model: { addr: 1 } } } }));
    assert.throws(() => loadBoard('broken', dir), (e: unknown) => e instanceof InputError && /not aligned/.test((e as Error).message));
    writeFileSync(join(dir, 'loop.json'), JSON.stringify({ inherits: 'loop' }));
    assert.throws(() => loadBoard('loop', dir), /cycle/);
    writeFileSync(join(dir, 'orphan.json'), JSON.stringify({ inherits: 'nope' }));
    assert.throws(() => loadBoard('orphan', dir), /inherits unknown 'nope'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deepMerge merges objects, replaces arrays and scalars', () => {
  const m = deepMerge({ a: { x: 1, y: 2 }, l: [1, 2], s: 1 }, { a: { y: 3 }, l: [9], s: 2 });
  assert.deepEqual(m, { a: { x: 1, y: 3 }, l: [9], s: 2 });
});
