/**
 * Test support: Shapley values by their permutation definition, independent of the subset-weight
 * formula the board and its host mirror use (../src/attrib/shapley.ts): phi[p] is the mean over
 * all n! orders of the players of p's marginal contribution when it joins those before it.
 * O(n! * n): meant for n <= 9.
 */

/** Shapley values of the game whose coalition values are `v` (index = presence mask, length 2^n). */
export function permutationShapley(v: ArrayLike<number>): number[] {
  const n = Math.round(Math.log2(v.length));
  const phi = new Array<number>(n).fill(0);
  const order = Array.from({ length: n }, (_, i) => i);
  let count = 0;
  const visit = () => {
    let mask = 0;
    for (const p of order) {
      phi[p] += v[mask | (1 << p)] - v[mask];
      mask |= 1 << p;
    }
    count++;
  };
  // Heap's algorithm: every permutation of `order` once.
  const c = new Array<number>(n).fill(0);
  visit();
  for (let i = 1; i < n;) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [order[j], order[i]] = [order[i], order[j]];
      visit();
      c[i]++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return phi.map((s) => s / count);
}
