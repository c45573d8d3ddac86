// A grid model too large for the arena left beside the parked pack model (app/slot.ts slotLoad) is
// loaded with the whole arena, never replaced by the older grid bank, on every target
// (tests/support/targets.ts: `dendra sim` and build/dendra-runtime, the real firmware over the
// board's pty). Were the older bank loaded (and so marked active), the next BEGIN would erase the
// newest bank instead of the older one: after a third grid model, the slot would hold the old model
// and the third, and the big one would be lost. Read from the flash file: the banks hold the big
// model and the third. The big model is the shipped grid model plus dead CONCATENATION ops on its
// input (outputs unchanged); its arena need is measured on the firmware's interpreter
// (build/engine.wasm), so the test checks its own premise.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { startTarget, targets } from './support/targets.ts';
import { gridModelWithLimit } from './windows.ts';
import { flashModelFile } from '@dendra/device/flash/flash.ts';
import { readSlotImage } from '@dendra/device/image/slotimage.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { instantiateEngine } from '@dendra/device/engine/engine.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { writeTflite } from '@dendra/core/tflite/writer.ts';
import type { QTensor } from '@dendra/core/tflite/ir.ts';
import { GRID_MODEL, PACK_MODEL } from '@dendra/core/paths.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-beside-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const board = loadBoard('sim');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The shipped grid model (input [7, 336]) with three dead CONCATENATION ops of its input appended
 * (row counts 14, 21, 119 of 336 columns, live together: 2 + 3 + 17 = 22 copies of the input, 51,744 B):
 * the same outputs, an arena need just above what is left beside the parked pack model (the
 * premise test measures it).
 */
function bigGrid(): Uint8Array {
  const m = readTflite(new Uint8Array(readFileSync(GRID_MODEL)));
  const inp = m.inputs[0];
  const x = m.tensors[inp];
  assert.deepEqual(x.shape, [7, 336], 'the grid model\'s input shape changed: rework bigGrid');
  const n = m.tensors.length;
  const pad = (name: string, rows: number): QTensor => ({ ...x, name, shape: [rows, 336] });
  m.tensors.push(pad('pad1', 14), pad('pad2', 21), pad('pad3', 14 * 7 + 21));
  m.ops.push({ op: 'CONCATENATION', inputs: Array(2).fill(inp), outputs: [n], options: { axis: 0 } });
  m.ops.push({ op: 'CONCATENATION', inputs: [n, inp], outputs: [n + 1], options: { axis: 0 } });
  m.ops.push({ op: 'CONCATENATION', inputs: [...Array(7).fill(n), n + 1], outputs: [n + 2], options: { axis: 0 } });
  return writeTflite(m);
}

/** Arena need of `model` on the firmware's interpreter (0 when refused), and the state record's size. */
async function arenaNeeds(models: Uint8Array[], cap: number): Promise<{ needs: number[]; state: number }> {
  const x = await instantiateEngine(false);
  const arena = x.engineAlloc(cap);
  const needs = models.map((b) => {
    const p = x.engineAlloc(b.length);
    new Uint8Array(x.memory.buffer, p, b.length).set(b);
    return x.modelLoad(p, b.length, arena, cap) === 0 ? x.modelArenaBytes() : 0;
  });
  return { needs, state: x.modelStateBytes() };
}

const big = bigGrid();
const bigFile = path.join(tmp, 'grid-big.tflite');
writeFileSync(bigFile, big);

test('premise: the big grid model fits the whole arena but not the part beside the parked pack model; the shipped one does', async () => {
  const cap = board.arenaLimitBytes;
  const files: Uint8Array[] = [PACK_MODEL, GRID_MODEL].map((f) => new Uint8Array(readFileSync(f)));
  const { needs: [pack, grid, bigNeed], state } = await arenaNeeds([...files, big], cap);
  const beside = cap - state - ((pack + 7) & ~7) - 8;
  assert.ok(pack > 0 && grid > 0 && bigNeed > 0, `all load alone in ${cap} B: ${pack} ${grid} ${bigNeed}`);
  assert.ok(grid <= beside && bigNeed > beside, `grid ${grid} B fits beside the pack (${beside} B left), big ${bigNeed} B does not`);
});

for (const kind of targets()) {
  test(`${kind}: a grid model too large beside the parked pack model loads with the whole arena; the next flash replaces the older bank`, { timeout: 180_000 }, async () => {
    const flash = path.join(tmp, `${kind}.flash`);
    const b = await startTarget(kind, { flash });
    const third = gridModelWithLimit(path.join(tmp, 'grid-third.tflite'));
    try {
      for (const f of [PACK_MODEL, GRID_MODEL, bigFile]) await flashModelFile({ port: b.pty, file: f });
      // The board reloads after FINISH: wait for the big model's "model loaded" (the shipped one's
      // came first; without the whole-arena retry the older bank loads again, silently).
      for (let i = 0; i < 100 && (b.stderr().match(/board: model loaded/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      await flashModelFile({ port: b.pty, file: third.file });
    } finally {
      assert.equal(await b.stop(), 0, b.stderr().slice(-500));
    }
    const slot = readSlotImage(readFileSync(flash), board.flash.regions.model);
    const want = [sha(big), sha(readFileSync(third.file))].sort();
    assert.deepEqual(slot.banks.filter((x) => x.committed && x.intact).map((x) => x.sha256).sort(), want,
      `the grid slot holds the big model and the third (the shipped one was the older bank); stderr: ${b.stderrAll().slice(-600)}`);
  });
}
