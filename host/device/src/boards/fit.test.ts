import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadBoard, type Board } from './board.ts';
import { InputError } from '@dendra/core/errors.ts';
import { assertModelFits, energyUj, firmwareCapacity, fitModel, latencyMs, listModelCards, modelCapacity, readModelCard, type ModelFacts } from './fit.ts';
import { MODELS_DIR } from '@dendra/core/paths.ts';

/** A hand-made board: 100 MHz, 10 cycles/MAC, 20 mA at 3 V, model region 72 KiB (two 36 KiB banks), slots 64/48 KiB. */
function board(extra: Partial<Board> = {}): Board {
  return {
    name: 'hand', cpu: { arch: 'test', clockMHz: 100 }, ramBytes: 262144,
    flash: {
      sizeBytes: 262144, sectorBytes: 4096,
      regions: {
        boot: { addr: 0, size: 4096 }, slotA: { addr: 4096, size: 65536 }, slotB: { addr: 69632, size: 49152 },
        model: { addr: 118784, size: 73728 }, journal: { addr: 192512, size: 4096 },
      },
    },
    arenaLimitBytes: 2048, uart: { defaultBaud: 115200, maxBaud: 921600, maxFramePayload: 1024 },
    dma: { channels: [{ id: 0, name: 't', frameBytes: 2688 }] },
    pmu: { supplyV: 3, modes: { active: { currentMa: 20 }, sleep: { currentMa: 1 } } },
    runtime: 'wamr-aot', cyclesPerMac: 10, ...extra,
  };
}
const grid: ModelFacts = { name: 'grid', tfliteBytes: 7664, arenaBytes: 784, macs: 16512 };

test('hand-computed latency and energy', () => {
  // 16512 MACs x 10 cycles = 165120 cycles; / 100e6 Hz = 1.6512 ms
  assert.equal(latencyMs(board(), 16512), 1.6512);
  // 20 mA x 3 V = 60 mW; x 1.6512 ms = 99.072 uJ
  assert.ok(Math.abs(energyUj(board(), 1.6512)! - 99.072) < 1e-9);
  assert.equal(latencyMs(board({ cyclesPerMac: undefined }), 16512), null);
  assert.equal(energyUj(board(), null), null);
});

test('capacities: model window = bank (half the region, sector-aligned) - 4096, capped at 64 KiB; firmware = budget or smaller slot', () => {
  assert.equal(modelCapacity(board()), 32768);
  const odd = board();
  odd.flash.regions.model.size = 73728 + 6000; // half is 39864: rounded down to 36864
  assert.equal(modelCapacity(odd), 32768);
  const big = board();
  big.flash.regions.model.size = 1048576;
  assert.equal(modelCapacity(big), 65536, 'firmware RAM window cap');
  assert.equal(firmwareCapacity(board()), 49152, 'smaller of slotA/slotB');
  assert.equal(firmwareCapacity(board({ firmwareBudgetBytes: 40960 })), 40960);
});

test('fitModel: grid fits the hand board; each check can fail on its own', () => {
  const f = fitModel(board(), grid, 23699);
  assert.equal(f.fits, true);
  assert.deepEqual(f.weights, { need: 7664, have: 32768, ok: true });
  assert.deepEqual(f.arena, { need: 784, have: 2048, ok: true });
  assert.deepEqual(f.firmware, { need: 23699, have: 49152, ok: true });
  assert.equal(f.latencyMs, 1.6512);
  assert.equal(fitModel(board(), { ...grid, tfliteBytes: 32769 }, 1).fits, false);
  assert.equal(fitModel(board(), { ...grid, arenaBytes: 2049 }, 1).arena.ok, false);
  assert.equal(fitModel(board(), grid, 49153).firmware.ok, false);
  const unknownFw = fitModel(board(), grid);
  assert.equal(unknownFw.firmware.ok, null);
  assert.equal(unknownFw.fits, true, 'an unknown firmware size does not fail the fit');
});

