/**
 * Periodic percolation with a union-find that remembers lattice offsets (the "wrapping" test for
 * periodic clusters: M. E. J. Newman and R. M. Ziff, Phys. Rev. E 64, 016706 (2001), sec. III).
 *
 * Nodes live in one unit cell; a link joins node p to the image of node q shifted by an integer
 * lattice vector c. Each node stores the integer offset of its image relative to its parent, so
 * `find` gives every node's image in its cluster's frame. A link between two nodes already in one
 * cluster whose images disagree by a non-zero vector w means the cluster wraps around the
 * periodic cell along w: it is infinite in that direction. The dimension of a cluster is the rank
 * of its wrap vectors (0: finite, 1: channels, 2: layers, 3: a 3D network).
 */

/** Integer lattice vector. */
export type Offset = readonly [number, number, number];

/** Union-find over `n` nodes with periodic offsets and wrap-vector rank per cluster. */
export class PeriodicUnionFind {
  private readonly parent: Int32Array;
  /** Offset of a node's image relative to its parent's image (3 ints per node). */
  private readonly off: Int32Array;
  /** Independent wrap vectors per root (at most 3). */
  private readonly wraps = new Map<number, number[][]>();
  /** Largest wrap rank over all clusters so far. */
  maxDimension = 0;

  constructor(n: number) {
    this.parent = new Int32Array(n).map((_, i) => i);
    this.off = new Int32Array(3 * n);
  }

  /** Root of `x` and the offset of x's image in the root's frame. */
  find(x: number): { root: number; d: [number, number, number] } {
    const d: [number, number, number] = [0, 0, 0];
    let r = x;
    while (this.parent[r] !== r) {
      d[0] += this.off[3 * r]; d[1] += this.off[3 * r + 1]; d[2] += this.off[3 * r + 2];
      r = this.parent[r];
    }
    // path compression: point x straight at the root with its accumulated offset
    if (this.parent[x] !== r) {
      this.parent[x] = r;
      this.off[3 * x] = d[0]; this.off[3 * x + 1] = d[1]; this.off[3 * x + 2] = d[2];
    }
    return { root: r, d };
  }

  /**
   * Link node p (home image) to the image of node q shifted by `c`. Returns the new dimension of
   * the resulting cluster (0..3).
   */
  link(p: number, q: number, c: Offset): number {
    const a = this.find(p), b = this.find(q);
    const want: number[] = [a.d[0] + c[0], a.d[1] + c[1], a.d[2] + c[2]];
    if (a.root === b.root) {
      const w = [want[0] - b.d[0], want[1] - b.d[1], want[2] - b.d[2]];
      if (w[0] !== 0 || w[1] !== 0 || w[2] !== 0) this.addWrap(a.root, w);
      return this.dimension(a.root);
    }
    // attach b.root under a.root so that q's image lands at `want`
    this.parent[b.root] = a.root;
    for (let k = 0; k < 3; k++) this.off[3 * b.root + k] = want[k] - b.d[k];
    const wb = this.wraps.get(b.root);
    if (wb) {
      this.wraps.delete(b.root);
      for (const w of wb) this.addWrap(a.root, w);
    }
    return this.dimension(a.root);
  }

  /** Wrap rank of the cluster whose root is `root`. */
  dimension(root: number): number {
    return this.wraps.get(root)?.length ?? 0;
  }

  private addWrap(root: number, w: number[]): void {
    const list = this.wraps.get(root) ?? [];
    if (list.length >= 3) return;
    if (rank([...list, w]) > list.length) list.push(w);
    this.wraps.set(root, list);
    this.maxDimension = Math.max(this.maxDimension, list.length);
  }
}

/** Rank of up to 3 integer 3-vectors (Gaussian elimination in floating point; entries are small). */
export function rank(vs: readonly number[][]): number {
  const m = vs.map((v) => [...v]);
  let r = 0;
  for (let col = 0; col < 3 && r < m.length; col++) {
    let piv = -1;
    for (let i = r; i < m.length; i++) if (Math.abs(m[i][col]) > 1e-9 && (piv < 0 || Math.abs(m[i][col]) > Math.abs(m[piv][col]))) piv = i;
    if (piv < 0) continue;
    [m[r], m[piv]] = [m[piv], m[r]];
    for (let i = 0; i < m.length; i++) {
      if (i === r) continue;
      const f = m[i][col] / m[r][col];
      for (let k = 0; k < 3; k++) m[i][k] -= f * m[r][k];
    }
    r++;
  }
  return r;
}
