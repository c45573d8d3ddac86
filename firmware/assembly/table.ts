// A fixed table in static memory: `changetype<Table<T>>(memory.data(n * sizeof<T>(), 8))`. The
// firmware's state tables (model, planner, operator parameters, boot banks, inflate) are such
// zeroed static memory rather than StaticArrays: no allocation at start, no header, and unmanaged,
// so a garbage-collected runtime (the unit tests') never traces them. Written `unchecked(t[i])` and
// `unchecked(t[i] = v)` as the StaticArrays were; there is no length and no bounds check either way.

// @ts-ignore: decorator
@unmanaged
export class Table<T> {
  /** Element `i` (caller checks the bound). */
  // @ts-ignore: decorator
  @operator("[]")
  at(i: i32): T {
    return load<T>(changetype<usize>(this) + (<usize>i << alignof<T>()));
  }

  /** Sets element `i` (caller checks the bound). */
  // @ts-ignore: decorator
  @operator("[]=")
  put(i: i32, v: T): void {
    store<T>(changetype<usize>(this) + (<usize>i << alignof<T>()), v);
  }

  /** Element `i` (caller checks the bound). */
  // @ts-ignore: decorator
  @operator("{}")
  get(i: i32): T {
    return load<T>(changetype<usize>(this) + (<usize>i << alignof<T>()));
  }

  /** Sets element `i` (caller checks the bound). */
  // @ts-ignore: decorator
  @operator("{}=")
  set(i: i32, v: T): void {
    store<T>(changetype<usize>(this) + (<usize>i << alignof<T>()), v);
  }
}

/**
 * Exchanges the `n` bytes at `a` with the `n` bytes at `b` (8-aligned, n a multiple of 8, the
 * ranges disjoint): how the interpreter parks and restores its state records. Never fails.
 */
export function memSwap(a: usize, b: usize, n: i32): void {
  for (let i: usize = 0; i < <usize>n; i += 8) {
    const t = load<u64>(a + i);
    store<u64>(a + i, load<u64>(b + i));
    store<u64>(b + i, t);
  }
}

/** Stores `v` at `p` and returns what was there (one scalar of a parked state record). */
export function xchg32(p: usize, v: i32): i32 {
  const old = load<i32>(p);
  store<i32>(p, v);
  return old;
}
