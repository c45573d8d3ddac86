/**
 * Symmetry operations written as coordinate triplets (`'-x+1/2, y, z+1/4'`), the form used by
 * `_symmetry_equiv_pos_as_xyz` and `_space_group_symop_operation_xyz` (International Tables for
 * Crystallography Vol. A, "general position" notation).
 */

/** A 3-vector of fractional coordinates. */
export type Vec3 = [number, number, number];

/** x' = rot * x + trans (fractional coordinates). */
export interface SymOp {
  /** Row-major 3x3 integer rotation part. */
  readonly rot: readonly [Vec3, Vec3, Vec3];
  /** Translation part (fractions of a cell edge). */
  readonly trans: Vec3;
  /** Source text, as written. */
  readonly text: string;
}

/** The identity operation `x, y, z`. */
export const IDENTITY: SymOp = {
  rot: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  trans: [0, 0, 0],
  text: 'x, y, z',
};

const AXIS: Record<string, number> = { x: 0, y: 1, z: 2 };
/** One signed term: optional number or fraction, optional '*', optional variable. */
const TERM = /^([+-])((?:\d+(?:\.\d*)?|\.\d+)(?:\/(?:\d+(?:\.\d*)?|\.\d+))?)?\*?([xyz])?$/;

function parseNumber(s: string): number {
  const slash = s.indexOf('/');
  if (slash < 0) return Number(s);
  const den = Number(s.slice(slash + 1));
  return den === 0 ? NaN : Number(s.slice(0, slash)) / den;
}

/**
 * Parse one component (`-x+1/2`, `x-y`, `1/4+z`, `0.5-x`) into a row and a translation.
 * Returns an error message string instead of throwing so that the caller can name the line.
 */
function parseComponent(comp: string): { row: Vec3; t: number } | string {
  let s = comp.replace(/\s+/g, '').toLowerCase();
  if (s.length === 0) return 'empty component';
  if (s[0] !== '+' && s[0] !== '-') s = '+' + s;
  const terms = s.match(/[+-][^+-]*/g) ?? [];
  if (terms.join('') !== s) return `cannot read '${comp}'`;
  const row: Vec3 = [0, 0, 0];
  let t = 0;
  for (const term of terms) {
    const m = TERM.exec(term);
    if (!m || (m[2] === undefined && m[3] === undefined)) return `bad term '${term}' in '${comp}'`;
    const sign = m[1] === '-' ? -1 : 1;
    const num = m[2] === undefined ? 1 : parseNumber(m[2]);
    if (!Number.isFinite(num)) return `bad number in '${comp}'`;
    if (m[3] === undefined) t += sign * num;
    else row[AXIS[m[3]]] += sign * num;
  }
  return { row, t };
}

function det3(m: readonly Vec3[]): number {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/**
 * Parse a coordinate triplet such as `'-x+1/2, y, z+1/4'`.
 * The rotation must be an integer matrix with determinant +1 or -1 (a crystallographic
 * operation); translations are kept as written (not reduced modulo 1).
 * @returns the operation, or a human-readable reason string when the text is not a valid
 *   operation (the CIF reader turns it into an `E_CIF` error naming the line).
 */
export function parseSymOp(text: string): SymOp | string {
  if (text.length > 200) return 'symmetry operation longer than 200 characters';
  const parts = text.split(',');
  if (parts.length !== 3) return `expected 3 comma-separated components in '${text}'`;
  const rows: Vec3[] = [];
  const trans: Vec3 = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const c = parseComponent(parts[k]);
    if (typeof c === 'string') return c;
    rows.push(c.row);
    trans[k] = c.t;
  }
  for (const r of rows) {
    for (const v of r) if (!Number.isInteger(v)) return `non-integer rotation entry in '${text}'`;
  }
  const d = det3(rows);
  if (d !== 1 && d !== -1) return `rotation part of '${text}' has determinant ${d}, not +-1`;
  return { rot: [rows[0], rows[1], rows[2]], trans, text };
}

/** Apply `op` to fractional coordinates `f` (no wrapping). */
export function applySymOp(op: SymOp, f: Vec3): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const r = op.rot[i];
    out[i] = r[0] * f[0] + r[1] * f[1] + r[2] * f[2] + op.trans[i];
  }
  return out;
}

/** Wrap a fractional coordinate into [0, 1); values within 1e-9 of 1 map to 0. */
export function wrap01(v: number): number {
  let w = v - Math.floor(v);
  if (w >= 1 - 1e-9) w = 0;
  return w;
}
