// writer.ts -> reader.ts round trips and the reader's validation of corrupt files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeTflite } from './writer.ts';
import { readTflite } from './reader.ts';
import { fcModel, miniGridModel } from './fixtures.ts';
import { InputError } from '../errors.ts';
import type { QModel } from './ir.ts';
import { FbView } from './fbview.ts';
import { ModelF, OperatorCodeF } from './schema.ts';

function assertModelError(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.code, 'E_MODEL');
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  });
}

test('round trip: mini grid model [4,8]->[1,3] with per-channel FC weights is identical', () => {
  const m = miniGridModel({ perChannel: true });
  const back = readTflite(writeTflite(m));
  assert.deepEqual(back, m);
});

test('round trip: per-tensor FC [2,5]->[2,3] RELU6 is identical', () => {
  const m = fcModel({ perChannel: false, batch: 2, inC: 5, outC: 3, activation: 'RELU6' });
  assert.deepEqual(readTflite(writeTflite(m)), m);
});

test('writer: TFL3 identifier, version 3, buffer 0 empty, constant data 16-byte aligned', () => {
  const m = miniGridModel({ perChannel: true });
  const bytes = writeTflite(m);
  assert.equal(String.fromCharCode(...bytes.subarray(4, 8)), 'TFL3');
  // Find each constant tensor's data bytes in the file and check their offset alignment.
  for (const t of m.tensors.filter((x) => x.data && x.data.length >= 4)) {
    const le = new Uint8Array(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength);
    let at = -1;
    for (let i = 0; i + le.length <= bytes.length && at < 0; i += 16) {
      if (le.every((v, k) => bytes[i + k] === v)) at = i;
    }
    assert.ok(at >= 0 && at % 16 === 0, `tensor ${t.name} data 16-byte aligned`);
  }
});

test('writer: op codes deduplicated in first-use order; deprecated code = min(code, 127) (BATCH_MATMUL 126)', () => {
  const m = miniGridModel({ perChannel: false });
  const model = new FbView(writeTflite(m)).root('model');
  const codes = model.tables(ModelF.operator_codes, 'codes').map((c) => [
    c.i8(OperatorCodeF.deprecated_builtin_code, 0), c.i32(OperatorCodeF.builtin_code, 0), c.i32(OperatorCodeF.version, 1),
  ]);
  assert.deepEqual(codes, [[9, 9, 4], [126, 126, 2], [22, 22, 1], [25, 25, 2]]);
  assert.equal(model.u32(ModelF.version, 0), 3);
  const buffers = model.tables(ModelF.buffers, 'buffers');
  assert.equal(buffers[0].vector(0, 1, 'b0').length, 0, 'buffer 0 is empty');
  assert.deepEqual(readTflite(writeTflite(m)).ops.map((o) => o.op), m.ops.map((o) => o.op));
});

test('writer: rejects an op naming a missing tensor', () => {
  const m: QModel = fcModel({ perChannel: false, batch: 1, inC: 2, outC: 2 });
  m.ops[0].inputs[0] = 99;
  assertModelError(() => writeTflite(m), /tensor 99/);
});

test('reader: rejects short input, bad identifier and wrong version', () => {
  assertModelError(() => readTflite(new Uint8Array(3)), /too short/);
  const bytes = writeTflite(fcModel({ perChannel: false, batch: 1, inC: 2, outC: 2 }));
  const bad = bytes.slice();
  bad[4] = 0x58;
  assertModelError(() => readTflite(bad), /identifier/);
});

test('reader: truncated files give E_MODEL, never RangeError/TypeError', () => {
  const bytes = writeTflite(miniGridModel({ perChannel: true }));
  for (let n = 8; n < bytes.length; n += 7) {
    assert.throws(() => readTflite(bytes.subarray(0, n)), (e: unknown) => e instanceof InputError && e.code === 'E_MODEL', `length ${n}`);
  }
});

test('reader: random byte corruption gives a model or E_MODEL, never another error', () => {
  const bytes = writeTflite(miniGridModel({ perChannel: true }));
  let s = 12345;
  let rejected = 0;
  for (let k = 0; k < 2000; k++) {
    const bad = bytes.slice();
    for (let j = 0; j < 3; j++) {
      s = (s * 1103515245 + 12345) >>> 0;
      bad[8 + (s % (bad.length - 8))] = s >>> 24;
    }
    try {
      readTflite(bad);
    } catch (e) {
      assert.ok(e instanceof InputError && e.code === 'E_MODEL', `trial ${k}: ${String(e)}`);
      rejected++;
    }
  }
  assert.ok(rejected > 0, 'some corruptions are detected');
});

test('reader: a tensor whose buffer size does not match its shape is rejected', () => {
  const m = fcModel({ perChannel: false, batch: 1, inC: 4, outC: 2 });
  const bytes = writeTflite(m);
  const back = readTflite(bytes);
  back.tensors[1].shape = [2, 5];
  back.tensors[1].data = new Int8Array(10);
  const ok = writeTflite(back);
  // Patch the shape in the file back to [2,4] by rewriting via a model with a mismatching buffer.
  const view = new DataView(ok.buffer);
  let patched = false;
  for (let i = 0; i + 12 <= ok.length && !patched; i += 4) {
    if (view.getUint32(i, true) === 2 && view.getInt32(i + 4, true) === 2 && view.getInt32(i + 8, true) === 5) {
      view.setInt32(i + 8, 4, true);
      patched = true;
    }
  }
  assert.ok(patched, 'found the shape vector');
  assertModelError(() => readTflite(ok), /needs 8 bytes, buffer \d+ has 10/);
});
