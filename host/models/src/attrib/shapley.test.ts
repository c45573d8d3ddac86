// The board's exact Shapley routine (host mirror) against the permutation definition on toy games.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalitionValues, exactShapley, shapleyFromValues, topPlayers, MAX_PLAYERS } from './shapley.ts';
import { permutationShapley } from '../../test/permshapley.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const isUsage = (e: unknown) => (e as { code?: string }).code === 'E_USAGE';

test('random games of 1..7 players: equal to the permutation definition, efficient', () => {
  const rnd = mulberry32(16);
  for (let n = 1; n <= 7; n++) {
    for (let rep = 0; rep < 5; rep++) {
      const v = Float64Array.from({ length: 1 << n }, () => (rnd() - 0.5) * 20);
      const phi = shapleyFromValues(v);
      const want = permutationShapley(v);
      for (let p = 0; p < n; p++) assert.ok(Math.abs(phi[p] - want[p]) < 1e-9, `n ${n} player ${p}: ${phi[p]} vs ${want[p]}`);
      const sum = phi.reduce((s, x) => s + x, 0);
      assert.ok(Math.abs(sum - (v[(1 << n) - 1] - v[0])) < 1e-9, `efficiency n ${n}`);
    }
  }
});

test('a max game, a dummy player (exactly 0) and symmetric players; ranking by |phi| then index', () => {
  // players 0..2 own values 4, 3, 6; v(S) = max over S (0 when empty); player 3 is a dummy.
  const a = [4, 3, 6, 0];
  const phi = exactShapley(4, (m) => Math.max(0, ...a.filter((_, p) => (m >> p) & 1)));
  assert.deepEqual(Array.from(phi, (x) => Math.round(x * 1e12) / 1e12), [1.5, 1, 3.5, 0]);
  assert.ok(Object.is(phi[3], 0), 'a player that never changes the value gets exactly 0');
  assert.deepEqual(topPlayers(phi), [2, 0, 1]);
  assert.deepEqual(topPlayers([1, -2, 2, 0]), [1, 2, 0], 'ties: lower index first');
  const sym = exactShapley(3, (m) => (m === 7 ? 1 : 0)); // unanimity game
  assert.ok(sym.every((x) => Math.abs(x - 1 / 3) < 1e-15));
});

test('refused: 0 or more than 10 players, a table that is not 2^n long', () => {
  assert.throws(() => coalitionValues(0, () => 0), isUsage);
  assert.throws(() => coalitionValues(MAX_PLAYERS + 1, () => 0), isUsage);
  assert.throws(() => shapleyFromValues([1, 2, 3]), isUsage);
  assert.equal(coalitionValues(MAX_PLAYERS, () => 1).length, 1024);
});
