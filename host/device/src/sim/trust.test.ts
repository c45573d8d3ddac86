// The trust anchor in the sim's flash (trust.ts) and the HAL imports the bootloader verifies
// signed images with (crypto_ed25519_verify, board_family).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FlashFile } from './flashfile.ts';
import { SimHal, HAL_E_BOUNDS, boardFamily } from './hal.ts';
import { loadBoard } from '../boards/board.ts';
import { WindowDma } from './sensors.ts';
import { provisionKeys, readKeyTable, keyTableAddr, encodeKeyTable, KEYS_MAGIC, MAX_TRUSTED_KEYS } from './trust.ts';
import { ed, generateKeyPair } from '../image/keys.ts';
import { InputError } from '@dendra/core/errors.ts';

const board = loadBoard('sim');

function withFlash(fn: (f: FlashFile) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-trust-'));
  const f = new FlashFile(join(dir, 'flash.bin'), board.flash.sizeBytes, board.flash.sectorBytes);
  try {
    fn(f);
  } finally {
    f.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('key table: erased = development mode; provisioned keys read back; re-provisioning replaces; [] erases', () => {
  withFlash((f) => {
    const addr = keyTableAddr(board)!;
    assert.equal(addr, board.flash.regions.journal.addr + 4096, 'the sector after the boot counter');
    assert.equal(readKeyTable(f, board), null);
    const a = generateKeyPair();
    const b = generateKeyPair();
    provisionKeys(f, board, [a, b.publicKey]);
    assert.equal(new DataView(f.view().buffer, addr, 8).getUint32(0, true), KEYS_MAGIC);
    assert.deepEqual(readKeyTable(f, board), [a.publicKey, b.publicKey]);
    provisionKeys(f, board, [b]);
    assert.deepEqual(readKeyTable(f, board), [b.publicKey], 'erased before the new table is written (NOR)');
    provisionKeys(f, board, []);
    assert.equal(readKeyTable(f, board), null);
    f.write(addr, Uint8Array.of(0, 0, 0, 0));
    assert.deepEqual(readKeyTable(f, board), [], 'a damaged table trusts nothing (fail closed)');
  });
});

test('key table: refuses too many keys, wrong key sizes', () => {
  const keys = Array.from({ length: MAX_TRUSTED_KEYS + 1 }, () => new Uint8Array(32));
  assert.throws(() => encodeKeyTable(keys), (e: unknown) => e instanceof InputError && e.code === 'E_TRUST');
  assert.throws(() => encodeKeyTable([new Uint8Array(31)]), (e: unknown) => e instanceof InputError && e.code === 'E_TRUST');
  assert.throws(() => encodeKeyTable([]), (e: unknown) => e instanceof InputError && e.code === 'E_TRUST');
});

test('HAL crypto_ed25519_verify and board_family', () => {
  withFlash((flash) => {
    const hal = new SimHal({ board, flash, dma: new WindowDma({ rows: 100, channels: 7, values: new Float32Array(700) }, 0), uartTx: () => {}, log: () => {} });
    const memory = new WebAssembly.Memory({ initial: 1 });
    hal.attach(memory);
    const h = hal.imports().hal as Record<string, (...a: number[]) => number>;
    const mem = new Uint8Array(memory.buffer);
    const k = generateKeyPair();
    const msg = new TextEncoder().encode('header||payload');
    mem.set(msg, 100);
    mem.set(ed.sign(msg, k.secretKey), 200);
    mem.set(k.publicKey, 300);
    assert.equal(h.crypto_ed25519_verify(100, msg.length, 200, 300), 1);
    mem[100] ^= 1;
    assert.equal(h.crypto_ed25519_verify(100, msg.length, 200, 300), 0, 'altered message');
    mem[100] ^= 1;
    mem.fill(0xff, 300, 332);
    assert.equal(h.crypto_ed25519_verify(100, msg.length, 200, 300), 0, 'malformed key is invalid, not a throw');
    assert.equal(h.crypto_ed25519_verify(100, msg.length, mem.length - 10, 300), HAL_E_BOUNDS);
    assert.equal(boardFamily(board), 'sim-soc');
    assert.equal(h.board_family(400, 16), 7);
    assert.equal(new TextDecoder().decode(mem.subarray(400, 407)), 'sim-soc');
    assert.equal(h.board_family(500, 3), 3, 'truncated to cap');
    assert.equal(h.board_family(mem.length - 2, 16), HAL_E_BOUNDS);
  });
});
