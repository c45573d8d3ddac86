/**
 * Bounds-checked read-only view of a flatbuffer: every offset, vtable, vector and string is
 * checked against the byte length before it is read, so a corrupt or hostile file gives an
 * InputError (code `E_MODEL`) naming the field instead of a RangeError or garbage.
 */
import { InputError } from '../errors.ts';

/** Throws the reader's error: InputError code `E_MODEL` with a one-line message (names from the
 * file may contain control characters; they are replaced by spaces). */
export function modelError(msg: string): never {
  throw new InputError('E_MODEL', `invalid .tflite: ${msg.replace(/[\u0000-\u001f\u007f]/g, ' ')}`);
}

/** A vector's element start and count (elements already checked to lie inside the buffer). */
export interface FbVector {
  start: number;
  length: number;
}

/** The byte view with checked primitive reads. */
export class FbView {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws unless [pos, pos+size) lies inside the buffer. */
  check(pos: number, size: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || size < 0 || pos + size > this.bytes.length) {
      modelError(`${what} at offset ${pos} (+${size}) lies outside the ${this.bytes.length}-byte file`);
    }
  }
  u8(pos: number, what: string): number { this.check(pos, 1, what); return this.dv.getUint8(pos); }
  i8(pos: number, what: string): number { this.check(pos, 1, what); return this.dv.getInt8(pos); }
  u16(pos: number, what: string): number { this.check(pos, 2, what); return this.dv.getUint16(pos, true); }
  i32(pos: number, what: string): number { this.check(pos, 4, what); return this.dv.getInt32(pos, true); }
  u32(pos: number, what: string): number { this.check(pos, 4, what); return this.dv.getUint32(pos, true); }
  f32(pos: number, what: string): number { this.check(pos, 4, what); return this.dv.getFloat32(pos, true); }
  i64(pos: number, what: string): bigint { this.check(pos, 8, what); return this.dv.getBigInt64(pos, true); }

  /** The table a u32 offset at `pos` points to. */
  tableAt(pos: number, what: string): FbTable {
    return new FbTable(this, pos + this.u32(pos, `${what} offset`), what);
  }
  /** The root table (u32 offset at byte 0). */
  root(what: string): FbTable {
    return this.tableAt(0, what);
  }
}

/** One table: its vtable is validated on construction. */
export class FbTable {
  readonly view: FbView;
  readonly pos: number;
  readonly what: string;
  private readonly vt: number;
  private readonly vtLen: number;
  private readonly tableLen: number;

  constructor(view: FbView, pos: number, what: string) {
    this.view = view;
    this.pos = pos;
    this.what = what;
    const vt = pos - view.i32(pos, `${what} vtable offset`);
    this.vt = vt;
    this.vtLen = view.u16(vt, `${what} vtable size`);
    this.tableLen = view.u16(vt + 2, `${what} table size`);
    if (this.vtLen < 4 || this.vtLen % 2 !== 0) modelError(`${what} has a bad vtable size ${this.vtLen}`);
    view.check(vt, this.vtLen, `${what} vtable`);
    view.check(pos, Math.max(this.tableLen, 4), `${what} table`);
  }

  /** Absolute position of field `slot`, or 0 when absent. */
  field(slot: number, size: number): number {
    const at = 4 + 2 * slot;
    if (at + 2 > this.vtLen) return 0;
    const off = this.view.u16(this.vt + at, `${this.what} field ${slot}`);
    if (off === 0) return 0;
    if (off + size > this.tableLen) modelError(`${this.what} field ${slot} lies outside its table`);
    return this.pos + off;
  }
  u8(slot: number, dflt: number): number { const p = this.field(slot, 1); return p ? this.view.u8(p, this.what) : dflt; }
  i8(slot: number, dflt: number): number { const p = this.field(slot, 1); return p ? this.view.i8(p, this.what) : dflt; }
  i32(slot: number, dflt: number): number { const p = this.field(slot, 4); return p ? this.view.i32(p, this.what) : dflt; }
  u32(slot: number, dflt: number): number { const p = this.field(slot, 4); return p ? this.view.u32(p, this.what) : dflt; }
  f32(slot: number, dflt: number): number { const p = this.field(slot, 4); return p ? this.view.f32(p, this.what) : dflt; }
  u64(slot: number): bigint { const p = this.field(slot, 8); return p ? this.view.i64(p, this.what) : 0n; }

  /** Target of an offset field, or 0 when absent. */
  private target(slot: number, what: string): number {
    const p = this.field(slot, 4);
    return p ? p + this.view.u32(p, what) : 0;
  }
  /** Sub-table at `slot`, or null. */
  table(slot: number, what: string): FbTable | null {
    const t = this.target(slot, what);
    return t ? new FbTable(this.view, t, what) : null;
  }
  /** Vector at `slot` with elements of `elemSize` bytes (empty when absent). */
  vector(slot: number, elemSize: number, what: string): FbVector {
    const t = this.target(slot, what);
    if (!t) return { start: 0, length: 0 };
    const length = this.view.u32(t, `${what} length`);
    this.view.check(t + 4, length * elemSize, what);
    return { start: t + 4, length };
  }
  /** Tables of a vector of tables. */
  tables(slot: number, what: string): FbTable[] {
    const v = this.vector(slot, 4, what);
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.view.tableAt(v.start + 4 * i, `${what}[${i}]`));
    return out;
  }
  /** An int32 vector as numbers. */
  ints(slot: number, what: string): number[] {
    const v = this.vector(slot, 4, what);
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.view.i32(v.start + 4 * i, what));
    return out;
  }
  /** A string field (UTF-8), or '' when absent. */
  string(slot: number, what: string): string {
    const v = this.vector(slot, 1, what);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.view.bytes.subarray(v.start, v.start + v.length));
    } catch {
      modelError(`${what} is not valid UTF-8`);
    }
  }
}
