// The simulator's boot ROM (sim/bootrom.ts) on hand-made slot headers in a real flash file: which
// slot boots, when it rolls back, and that it never boots an image whose bytes or signature do
// not check out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { BootRom, FW, FwState, readFwSlot } from './bootrom.ts';
import { FlashFile } from './flashfile.ts';
import { loadBoard } from '../boards/board.ts';
import { provisionKeys } from './trust.ts';
import { generateKeyPair, type PrivateKey } from '../image/keys.ts';
import { signImage } from '../image/sign.ts';

const board = loadBoard('sim');
const FACTORY = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xfa]);
let dir = '';
let n = 0;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const wasm = (tag: number) => Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, tag, tag, tag]);

before(() => (dir = mkdtempSync(join(tmpdir(), 'dendra-bootrom-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

function newFlash(): FlashFile {
  return new FlashFile(join(dir, `flash-${++n}.bin`), board.flash.sizeBytes, board.flash.sectorBytes);
}

type Mark = 'committed' | 'pending' | 'tried' | 'confirmed' | 'revoked';
const MARK_OFF: Record<Mark, number> = { committed: FW.COMMITTED, pending: FW.PENDING, tried: FW.TRIED, confirmed: FW.CONFIRMED, revoked: FW.REVOKED };

/** Writes slot i as fwslot.ts would: image at +4096, header words, the given state marks. */
function putSlot(f: FlashFile, i: 0 | 1, image: Uint8Array, gen: number, marks: Mark[], signedPayload?: Uint8Array): void {
  const addr = board.flash.regions[i === 0 ? 'slotA' : 'slotB'].addr;
  f.erase(addr, FW.HEADER + board.flash.sectorBytes * Math.ceil(image.length / board.flash.sectorBytes));
  const payload = signedPayload ?? image;
  const h = new Uint8Array(96).fill(0xff);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, FW.MAGIC, true);
  dv.setUint32(FW.LEN, payload.length, true);
  h.set(createHash('sha256').update(payload).digest(), FW.SHA);
  dv.setUint32(FW.DATA_OFF, signedPayload ? 80 : 0, true);
  dv.setUint32(FW.GEN, gen, true);
  for (const m of marks) dv.setUint32(MARK_OFF[m], FW.MARK, true);
  assert.equal(f.write(addr + FW.HEADER, image), 0);
  assert.equal(f.write(addr, h), 0);
}

function rom(f: FlashFile, write = (a: number, d: Uint8Array) => f.write(a, d)): BootRom {
  return new BootRom(f, board, FACTORY, write);
}

test('no slot image: the factory image boots', () => {
  const f = newFlash();
  try {
    assert.deepEqual({ ...rom(f).pick(), wasm: null }, { slot: -1, test: false, wasm: null, sha256: sha(FACTORY) });
  } finally {
    f.close();
  }
});

test('the confirmed slot with the highest generation boots; a revoked one never does', () => {
  const f = newFlash();
  try {
    putSlot(f, 0, wasm(1), 1, ['committed', 'pending', 'tried', 'confirmed']);
    putSlot(f, 1, wasm(2), 2, ['committed', 'pending', 'tried', 'confirmed']);
    assert.equal(rom(f).pick().sha256, sha(wasm(2)));
    assert.equal(f.write(board.flash.regions.slotB.addr + FW.REVOKED, Uint8Array.of(0xa5, 0xa5, 0, 0)), 0);
    const p = rom(f).pick();
    assert.equal(p.slot, 0);
    assert.deepEqual(p.wasm, wasm(1));
  } finally {
    f.close();
  }
});

test('a pending slot gets one test boot (TRIED written first); without CONFIRMED the next boot rolls back', () => {
  const f = newFlash();
  try {
    putSlot(f, 0, wasm(1), 1, ['committed', 'pending', 'tried', 'confirmed']);
    putSlot(f, 1, wasm(2), 2, ['committed', 'pending']);
    const first = rom(f).pick();
    assert.equal(first.slot, 1);
    assert.equal(first.test, true);
    assert.ok((readFwSlot(f, board, 1).state & FwState.tried) !== 0, 'TRIED is in flash before the test boot runs');
    const second = rom(f).pick(); // reset, power cut or failed self-test before CONFIRMED
    assert.equal(second.slot, 0);
    assert.equal(second.test, false);
  } finally {
    f.close();
  }
});

test('a power cut on the ROM\'s TRIED write leaves the slot pending: the next boot tries it', () => {
  const f = newFlash();
  try {
    putSlot(f, 1, wasm(2), 1, ['committed', 'pending']);
    const cut = new Error('power cut');
    assert.throws(() => rom(f, () => {
      throw cut;
    }).pick(), (e) => e === cut);
    assert.equal(readFwSlot(f, board, 1).state & FwState.tried, 0);
    const p = rom(f).pick();
    assert.equal(p.slot, 1);
    assert.equal(p.test, true);
  } finally {
    f.close();
  }
});

test('a slot whose bytes no longer match its SHA-256 is skipped (the other slot, else the factory image)', () => {
  const f = newFlash();
  try {
    putSlot(f, 0, wasm(1), 1, ['committed', 'pending', 'tried', 'confirmed']);
    putSlot(f, 1, wasm(2), 2, ['committed', 'pending', 'tried', 'confirmed']);
    // NOR bit rot: clear one bit of slot B's image
    assert.equal(f.write(board.flash.regions.slotB.addr + FW.HEADER + 9, Uint8Array.of(0x00)), 0);
    assert.equal(rom(f).pick().slot, 0);
    assert.equal(f.write(board.flash.regions.slotA.addr + FW.HEADER + 9, Uint8Array.of(0x00)), 0);
    assert.equal(rom(f).pick().slot, -1);
  } finally {
    f.close();
  }
});

test('keyed board: a raw slot image is ignored, a signed one boots only with a trusted key\'s valid signature', () => {
  const f = newFlash();
  const ops: PrivateKey = generateKeyPair();
  const other = generateKeyPair();
  const meta = { type: 'firmware' as const, family: 'sim-soc', version: { major: 1, minor: 0, patch: 0 } };
  try {
    provisionKeys(f, board, [ops]);
    putSlot(f, 0, wasm(1), 5, ['committed', 'pending', 'tried', 'confirmed']);
    assert.equal(rom(f).pick().slot, -1, 'raw image on a keyed board');
    putSlot(f, 1, signImage(wasm(2), meta, other), 2, ['committed', 'pending', 'tried', 'confirmed'], wasm(2));
    assert.equal(rom(f).pick().slot, -1, 'signed by a key the board does not trust');
    const good = signImage(wasm(3), meta, ops);
    putSlot(f, 1, good, 2, ['committed', 'pending', 'tried', 'confirmed'], wasm(3));
    const p = rom(f).pick();
    assert.equal(p.slot, 1);
    assert.deepEqual(p.wasm, wasm(3));
    const forged = good.slice();
    forged[forged.length - 1] ^= 0x80; // last byte of the signature
    putSlot(f, 1, forged, 2, ['committed', 'pending', 'tried', 'confirmed'], wasm(3));
    assert.equal(rom(f).pick().slot, -1, 'a bad signature is never booted');
  } finally {
    f.close();
  }
});
