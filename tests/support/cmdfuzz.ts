/**
 * Test support (not product): seeded payloads for the command fuzz test (tests/cmd-fuzz.test.ts).
 * One seed gives one sequence: valid commands of every op, mutations of them (byte flips, bit
 * flips, truncation, insertion, deletion, repeated keys, splices), random JSON (nested, escaped,
 * non-ASCII), random bytes, empty and oversized payloads. Deterministic: the same seed and index
 * give the same bytes, so a failure is replayed with DENDRA_CMD_FUZZ_SEED.
 */

/** A small seeded PRNG (mulberry32): uniform 32-bit values, the same sequence for the same seed. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** Next 32-bit unsigned value. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number { return this.u32() % n; }
  /** One of `xs`. */
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  /** True with probability p. */
  chance(p: number): boolean { return this.u32() / 0x100000000 < p; }
}

/** What kind of payload {@link nextPayload} made (reported with a failure). */
export type FuzzKind = 'valid' | 'flip' | 'bitflip' | 'truncate' | 'insert' | 'delete' | 'dupkey' | 'splice' | 'json' | 'bytes' | 'empty' | 'oversized' | 'nest';

/** A payload and how it was made; `valid` ones are well-formed ping/status/set-limit commands. */
export interface FuzzPayload { kind: FuzzKind; bytes: Uint8Array; op?: 'ping' | 'status' | 'set-limit' }

const enc = new TextEncoder();
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
const KEYS = ['v', 'id', 'op', 'limit_c', 'hysteresis_c', 'x', '', 'V', 'ID', 'limit', 'op ', 'pts'];
const ODD = ['\\"', '\\u0000', 'é', '\u2028', '\ud83d\ude00', '\\n', '\t', '"', '\\', '{', '}', ':', ','];

function id(r: Rng): string {
  let s = '';
  for (let i = 1 + r.int(12); i > 0; i--) s += r.pick([...ID_CHARS]);
  return s;
}

/** A number as the operator would write it (integer or 1-2 decimals, sometimes out of range). */
function num(r: Rng, lo: number, hi: number): string {
  const v = lo + r.int((hi - lo) * 100 + 1) / 100;
  return r.chance(0.5) ? String(Math.round(v)) : v.toFixed(r.int(3));
}

/** A valid command: `{v,id,op[,limit_c,hysteresis_c]}` in a random key order and spacing. */
export function validCommand(r: Rng): FuzzPayload {
  const op = r.pick(['ping', 'status', 'set-limit'] as const);
  const fields: [string, string][] = [['v', '1'], ['id', JSON.stringify(id(r))], ['op', JSON.stringify(op)]];
  if (op === 'set-limit') {
    fields.push(['limit_c', num(r, 20, 120)], ['hysteresis_c', num(r, 0, 10)]);
    if (r.chance(0.1)) fields[3][1] = num(r, -200, 400); // often out of the board's range
  }
  for (let i = fields.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [fields[i], fields[j]] = [fields[j], fields[i]];
  }
  const ws = () => (r.chance(0.2) ? r.pick([' ', '\n', '\t ', '  ']) : '');
  const body = fields.map(([k, v]) => `${ws()}"${k}"${ws()}:${ws()}${v}${ws()}`).join(',');
  return { kind: 'valid', bytes: enc.encode(`${ws()}{${body}}${ws()}`), op };
}

/** A random JSON value of bounded depth (objects, arrays, escaped and non-ASCII strings, numbers, literals). */
function randomJson(r: Rng, depth: number): string {
  const k = r.int(depth > 0 ? 7 : 4);
  switch (k) {
    case 0: return r.pick(['true', 'false', 'null']);
    case 1: return r.pick(['0', '-1', '1', '1.5', '1e3', '-0', '01', '12345678901234', '1.', '.5', '1E+2', String(r.u32())]);
    case 2: return JSON.stringify(r.pick([...KEYS, id(r), 'ping', 'set-limit', 'status'])) + '';
    case 3: return `"${r.pick(ODD)}${id(r)}${r.pick(ODD)}"`;
    case 4: case 5: {
      const n = r.int(5);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(`${JSON.stringify(r.pick(KEYS))}:${randomJson(r, depth - 1)}`);
      return `{${parts.join(',')}}`;
    }
    default: {
      const n = r.int(4);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(randomJson(r, depth - 1));
      return `[${parts.join(',')}]`;
    }
  }
}

function randomBytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A mutation of `base` (a valid command's bytes). */
function mutate(r: Rng, base: Uint8Array): FuzzPayload {
  const b = base.slice();
  const at = r.int(b.length);
  switch (r.int(7)) {
    case 0:
      for (let i = 1 + r.int(3); i > 0; i--) b[r.int(b.length)] = r.int(256);
      return { kind: 'flip', bytes: b };
    case 1:
      b[at] ^= 1 << r.int(8);
      return { kind: 'bitflip', bytes: b };
    case 2:
      return { kind: 'truncate', bytes: b.slice(0, at) };
    case 3:
      return { kind: 'insert', bytes: concat(b.slice(0, at), r.chance(0.5) ? randomBytes(r, 1 + r.int(8)) : enc.encode(r.pick(ODD)), b.slice(at)) };
    case 4:
      return { kind: 'delete', bytes: concat(b.slice(0, at), b.slice(at + 1 + r.int(6))) };
    case 5: {
      // A key again (the same or another value), before the closing brace or at the front.
      const k = r.pick(['v', 'id', 'op', 'op', 'limit_c', 'hysteresis_c']);
      const v = k === 'op' ? JSON.stringify(r.pick(['ping', 'status', 'set-limit'])) : k === 'id' ? JSON.stringify(id(r)) : num(r, 0, 100);
      const s = new TextDecoder().decode(b);
      const close = s.lastIndexOf('}');
      const open = s.indexOf('{');
      const out = r.chance(0.5) && close > 0 ? `${s.slice(0, close)},"${k}":${v}${s.slice(close)}` : `${s.slice(0, open + 1)}"${k}":${v},${s.slice(open + 1)}`;
      return { kind: 'dupkey', bytes: enc.encode(out) };
    }
    default: {
      const other = validCommand(r).bytes;
      return { kind: 'splice', bytes: concat(b.slice(0, at), other.slice(r.int(other.length))) };
    }
  }
}

/** The next payload of the sequence. */
export function nextPayload(r: Rng): FuzzPayload {
  const d = r.int(100);
  if (d < 20) return validCommand(r);
  if (d < 70) return mutate(r, validCommand(r).bytes);
  if (d < 82) return { kind: 'json', bytes: enc.encode(r.chance(0.7) ? `{${randomJson(r, 3).slice(1)}` : randomJson(r, 4)) };
  if (d < 92) return { kind: 'bytes', bytes: randomBytes(r, r.int(300)) };
  if (d < 94) return { kind: 'empty', bytes: new Uint8Array(0) };
  if (d < 97) return { kind: 'oversized', bytes: concat(validCommand(r).bytes, enc.encode(' '.repeat(257))) };
  const depth = 1 + r.int(300);
  return { kind: 'nest', bytes: enc.encode(`{"v":1,"id":"n","op":${'['.repeat(depth)}${']'.repeat(depth)}}`) };
}
