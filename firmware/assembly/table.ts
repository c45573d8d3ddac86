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
