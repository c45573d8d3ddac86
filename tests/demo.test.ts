// `dendra demo` end to end (what `make demo` runs, shortened): embedded broker, the sim board on a
// pty, both models flashed over it, ETTh1 on DMA channel 0 and a simulated pack on channel 1. The
// run must end by itself, and the operator must have received both alert kinds from the board.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './proc.ts';

test('dendra demo ends by itself with overload.warning and dendrite.risk alerts from the board', async () => {
  const r = await runCli(['demo', '--windows', '400', '--ms-per-hour', '15', '--json'], 180_000);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const s = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
    windows: number; alerts: number; packFrames: number; byKind: Record<string, number>;
  };
  assert.ok(s.windows >= 400, `grid windows ${s.windows}`);
  assert.ok(s.packFrames >= 40, `pack frames ${s.packFrames}`);
  assert.ok((s.byKind['overload.warning'] ?? 0) > 0, `overload alerts: ${JSON.stringify(s.byKind)}`);
  assert.ok((s.byKind['dendrite.risk'] ?? 0) > 0, `dendrite.risk alerts: ${JSON.stringify(s.byKind)}`);
  assert.equal(s.alerts, Object.values(s.byKind).reduce((a, b) => a + b, 0));
});

test('dendra demo --no-pack runs the grid model alone; a missing pack model is a one-line error', async () => {
  const bad = await runCli(['demo', '--pack-model', '/nonexistent/pack.tflite']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr.trim(), /^dendra: pack model \/nonexistent\/pack\.tflite does not exist/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const r = await runCli(['demo', '--no-pack', '--windows', '200', '--ms-per-hour', '10', '--json'], 120_000);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const s = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { packFrames: number; byKind: Record<string, number> };
  assert.equal(s.packFrames, 0);
  assert.equal(s.byKind['dendrite.risk'], undefined);
});
