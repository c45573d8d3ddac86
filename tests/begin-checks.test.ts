// Raw model images are checked early (issue 20 "Images checked before the transfer"), on every
// target (tests/support/targets.ts: `dendra sim` and build/dendra-runtime, the real firmware over
// the board's pty): the host refuses bytes that are neither a .tflite nor a signed image before it
// opens the port, and the board refuses a raw model BEGIN whose first 8 bytes (sent with BEGIN,
// docs/flash-protocol.md) lack the "TFL3" identifier with E_BAD_MAGIC, before it erases a bank:
// both committed banks are intact afterwards (read from the flash file).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { startTarget, targets } from './support/targets.ts';
import { gridModelWithLimit } from './windows.ts';
import { flashModelFile, openPort, closePort, serialTransport } from '@dendra/device/flash/flash.ts';
import { BootClient, FlashError, RAW_HEAD_BYTES } from '@dendra/device/flash/loader.ts';
import { IMAGE_MODEL } from '@dendra/device/flash/frame.ts';
import { readSlotImage } from '@dendra/device/image/slotimage.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { InputError } from '@dendra/core/errors.ts';
import { GRID_MODEL } from '@dendra/core/paths.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-begin-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const E_BAD_MAGIC = -2;
const region = loadBoard('sim').flash.regions.model;

test('the host refuses a file that is neither a .tflite nor a signed image before it opens the port', async () => {
  const junk = path.join(tmp, 'junk.tflite');
  writeFileSync(junk, new Uint8Array(200).fill(7));
  await assert.rejects(flashModelFile({ port: path.join(tmp, 'no-such-port'), file: junk }),
    (e: unknown) => e instanceof InputError && e.code === 'E_NOT_TFLITE' && !e.message.includes('\n'));
});

for (const kind of targets()) {
  test(`${kind}: a raw model BEGIN without "TFL3" is refused (E_BAD_MAGIC) before a bank is erased`, { timeout: 120_000 }, async () => {
    const flash = path.join(tmp, `${kind}.flash`);
    const board = await startTarget(kind, { flash, pack: false });
    const other = gridModelWithLimit(path.join(tmp, 'grid-other.tflite'));
    try {
      for (const f of [GRID_MODEL, other.file]) await flashModelFile({ port: board.pty, file: f });
      const junk = new Uint8Array(readFileSync(GRID_MODEL));
      junk.set([0x58, 0x58, 0x58, 0x58], 4); // "XXXX" where "TFL3" belongs
      const port = await openPort(board.pty);
      const c = new BootClient(serialTransport(port), { timeoutMs: 1000, retries: 30 });
      try {
        await c.hello();
        const sha = new Uint8Array(createHash('sha256').update(junk).digest());
        const err = await c.begin(junk.length, sha, IMAGE_MODEL, junk.subarray(0, RAW_HEAD_BYTES)).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof FlashError && err.fwStatus === E_BAD_MAGIC, `refused at BEGIN with E_BAD_MAGIC: ${String(err)}`);
        assert.equal((await c.slotStatus()).receiving, false, 'no transfer started');
      } finally {
        c.close();
        await closePort(port);
      }
    } finally {
      assert.equal(await board.stop(), 0, board.stderr().slice(-500));
    }
    const slot = readSlotImage(readFileSync(flash), region);
    const digests = [GRID_MODEL, other.file].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')).sort();
    assert.deepEqual(slot.banks.map((b) => [b.committed, b.intact]), [[true, true], [true, true]], 'both banks still committed and intact');
    assert.deepEqual(slot.banks.map((b) => b.sha256).sort(), digests, 'the two models flashed before');
  });
}
