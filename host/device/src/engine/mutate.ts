/**
 * Seeded structural mutations of a model file, for fuzzing the firmware loader
 * (tests/loader-fuzz.test.ts, scripts/fuzz.ts). Deterministic: the same seed gives the same bytes.
 */

/** xorshift32 stream of u32 values. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** Kinds of mutation applied by {@link mutateModel}. */
export type MutationKind = 'flip' | 'truncate' | 'u32' | 'insert' | 'delete';

/** One mutated file and the mutations that produced it (for reproducing a failure). */
export interface Mutant {
  bytes: Uint8Array;
  steps: string[];
}

/** u32 values that tend to hit edge cases in offset/length checks. */
function interestingU32(r: () => number, len: number, old: number): number {
  const pick = r() % 12;
  switch (pick) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 0xffffffff;
    case 3: return 0x7fffffff;
    case 4: return 0x80000000;
    case 5: return len;
    case 6: return (len - 4) >>> 0;
    case 7: return (old + ((r() % 65) - 32)) >>> 0;
    case 8: return 0x7ffffff0;
    case 9: return 0xfffffffc;
    case 10: return r() % (len + 64);
    default: return r();
  }
}

/**
 * Applies 1 to 4 random mutations to a copy of `base`: byte flips (random byte or one bit),
 * truncation, a u32 rewritten at a random (usually 4-aligned) offset, bytes inserted or deleted
 * at a random offset. Never returns more than `base.length + 256` bytes.
 */
export function mutateModel(base: Uint8Array, seed: number): Mutant {
  const r = xorshift32(seed * 2654435761 + 12345);
  let b = base.slice();
  const steps: string[] = [];
  const n = 1 + (r() % 4);
  for (let i = 0; i < n; i++) {
    const kind: MutationKind = (['flip', 'flip', 'u32', 'u32', 'truncate', 'insert', 'delete'] as const)[r() % 7];
    if (b.length === 0) break;
    if (kind === 'flip') {
      const at = r() % b.length;
      const v = r() % 2 === 0 ? b[at] ^ (1 << (r() % 8)) : r() & 0xff;
      b[at] = v;
      steps.push(`flip@${at}=${v}`);
    } else if (kind === 'u32') {
      if (b.length < 4) continue;
      let at = r() % (b.length - 3);
      if (r() % 4 !== 0) at &= ~3;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const v = interestingU32(r, b.length, dv.getUint32(at, true));
      dv.setUint32(at, v, true);
      steps.push(`u32@${at}=${v}`);
    } else if (kind === 'truncate') {
      const to = r() % b.length;
      b = b.slice(0, to);
      steps.push(`truncate=${to}`);
    } else if (kind === 'insert') {
      const at = r() % (b.length + 1);
      const k = 1 + (r() % 16);
      const ins = Uint8Array.from({ length: k }, () => r() & 0xff);
      const out = new Uint8Array(b.length + k);
      out.set(b.subarray(0, at), 0);
      out.set(ins, at);
      out.set(b.subarray(at), at + k);
      b = out;
      steps.push(`insert@${at}+${k}`);
    } else {
      const at = r() % b.length;
      const k = 1 + (r() % Math.min(16, b.length - at));
      const out = new Uint8Array(b.length - k);
      out.set(b.subarray(0, at), 0);
      out.set(b.subarray(at + k), at);
      b = out;
      steps.push(`delete@${at}-${k}`);
    }
  }
  return { bytes: b, steps };
}
