import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportGlobals, sections, wasmLayout, withMaxPages } from './wasm-layout.ts';

/** A section: id, LEB128 size (all test sections are < 128 bytes), payload. */
const sec = (id: number, body: number[]) => [id, body.length, ...body];

/** memory 1..3 pages, one mutable i32 global = 1234, export f (returns the global) and m, two data segments. */
function module(): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...sec(1, [1, 0x60, 0, 1, 0x7f]),
    ...sec(3, [1, 0]),
    ...sec(5, [1, 1, 1, 3]),
    ...sec(6, [1, 0x7f, 1, 0x41, 0xd2, 0x09, 0x0b]),
    ...sec(7, [2, 1, 0x66, 0, 0, 1, 0x6d, 2, 0]),
    ...sec(10, [1, 4, 0, 0x23, 0, 0x0b]),
    ...sec(11, [2, 0, 0x41, 16, 0x0b, 3, 1, 2, 3, 0, 0x41, 0xe4, 0x00, 0x0b, 2, 9, 9]),
  ]);
}

test('wasmLayout reads memory limits, data segments and globals', () => {
  const l = wasmLayout(module());
  assert.deepEqual(l.memory, { initialPages: 1, maxPages: 3 });
  assert.deepEqual(l.data, { segments: 2, bytes: 5, activeEnd: 102 });
  assert.deepEqual(l.globals, [{ index: 0, mutable: true, i32Init: 1234 }]);
});

test('exportGlobals makes a measuring copy that V8 accepts and that exposes the global', () => {
  const original = module();
  const copy = exportGlobals(original, [0]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(copy as Uint8Array<ArrayBuffer>));
  const ex = inst.exports as { f(): number; __g0: WebAssembly.Global; m: WebAssembly.Memory };
  assert.equal(ex.__g0.value, 1234);
  assert.equal(ex.f(), 1234);
  assert.deepEqual([...new Uint8Array(ex.m.buffer, 16, 3)], [1, 2, 3]);
  assert.deepEqual(wasmLayout(original), wasmLayout(copy)); // only the exports differ
});

test('malformed modules throw RangeError naming the problem', () => {
  assert.throws(() => sections(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])), /bad magic/);
  const cut = module().subarray(0, 30);
  assert.throws(() => wasmLayout(cut), RangeError);
  const m = module();
  m[m.length - 8] = 7; // the second data segment's flag
  assert.throws(() => wasmLayout(m), /data segment flag 7/);
});

test('withMaxPages caps the memory: V8 refuses to grow past it', () => {
  const capped = withMaxPages(module(), 2);
  assert.deepEqual(wasmLayout(capped).memory, { initialPages: 1, maxPages: 2 });
  const m = (new WebAssembly.Instance(new WebAssembly.Module(capped as Uint8Array<ArrayBuffer>)).exports as { m: WebAssembly.Memory }).m;
  assert.equal(m.grow(1), 1);
  assert.throws(() => m.grow(1), RangeError);
});
