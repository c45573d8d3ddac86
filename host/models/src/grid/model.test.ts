import { test } from 'node:test';
import { BOARD_CONFIG } from './config.ts';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { disposeParams, exportWeights, forward, importWeights, initParams, PARAM_SHAPES, type GridWeights } from './model.ts';
import { initBackend } from '@dendra/core/tfjs.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** The op table of CONTRACTS.md written out in plain JS for one window x[7][L]. */
function referenceForward(w: GridWeights, a: number[][], x: number[][]): number[] {
  const fc = (h: number[][], name: 'W0' | 'W1' | 'W2' | 'Wg' | 'Wh' | 'Wl', b: 'b0' | 'b1' | 'b2' | 'bg' | 'bh' | 'bl', relu: boolean) =>
    h.map((row) => Array.from({ length: w[name].shape[0] }, (_, o) => {
      const v = row.reduce((s, xv, i) => s + xv * w[name].data[o * row.length + i], w[b].data[o]);
      return relu ? Math.max(0, v) : v;
    }));
  const mm = (l: number[][], r: number[][]) => l.map((row) => r[0].map((_, k) => row.reduce((s, v, j) => s + v * r[j][k], 0)));
  const h0 = fc(x, 'W0', 'b0', true);
  const h1 = fc(mm(a, h0), 'W1', 'b1', true);
  const h2 = fc(mm(a, h1), 'W2', 'b2', true);
  const s = fc(h2, 'Wg', 'bg', false).map((r) => r[0]);
  const e = s.map((v) => Math.exp(v - Math.max(...s)));
  const p = [e.map((v) => v / e.reduce((t, u) => t + u, 0))];
  const head = fc(mm(p, h2), 'Wh', 'bh', false)[0];
  const skip = fc([x[6]], 'Wl', 'bl', false)[0]; // the OT node's own window
  return head.map((v, h) => v + skip[h]);
}

test('float model follows the contract op table (FC relu, A.H, FC relu, A.H, FC relu, gate, softmax, pooling, head)', async () => {
  await initBackend();
  const rand = mulberry32(7);
  const p0 = initParams(3);
  const w = exportWeights(p0);
  disposeParams(p0);
  for (const k of ['b0', 'b1', 'b2', 'bg', 'bh', 'bl'] as const) w[k].data = w[k].data.map(() => rand() - 0.5);
  for (const k of ['Wh', 'Wl'] as const) w[k].data = w[k].data.map(() => (rand() - 0.5) / 8); // zero at init
  const p = importWeights(w);
  const a = Array.from({ length: 7 }, () => Array.from({ length: 7 }, () => rand() / 3));
  const xs = Array.from({ length: 3 }, () => Array.from({ length: 7 }, () => Array.from({ length: BOARD_CONFIG.window }, () => 2 * rand() - 1)));
  const y = tf.tidy(() => forward(p, tf.tensor2d(a), tf.tensor3d(xs))).arraySync() as number[][];
  xs.forEach((x, b) => {
    const ref = referenceForward(w, a, x);
    assert.equal(y[b].length, 24);
    ref.forEach((v, h) => assert.ok(Math.abs(v - y[b][h]) < 1e-4, `window ${b} step ${h}: ${y[b][h]} vs ${v}`));
  });
  disposeParams(p);
});

test('initParams is seeded; importWeights rejects a wrong shape', async () => {
  await initBackend();
  const [a, b, c] = [initParams(5), initParams(5), initParams(6)];
  assert.deepEqual(exportWeights(a), exportWeights(b));
  assert.notDeepEqual(exportWeights(a).W0.data, exportWeights(c).W0.data);
  const bad = exportWeights(a);
  bad.W1 = { shape: [16, 15], data: new Array(240).fill(0) };
  assert.throws(() => importWeights(bad), /W1 must have shape \[16,16\]/);
  assert.deepEqual(PARAM_SHAPES.W0, [16, BOARD_CONFIG.window]);
  [a, b, c].forEach(disposeParams);
});
