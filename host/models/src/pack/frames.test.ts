import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f32Decimal, packFramesCsv, parsePackFramesCsv } from './frames.ts';
import { replayPack } from './replay.ts';

test('f32Decimal: the shortest decimal that reads back (double, then f32) as the same f32', () => {
  for (const v of [0, 1, -1, 0.5, 0.1, 1 / 3, 25.29, 1e-7, 3.4028234663852886e38, 1.401298464324817e-45, -2.5e-12]) {
    const f = Math.fround(v);
    const s = f32Decimal(f);
    assert.equal(Math.fround(Number(s)), f, `${v} -> ${s}`);
    assert.ok(s.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length <= 9, `at most 9 significant digits: ${s}`);
  }
  assert.equal(f32Decimal(Math.fround(0.1)), '0.1');
  assert.equal(f32Decimal(-0), '-0');
  assert.throws(() => f32Decimal(0.1), /not a finite f32/); // a double that is not an f32
  assert.throws(() => f32Decimal(Number.NaN), /not a finite f32/);
});

test('packFramesCsv: the replay frames round-trip exactly (every value, every frame)', () => {
  const { frames } = replayPack({ ccdFraction: 0.55, cycles: 40 });
  const text = packFramesCsv(frames);
  assert.equal(text.split('\n').length, frames.length + 1, 'one line per frame');
  const back = parsePackFramesCsv(text);
  assert.equal(back.length, frames.length);
  back.forEach((f, k) => assert.deepEqual(new Uint8Array(f.buffer), new Uint8Array(frames[k].buffer), `frame ${k} bytes`));
});

test('packFramesCsv / parsePackFramesCsv: bad input names the problem', () => {
  assert.throws(() => packFramesCsv([]), /no frames/);
  assert.throws(() => packFramesCsv([new Float32Array(2), new Float32Array(3)]), /frame 1 has 3 values, frame 0 has 2/);
  assert.throws(() => parsePackFramesCsv('1,2\n1,x\n'), /line 2: 'x' is not a number/);
  assert.throws(() => parsePackFramesCsv('1,2\n\n1,2,3\n'), /line 3: 3 values, the first frame has 2/);
  assert.deepEqual(parsePackFramesCsv('# comment\n\n1,2\n'), [Float32Array.of(1, 2)]);
});
