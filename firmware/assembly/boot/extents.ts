// The receive state of one windowed transfer (model slot, firmware slot): `received` is the
// contiguous prefix written so far (the resume point); a WRITE beyond a hole (the host lost an
// earlier frame of its window) is remembered as an extent until the hole fills. A table lives in
// a caller-owned block of RX_TABLE_BYTES: received u32 | count u32 | starts u32[MAX] | ends u32[MAX].

/** Out-of-order extents kept above `received`: holes a host's window may have open at once. */
export const MAX_EXTENTS: i32 = 32;
/** Bytes of one receive table. */
export const RX_TABLE_BYTES: i32 = 8 + MAX_EXTENTS * 8;

@inline function startAt(t: usize, i: i32): usize { return t + 8 + (<usize>i << 2); }
@inline function endAt(t: usize, i: i32): usize { return t + 8 + (<usize>MAX_EXTENTS << 2) + (<usize>i << 2); }

/** Empties table `t` (a new transfer). */
export function rxReset(t: usize): void {
  store<u32>(t, 0);
  store<u32>(t, 0, 4);
}

/** The contiguous prefix of table `t`. */
export function rxReceived(t: usize): u32 {
  return load<u32>(t);
}

/**
 * Records bytes [off, off + n) of table `t` as written and advances the prefix over every extent
 * it reaches. A write beyond the prefix that starts inside or right after a held extent joins it, so the extents
 * count holes, not frames: a host may keep many frames in flight behind a few lost ones. Returns
 * false, recording nothing, for a write beyond the prefix that touches no extent while all
 * MAX_EXTENTS are held (NAK it before writing; it is resent). The SHA-256 at FINISH still checks
 * every byte, so a table that claims bytes a failed flash write lost cannot commit an image.
 */
export function rxAdd(t: usize, off: u32, n: u32): bool {
  let received = load<u32>(t);
  let count = load<i32>(t, 4);
  if (off > received) {
    for (let i = 0; i < count; i++) {
      const e = endAt(t, i);
      if (load<u32>(startAt(t, i)) <= off && off <= load<u32>(e)) { // joins extent i (it starts inside or right after it)
        if (off + n > load<u32>(e)) store<u32>(e, off + n);
        return true;
      }
    }
    if (count >= MAX_EXTENTS) return false;
    store<u32>(startAt(t, count), off);
    store<u32>(endAt(t, count), off + n);
    store<i32>(t, count + 1, 4);
    return true;
  }
  if (off + n > received) received = off + n;
  let again = true;
  for (let pass = 0; again && pass <= MAX_EXTENTS; pass++) {
    again = false;
    for (let i = 0; i < count; i++) {
      if (load<u32>(startAt(t, i)) > received) continue;
      const e = load<u32>(endAt(t, i));
      if (e > received) received = e;
      count--;
      store<u32>(startAt(t, i), load<u32>(startAt(t, count)));
      store<u32>(endAt(t, i), load<u32>(endAt(t, count)));
      again = true;
      break;
    }
  }
  store<u32>(t, received);
  store<i32>(t, count, 4);
  return true;
}
