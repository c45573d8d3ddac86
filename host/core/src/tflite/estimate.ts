/**
 * Size estimates of a decoded int8 model, shared by the model cards, the protocol report and the
 * flasher: bytes per tensor, multiply-accumulates per inference and the firmware planner's arena,
 * computed on the host. Pure functions of a {@link QModel}; none throws.
 */
import type { QModel, QTensor } from './ir.ts';

/** Alignment of every tensor in the arena estimate (TFLite Micro's default). */
export const ARENA_ALIGN = 16;

const bytesPer: Record<QTensor['type'], number> = { int8: 1, int32: 4, float32: 4 };

/** Number of bytes of a tensor's elements. */
export function tensorBytes(t: QTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * bytesPer[t.type];
}

/**
 * Multiply-accumulates of one inference, from the op shapes: FULLY_CONNECTED = rows x out x in,
 * BATCH_MATMUL = M x K x N; RESHAPE and SOFTMAX count 0.
 */
export function countMacs(m: QModel): number {
  let macs = 0;
  for (const op of m.ops) {
    const [a, b] = op.inputs.map((i) => m.tensors[i]?.shape ?? []);
    if (op.op === 'FULLY_CONNECTED') {
      const rows = a.slice(0, -1).reduce((x, y) => x * y, 1);
      macs += rows * b[0] * b[1];
    } else if (op.op === 'BATCH_MATMUL') {
      const batch = a.slice(0, -2).reduce((x, y) => x * y, 1);
      const [mm, k] = op.options.adjX ? [a[a.length - 1], a[a.length - 2]] : [a[a.length - 2], a[a.length - 1]];
      const n = op.options.adjY ? b[b.length - 2] : b[b.length - 1];
      macs += batch * mm * k * n;
    }
  }
  return macs;
}

/**
 * Lifetime [first op, last op] of each non-constant tensor, as the firmware planner
 * (firmware/assembly/interp/planner.ts planLifetimes) records it: a tensor lives from the op that
 * writes it to the last op that reads it; graph inputs and outputs live to the last op (the board
 * re-runs the model on the same input for attribution).
 */
function lifetimes(m: QModel): Map<number, [number, number]> {
  const life = new Map<number, [number, number]>();
  const end = Math.max(0, m.ops.length - 1);
  const touch = (t: number, i: number) => {
    if (t < 0 || m.tensors[t]?.data) return;
    const l = life.get(t);
    life.set(t, l ? [Math.min(l[0], i), Math.max(l[1], i)] : [i, i]);
  };
  m.inputs.forEach((t) => { touch(t, 0); touch(t, end); });
  m.ops.forEach((op, i) => [...op.inputs, ...op.outputs].forEach((t) => touch(t, i)));
  m.outputs.forEach((t) => touch(t, end));
  return life;
}

/**
 * The arena the firmware's interpreter needs for `m`, computed on the host the same way
 * (firmware/assembly/interp/planner.ts and interpreter.ts): non-constant tensors, largest first
 * (lowest index on ties), each at the lowest `align`-aligned offset that does not overlap a placed
 * tensor alive at the same time, up to the highest aligned end; then 8 bytes (multiplier, shift)
 * per output channel of every FULLY_CONNECTED with per-channel weights, which the firmware keeps
 * in the arena as TFLite Micro does. `tests/arena-parity.test.ts` checks it equals the firmware's
 * figure on the shipped models and random op models. Never throws.
 */
export function estimateArenaBytes(m: QModel, align = ARENA_ALIGN): number {
  const up = (v: number) => Math.ceil(v / align) * align;
  const life = lifetimes(m);
  const order = [...life.keys()].sort((x, y) => tensorBytes(m.tensors[y]) - tensorBytes(m.tensors[x]) || x - y);
  const placed: { start: number; end: number; life: [number, number] }[] = [];
  let high = 0;
  for (const t of order) {
    const size = tensorBytes(m.tensors[t]);
    const lt = life.get(t)!;
    const clash = placed.filter((p) => p.life[0] <= lt[1] && lt[0] <= p.life[1]);
    let off = 0;
    for (let moved = true, pass = 0; moved && pass <= placed.length; pass++) {
      moved = false;
      for (const p of clash) {
        if (off < p.end && p.start < off + size) {
          off = up(p.end);
          moved = true;
        }
      }
    }
    placed.push({ start: off, end: off + size, life: lt });
    high = Math.max(high, up(off + size));
  }
  const channels = m.ops.reduce((n, op) => {
    const scales = op.op === 'FULLY_CONNECTED' && op.inputs[1] >= 0 ? m.tensors[op.inputs[1]]?.quant?.scale.length ?? 0 : 0;
    return n + (scales > 1 ? scales : 0);
  }, 0);
  return high + 8 * channels;
}

/** What a card says of its `arena.bytes` figure. */
export const ARENA_NOTE = `the firmware interpreter's arena (tensors by a greedy lifetime plan, ${ARENA_ALIGN}-byte alignment, then 8 bytes per per-channel multiplier), computed on the host; equal to the board's figure (tests/arena-parity.test.ts). The interpreter's static tables outside it are in bench.staticBytes`;
