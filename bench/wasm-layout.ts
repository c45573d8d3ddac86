/**
 * Reads what a module asks of a runtime's RAM from its binary (memory limits, data segments,
 * globals), and makes a measuring copy that exports every global (bench/runtime-footprint.ts
 * reads the AssemblyScript stub allocator's bump offset through it). Bounds-checked: a
 * malformed module throws RangeError naming the problem.
 */

/** Memory limits (64 KiB pages) and the data segments of a module. */
export interface WasmLayout {
  memory: { initialPages: number; maxPages: number | null } | null;
  data: { segments: number; bytes: number; activeEnd: number };
  /** Defined globals (index in the global index space): i32 constant initialisers, mutability. */
  globals: { index: number; mutable: boolean; i32Init: number | null }[];
  importedGlobals: number;
}

class Reader {
  constructor(readonly b: Uint8Array, public p = 0, readonly end = b.length) {}
  byte(): number {
    if (this.p >= this.end) throw new RangeError(`wasm: read past the end at byte ${this.p}`);
    return this.b[this.p++];
  }
  u32(): number {
    let r = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const x = this.byte();
      r += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return r;
    }
    throw new RangeError(`wasm: LEB128 too long at byte ${this.p}`);
  }
  s32(): number {
    let r = 0;
    let shift = 0;
    let x: number;
    do {
      x = this.byte();
      r |= (x & 0x7f) << shift;
      shift += 7;
    } while (x & 0x80 && shift < 35);
    return shift < 32 && x & 0x40 ? r | (-1 << shift) : r;
  }
  skip(n: number): void {
    if (n > this.end - this.p) throw new RangeError(`wasm: ${n} bytes past the end at byte ${this.p}`);
    this.p += n;
  }
  /** A constant expression; its value when it is a lone i32.const, else null. */
  constExpr(): number | null {
    let v: number | null = null;
    let first = true;
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return v;
      if (op === 0x41 && first) v = this.s32();
      else {
        v = null;
        if (op === 0x41) this.s32(); else if (op === 0x42) this.s32(); else if (op === 0x23) this.u32(); else if (op === 0x44) this.skip(8); else if (op === 0x43) this.skip(4);
        else throw new RangeError(`wasm: unsupported constant expression opcode 0x${op.toString(16)}`);
      }
      first = false;
    }
  }
}

/** The sections of a module: id, payload start and end. @throws RangeError when malformed. */
export function sections(b: Uint8Array): { id: number; start: number; end: number; headerStart: number }[] {
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) throw new RangeError('not a WebAssembly module (bad magic)');
  const r = new Reader(b, 8);
  const out = [];
  while (r.p < b.length) {
    const headerStart = r.p;
    const id = r.byte();
    const size = r.u32();
    const start = r.p;
    r.skip(size);
    out.push({ id, start, end: r.p, headerStart });
  }
  return out;
}

function countImportedGlobals(r: Reader): number {
  let n = 0;
  for (let i = r.u32(); i > 0; i--) {
    r.skip(r.u32());
    r.skip(r.u32());
    const kind = r.byte();
    if (kind === 0) r.u32();
    else if (kind === 1) { r.byte(); const f = r.u32(); r.u32(); if (f & 1) r.u32(); }
    else if (kind === 2) { const f = r.u32(); r.u32(); if (f & 1) r.u32(); }
    else if (kind === 3) { r.byte(); r.byte(); n++; }
    else throw new RangeError(`wasm: unknown import kind ${kind}`);
  }
  return n;
}

function readData(r: Reader): WasmLayout['data'] {
  const d = { segments: 0, bytes: 0, activeEnd: 0 };
  for (let i = r.u32(); i > 0; i--) {
    const flag = r.u32();
    let at: number | null = null;
    if (flag === 2) r.u32();
    if (flag === 0 || flag === 2) at = r.constExpr();
    else if (flag !== 1) throw new RangeError(`wasm: unknown data segment flag ${flag}`);
    const len = r.u32();
    r.skip(len);
    d.segments++;
    d.bytes += len;
    if (at !== null) d.activeEnd = Math.max(d.activeEnd, at + len);
  }
  return d;
}

/** The module's memory limits, data segments and globals. @throws RangeError when malformed. */
export function wasmLayout(b: Uint8Array): WasmLayout {
  const out: WasmLayout = { memory: null, data: { segments: 0, bytes: 0, activeEnd: 0 }, globals: [], importedGlobals: 0 };
  for (const s of sections(b)) {
    const r = new Reader(b, s.start, s.end);
    if (s.id === 2) out.importedGlobals = countImportedGlobals(r);
    else if (s.id === 5 && r.u32() > 0) {
      const flags = r.u32();
      const initialPages = r.u32();
      out.memory = { initialPages, maxPages: flags & 1 ? r.u32() : null };
    } else if (s.id === 6) {
      for (let i = 0, n = r.u32(); i < n; i++) {
        const type = r.byte();
        const mutable = r.byte() === 1;
        const init = r.constExpr();
        out.globals.push({ index: out.importedGlobals + i, mutable, i32Init: type === 0x7f ? init : null });
      }
    } else if (s.id === 11) out.data = readData(r);
  }
  return out;
}

function leb(n: number): number[] {
  const o: number[] = [];
  do {
    let x = n & 0x7f;
    n >>>= 7;
    if (n) x |= 0x80;
    o.push(x);
  } while (n);
  return o;
}

/** A copy of the module with section `id`'s payload replaced by `body`. @throws RangeError when it has none. */
function replaceSection(b: Uint8Array, id: number, body: number[]): Uint8Array {
  const sec = sections(b).find((s) => s.id === id);
  if (!sec) throw new RangeError(`wasm: no section ${id}`);
  return Uint8Array.from([...b.subarray(0, sec.headerStart), id, ...leb(body.length), ...body, ...b.subarray(sec.end)]);
}

/**
 * A copy of the module whose export section also exports each global `i` in `indices` as `__g<i>`
 * (a measuring copy; the original is untouched). @throws RangeError when malformed.
 */
export function exportGlobals(b: Uint8Array, indices: number[]): Uint8Array {
  const ex = sections(b).find((s) => s.id === 7);
  if (!ex) throw new RangeError('wasm: no export section');
  const r = new Reader(b, ex.start, ex.end);
  const count = r.u32();
  const extra: number[] = [];
  for (const i of indices) {
    const name = [...Buffer.from(`__g${i}`)];
    extra.push(...leb(name.length), ...name, 3, ...leb(i));
  }
  return replaceSection(b, 7, [...leb(count + indices.length), ...b.subarray(r.p, ex.end), ...extra]);
}

/**
 * A copy of the module whose (defined) memory has at most `maxPages` pages, as `asc
 * --maximumMemory` would declare it. @throws RangeError when it defines no memory or is malformed.
 */
export function withMaxPages(b: Uint8Array, maxPages: number): Uint8Array {
  const mem = wasmLayout(b).memory;
  if (!mem) throw new RangeError('wasm: the module defines no memory');
  return replaceSection(b, 5, [1, 1, ...leb(mem.initialPages), ...leb(maxPages)]);
}
