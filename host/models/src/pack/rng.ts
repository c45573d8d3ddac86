/**
 * A small seeded pseudo-random generator, so a simulated pack is reproducible from its seed.
 *
 * Design: a Weyl sequence (state += 0x9E3779B9, the 32-bit golden-ratio increment used by
 * SplitMix, Steele, Lea & Flood, OOPSLA 2014) fed through the 32-bit MurmurHash3 finaliser
 * (fmix32, Appleby 2011). Not cryptographic; adequate for simulation noise.
 */

/** fmix32: the MurmurHash3 avalanche finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeded generator of uniform and normal variates. */
export class Rng {
  private state: number;
  private spare: number | null = null;

  /** Seeds the generator; throws RangeError unless the seed is a finite integer. */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.state = fmix32((seed ^ Math.floor(seed / 2 ** 32)) >>> 0) ^ 0x6a09e667;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return fmix32(this.state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal variate (Marsaglia polar method). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    let v = 0;
    let r = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      r = u * u + v * v;
    } while (r >= 1 || r === 0);
    const f = Math.sqrt((-2 * Math.log(r)) / r);
    this.spare = v * f;
    return u * f;
  }

  /** Log-normal multiplier with median 1 and log-standard-deviation sigma. */
  lognormal(sigma: number): number {
    return Math.exp(sigma * this.normal());
  }

  /** An independent child stream named by `label` (same parent seed and label -> same child). */
  fork(label: string): Rng {
    let h = this.nextU32();
    for (let j = 0; j < label.length; j++) h = fmix32(h ^ label.charCodeAt(j));
    return new Rng(h);
  }
}
