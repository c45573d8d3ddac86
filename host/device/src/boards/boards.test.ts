import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { listBoards, loadBoard } from './board.ts';
import { InputError } from '@dendra/core/errors.ts';
import { BOARDS_DIR } from '@dendra/core/paths.ts';

const REAL = ['esp32-s3-devkitc-1', 'stm32h747i-disco', 'teensy41'];

test('every board file loads and validates', () => {
  const names = listBoards();
  for (const n of ['sim', ...REAL]) assert.ok(names.includes(n), `boards/${n}.json is listed`);
  for (const n of names) {
    const b = loadBoard(n);
    assert.equal(b.name, n);
    assert.ok(b.pmu.modes.active.currentMa > b.pmu.modes.sleep.currentMa, `${n}: active > sleep`);
  }
});

test('every inherited board resolves to its SoC', () => {
  for (const n of listBoards()) {
    const own = JSON.parse(readFileSync(join(BOARDS_DIR, `${n}.json`), 'utf8')) as { inherits?: string };
    if (own.inherits === undefined) continue;
    const socFiles = readdirSync(join(BOARDS_DIR, 'soc')).map((f) => f.replace(/\.json$/, ''));
    assert.ok(socFiles.includes(own.inherits) || listBoards().includes(own.inherits), `${n} inherits a known file`);
    const b = loadBoard(n);
    assert.ok(b.flash.regions.model.size > 4096 && b.uart.maxFramePayload >= 64, `${n}: SoC fields merged in`);
  }
});

test('real boards carry runtime, cyclesPerMac and sources; estimates are labelled', () => {
  for (const n of REAL) {
    const b = loadBoard(n);
    assert.ok(b.runtime === 'wamr-interp' || b.runtime === 'wamr-aot', `${n}: runtime`);
    assert.ok((b.cyclesPerMac ?? 0) > 0, `${n}: cyclesPerMac`);
    assert.match(b.$sources?.cyclesPerMac ?? '', /ESTIMATE/, `${n}: cyclesPerMac is labelled as an estimate`);
    assert.ok(b.$sources?.['pmu.modes.active'], `${n}: active current has a source`);
    assert.ok((b.dma.hwChannels ?? 0) >= 1, `${n}: hardware DMA channels`);
  }
  // board-level overrides win over the SoC
  assert.equal(loadBoard('esp32-s3-devkitc-1').uart.maxBaud, 3000000);
  assert.equal(loadBoard('teensy41').pmu.supplyV, 5);
  assert.equal(loadBoard('teensy41').flash.sizeBytes, 8388608);
});

test('the loader refuses a broken board file with a one-line E_BOARD error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-boards-'));
  try {
    mkdirSync(join(dir, 'soc'));
    writeFileSync(join(dir, 'soc', 'stm32h747.json'), readFileSync(join(BOARDS_DIR, 'soc', 'stm32h747.json')));
    const cases: [object | string, RegExp][] = [
      [{ runtime: 'wasm3' }, /board 'x': field runtime must be one of wamr-interp, wamr-aot \(got "wasm3"\)/],
      [{ cyclesPerMac: 0 }, /field cyclesPerMac must be a number > 0 \(got 0\)/],
      [{ cyclesPerMac: 'fast' }, /field cyclesPerMac must be a number > 0/],
      [{ firmwareBudgetBytes: 999999999 }, /firmwareBudgetBytes \(999999999\) is larger than the firmware slot \(655360 bytes\)/],
      [{ dma: { hwChannels: 0 } }, /dma\.hwChannels must be an integer >= the 2 channel/],
      [{ flash: { regions: { model: { addr: 4096 } } } }, /not aligned to the 131072-byte sector/],
      [{ pmu: { modes: { active: { currentMa: -1 } } } }, /pmu\.modes\.active\.currentMa must be a number >= 0/],
      ['{"inherits": "stm32h747",', /not valid JSON/],
    ];
    for (const [body, re] of cases) {
      const text = typeof body === 'string' ? body : JSON.stringify({ inherits: 'stm32h747', ...body });
      writeFileSync(join(dir, 'x.json'), text);
      assert.throws(() => loadBoard('x', dir), (e: unknown) => {
        assert.ok(e instanceof InputError, `InputError for ${text}`);
        assert.equal((e as InputError).code, 'E_BOARD');
        assert.match((e as Error).message, re);
        assert.ok(!(e as Error).message.includes('\n'), 'one line');
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