test('grid on the real boards: numbers from the board files', () => {
  const card = readModelCard(join(MODELS_DIR, 'grid', 'grid.card.json'));
  assert.equal(card.tfliteBytes, statSync(join(MODELS_DIR, 'grid', 'grid.tflite')).size, 'the card describes the committed model');
  const h7 = fitModel(loadBoard('stm32h747i-disco'), card, 23699);
  assert.equal(h7.fits, true);
  assert.equal(h7.weights.have, 65536);
  assert.ok(Math.abs(h7.latencyMs! - (card.macs * 5) / 480e3) < 1e-12); // MACs x 5 cycles / 480 MHz
  const esp = fitModel(loadBoard('esp32-s3-devkitc-1'), card, 23699);
  assert.ok(Math.abs(esp.latencyMs! - (card.macs * 290) / 240e3) < 1e-12); // MACs x 290 cycles / 240 MHz
  assert.ok(Math.abs(esp.energyUj! - 50 * 3.3 * esp.latencyMs!) < 1e-9);
  assert.equal(fitModel(loadBoard('sim'), card).latencyMs, null, 'sim has no cyclesPerMac');
});

test('assertModelFits throws E_MODEL_TOO_BIG with the numbers on one line', () => {
  assert.doesNotThrow(() => assertModelFits(board(), 32768, 2048));
  assert.throws(() => assertModelFits(board(), 40000, 10), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal((e as InputError).code, 'E_MODEL_TOO_BIG');
    assert.equal((e as Error).message, "model is 40000 bytes but board 'hand' holds 32768 (bank of 36864 - 4096 header, window cap 65536)");
    return true;
  });
  assert.throws(() => assertModelFits(board(), 100, 4096), (e: unknown) => {
    assert.equal((e as InputError).code, 'E_MODEL_TOO_BIG');
    assert.equal((e as Error).message, "model needs a 4096-byte arena but board 'hand' allows 2048 (arenaLimitBytes)");
    assert.ok(!(e as Error).message.includes('\n'));
    return true;
  });
});

test('model cards: listed from models/*/, malformed card is a one-line E_MODEL_CARD', () => {
  assert.ok(listModelCards().some((p) => p.endsWith(join('grid', 'grid.card.json'))));
  const dir = mkdtempSync(join(tmpdir(), 'dendra-cards-'));
  try {
    assert.deepEqual(listModelCards(join(dir, 'nope')), []);
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', 'm.card.json'), JSON.stringify({ name: 'm', bytes: 10, arena: {} }));
    assert.equal(listModelCards(dir).length, 1);
    assert.throws(() => readModelCard(join(dir, 'm', 'm.card.json')), (e: unknown) =>
      e instanceof InputError && e.code === 'E_MODEL_CARD' && /field arena\.bytes must be a number/.test(e.message));
    writeFileSync(join(dir, 'm', 'm.card.json'), '{not json');
    assert.throws(() => readModelCard(join(dir, 'm', 'm.card.json')), /not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pack slot: the pack model is checked against the packModel region; a board without one cannot hold it', () => {
  const pack: ModelFacts = { name: 'pack', tfliteBytes: 16960, arenaBytes: 2016, macs: 95929, slot: 'pack' };
  const none = fitModel(board(), pack);
  assert.equal(modelCapacity(board(), 'pack'), 0);
  assert.deepEqual([none.fits, none.weights.have], [false, 0]);
  const b = board();
  b.flash.regions.packModel = { addr: 196608, size: 65536 }; // two 32 KiB banks
  assert.equal(modelCapacity(b, 'pack'), 28672);
  assert.equal(modelCapacity(b), 32768, 'the grid slot is unchanged');
  const r = fitModel(b, pack);
  assert.deepEqual([r.fits, r.weights.ok, r.arena.ok], [true, true, true]);
  assert.equal(fitModel(b, { ...pack, tfliteBytes: 30000 }).fits, false);
  assert.equal(fitModel(loadBoard('sim'), pack).weights.have, 61440);
});
