// `dendra pack frames` through the real CLI: the file it writes holds exactly the frames the simulator
// replays on DMA channel 1 (PackDma over replayPack with the same options), every value read back as
// the runtime reads it (strtod then float: Math.fround(Number(s))); bad options are one line, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { runCli } from './proc.ts';
import { replayPack } from '@dendra/models/pack/replay.ts';
import { PackDma } from '@dendra/device/sim/sensors-pack.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-pack-frames-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('dendra pack frames writes the sim\'s DMA channel 1 frames, f32 for f32', async () => {
  const out = path.join(tmp, 'frames.csv');
  const r = await runCli(['pack', 'frames', '--seed', '2', '--electrolyte', 'lgps', '--duty', 'solar-smoothing', '--ccd', '0.7', '--cells', '4x4', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  const summary = JSON.parse(r.stdout);
  const { frames } = replayPack({ seed: 2, electrolyte: 'lgps', duty: 'solar-smoothing', ccdFraction: 0.7 });
  assert.deepEqual(summary, { out, frames: frames.length, values: 864, bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, frames.length, 'one line per frame');
  // What the sim's DMA engine hands the firmware, frame by frame, against the file read back as the runtime does.
  const dma = new (class extends PackDma { bytes(k: number) { return this.frame(k); } })(frames);
  lines.forEach((line, k) => {
    const back = Float32Array.from(line.split(',').map((s) => Math.fround(Number(s))));
    assert.deepEqual(new Uint8Array(back.buffer), dma.bytes(k), `frame ${k}`);
  });
});

test('dendra pack frames: bad options are one line and exit 2', async () => {
  for (const [args, re] of [[['--cells', '2x8'], /--cells must be 4x4/], [['--ccd', '0'], /--ccd must be a number in \(0, 3\]/]] as const) {
    const r = await runCli(['pack', 'frames', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), new RegExp(`^dendra: .*${re.source}`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
