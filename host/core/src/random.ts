/**
 * The host's one small seeded PRNG for data shuffles, folds, fuzzing and fault injection
 * (mulberry32, Tommy Ettinger's public-domain 32-bit generator). Not cryptographic.
 */

/** A mulberry32 generator returning floats in [0, 1); same seed, same sequence. Never throws. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy of `items` with the given PRNG (e.g. {@link mulberry32}). Never throws. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
