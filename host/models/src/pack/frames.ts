/**
 * Pack replay frames as text: the file the native runtime replays on DMA channel 1
 * (`dendra-runtime --pack-frames FILE`, runtime/README-net-dma.md) and `dendra pack frames` writes.
 * One frame per line, its f32 values comma-separated, each as the shortest decimal that reads back
 * (strtod to a double, then rounded to float, as the runtime reads it; `Math.fround(Number(s))` here)
 * as exactly the same f32. So the runtime replays the very frames the simulator's `PackDma` replays.
 */
import { InputError } from '@dendra/core/errors.ts';

/**
 * The shortest decimal of the f32 value `v` (a number already representable as f32) that reads back
 * as `v` through double then f32 rounding. `-0` is written `-0`.
 * @throws InputError `E_DATA` when `v` is not finite or not an f32 value (`Math.fround(v) !== v`).
 */
export function f32Decimal(v: number): string {
  if (!Number.isFinite(v) || Math.fround(v) !== v) throw new InputError('E_DATA', `pack frame value ${v} is not a finite f32`);
  if (Object.is(v, -0)) return '-0';
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === v) return s;
  }
  return String(v); // unreachable: 9 significant digits always round-trip an f32
}

/**
 * The frames as the runtime's pack replay text: one line per frame, values by {@link f32Decimal}.
 * @throws InputError `E_DATA` when there are no frames, they differ in length, or a value is not a finite f32.
 */
export function packFramesCsv(frames: readonly Float32Array[]): string {
  if (frames.length === 0) throw new InputError('E_DATA', 'pack replay has no frames');
  const n = frames[0].length;
  return frames.map((f, k) => {
    if (f.length !== n) throw new InputError('E_DATA', `pack frame ${k} has ${f.length} values, frame 0 has ${n}`);
    return Array.from(f, f32Decimal).join(',');
  }).join('\n') + '\n';
}

/**
 * Reads a pack replay text back (blank lines and `#` lines skipped, as the runtime does), each value
 * rounded to f32 as the runtime rounds it.
 * @throws InputError `E_DATA` naming the line for a value that is not a number or a line whose length
 *   differs from the first frame's.
 */
export function parsePackFramesCsv(text: string): Float32Array[] {
  const frames: Float32Array[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const cells = t.split(',');
    const f = new Float32Array(cells.length);
    cells.forEach((c, j) => {
      const v = Number(c);
      if (c.trim() === '' || !Number.isFinite(v)) throw new InputError('E_DATA', `pack frames line ${i + 1}: '${c}' is not a number`);
      f[j] = v;
    });
    if (frames.length > 0 && f.length !== frames[0].length) {
      throw new InputError('E_DATA', `pack frames line ${i + 1}: ${f.length} values, the first frame has ${frames[0].length}`);
    }
    frames.push(f);
  });
  return frames;
}
