/**
 * Crystal graph from an expanded cell: nodes are the (possibly partially occupied) positions,
 * edges join every pair closer than a cutoff under periodic boundary conditions, and each edge
 * carries a Gaussian expansion of its length (the distance featurisation of CGCNN: T. Xie and
 * J. C. Grossman, Phys. Rev. Lett. 120, 145301 (2018)).
 *
 * Partial occupancy, explicitly: every expanded position is one node whose `weight` is its site
 * occupancy (a Li site at 0.5 is a node of weight 0.5, not half an atom dropped or rounded).
 * Several nodes may share one position (mixed sites such as Br/I 0.5/0.5): those are
 * alternatives, not neighbours, so pairs closer than `minDistance` get no edge. Every edge
 * carries `weight = occupancy(src) * occupancy(dst)`, the probability that both ends are present
 * if sites are occupied independently. Consumers decide how to use the weights (e.g. weighted
 * message passing, weighted pooling); nothing is discarded here.
 */

import { cellVolume, type CellParams, type ExpandedAtom, type Vec3 } from './cif.ts';
import { InputError } from '@dendra/core/errors.ts';

/** Options of {@link buildCrystalGraph}. */
export interface GraphOptions {
  /** Neighbour cutoff in Å (0 < cutoff <= 15; default 5). */
  readonly cutoff?: number;
  /** Number of Gaussian centres (1..256; default 40), spread evenly over [0, cutoff]. */
  readonly nGaussians?: number;
  /** Gaussian width σ in Å; default = centre spacing. */
  readonly width?: number;
  /** Pairs closer than this (Å) are co-located alternatives and get no edge (default 0.1). */
  readonly minDistance?: number;
  /** Upper bound on the edge count (default 2,000,000). */
  readonly maxEdges?: number;
}

/** A node: one expanded position. */
export interface GraphNode {
  readonly element: string;
  readonly oxidationState: number | null;
  /** Site occupancy in [0, 1]; the node's weight. */
  readonly weight: number;
  readonly frac: Vec3;
  /** Cartesian position in Å. */
  readonly cart: Vec3;
}

/** A directed edge src -> dst (the reverse edge is present too). */
export interface GraphEdge {
  readonly src: number;
  readonly dst: number;
  /** Lattice translation (integers) added to dst's position. */
  readonly image: Vec3;
  /** Length in Å. */
  readonly distance: number;
  /** occupancy(src) * occupancy(dst). */
  readonly weight: number;
}

/** The graph, with edge features stored row-major (`edges.length x centers.length`). */
export interface CrystalGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Gaussian features, edge e at `[e * centers.length, (e + 1) * centers.length)`. */
  readonly edgeFeatures: Float64Array;
  readonly centers: Float64Array;
  readonly width: number;
  readonly cutoff: number;
}

/**
 * Lattice vectors (rows a, b, c) in Cartesian Å: a along x, b in the xy plane (the usual
 * crystallographic convention).
 */
export function latticeVectors(c: CellParams): [Vec3, Vec3, Vec3] {
  const r = Math.PI / 180;
  const ca = Math.cos(c.alpha * r), cb = Math.cos(c.beta * r), cg = Math.cos(c.gamma * r), sg = Math.sin(c.gamma * r);
  const cx = c.c * cb;
  const cy = (c.c * (ca - cb * cg)) / sg;
  const cz = cellVolume(c) / (c.a * c.b * sg);
  return [[c.a, 0, 0], [c.b * cg, c.b * sg, 0], [cx, cy, cz]];
}

/** Cartesian position of fractional `f` for lattice rows `L`. */
export function fracToCart(L: readonly Vec3[], f: readonly number[]): Vec3 {
  return [0, 1, 2].map((k) => f[0] * L[0][k] + f[1] * L[1][k] + f[2] * L[2][k]) as Vec3;
}

/** Distances between opposite faces of the cell (V / |b x c|, ...), in Å. */
export function planeSpacings(c: CellParams): Vec3 {
  const L = latticeVectors(c);
  const v = cellVolume(c);
  const cross = (p: Vec3, q: Vec3): number =>
    Math.hypot(p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]);
  return [v / cross(L[1], L[2]), v / cross(L[2], L[0]), v / cross(L[0], L[1])];
}

/**
 * Gaussian distance features `exp(-(d - μ_k)^2 / σ^2)` for centres `centers`, written into `out`
 * at `offset` (or a new array).
 */
export function gaussianBasis(d: number, centers: Float64Array, width: number, out?: Float64Array, offset = 0): Float64Array {
  const dst = out ?? new Float64Array(centers.length);
  for (let k = 0; k < centers.length; k++) {
    const z = (d - centers[k]) / width;
    dst[offset + k] = Math.exp(-z * z);
  }
  return dst;
}

function checkOptions(o: GraphOptions): Required<GraphOptions> {
  const cutoff = o.cutoff ?? 5;
  const n = o.nGaussians ?? 40;
  if (!(cutoff > 0 && cutoff <= 15)) throw new RangeError(`cutoff ${cutoff} Å is outside (0, 15]`);
  if (!(Number.isInteger(n) && n >= 1 && n <= 256)) throw new RangeError(`nGaussians ${n} is not an integer in [1, 256]`);
  const width = o.width ?? (n > 1 ? cutoff / (n - 1) : cutoff);
  if (!(width > 0 && Number.isFinite(width))) throw new RangeError(`Gaussian width ${width} must be > 0`);
  const minDistance = o.minDistance ?? 0.1;
  if (!(minDistance >= 0 && minDistance < cutoff)) throw new RangeError(`minDistance ${minDistance} is outside [0, cutoff)`);
  const maxEdges = o.maxEdges ?? 2_000_000;
  return { cutoff, nGaussians: n, width, minDistance, maxEdges };
}

/**
 * Build the periodic crystal graph of `atoms` in `cell`.
 *
 * For each ordered pair (i, j) and each axis, the image range is derived from the plane spacing
 * d_k: translations n_k with |Δf_k + n_k| <= cutoff / d_k are the only ones that can be within
 * the cutoff, so every neighbour is found however small the cell (self-images included).
 * @throws RangeError for options out of range; InputError `E_GRAPH` when the edge count would
 *   exceed `maxEdges` (too dense a structure for the cutoff).
 */
export function buildCrystalGraph(atoms: readonly ExpandedAtom[], cell: CellParams, options: GraphOptions = {}): CrystalGraph {
  const o = checkOptions(options);
  const L = latticeVectors(cell);
  const reach = planeSpacings(cell).map((d) => o.cutoff / d);
  const nodes: GraphNode[] = atoms.map((a) => ({ element: a.element, oxidationState: a.oxidationState,
    weight: a.occupancy, frac: a.frac, cart: fracToCart(L, a.frac) }));
  const edges: GraphEdge[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = 0; j < nodes.length; j++) {
      pairEdges(nodes, i, j, L, reach, o, edges);
      if (edges.length > o.maxEdges) throw new InputError('E_GRAPH', `crystal graph exceeds ${o.maxEdges} edges at cutoff ${o.cutoff} Å`);
    }
  }
  const centers = new Float64Array(o.nGaussians).map((_, k) => (o.nGaussians > 1 ? (k * o.cutoff) / (o.nGaussians - 1) : 0));
  const edgeFeatures = new Float64Array(edges.length * o.nGaussians);
  edges.forEach((e, k) => gaussianBasis(e.distance, centers, o.width, edgeFeatures, k * o.nGaussians));
  return { nodes, edges, edgeFeatures, centers, width: o.width, cutoff: o.cutoff };
}

/** Append the edges i -> (j + n) for every lattice translation n within reach. */
function pairEdges(nodes: GraphNode[], i: number, j: number, L: Vec3[], reach: number[],
  o: Required<GraphOptions>, out: GraphEdge[]): void {
  const df = [0, 1, 2].map((k) => nodes[j].frac[k] - nodes[i].frac[k]);
  const lo = df.map((d, k) => Math.ceil(-reach[k] - d));
  const hi = df.map((d, k) => Math.floor(reach[k] - d));
  const base = [0, 1, 2].map((k) => nodes[j].cart[k] - nodes[i].cart[k]);
  for (let n0 = lo[0]; n0 <= hi[0]; n0++) {
    for (let n1 = lo[1]; n1 <= hi[1]; n1++) {
      for (let n2 = lo[2]; n2 <= hi[2]; n2++) {
        const v = [0, 1, 2].map((k) => base[k] + n0 * L[0][k] + n1 * L[1][k] + n2 * L[2][k]);
        const d = Math.hypot(v[0], v[1], v[2]);
        if (d > o.cutoff || d < o.minDistance) continue;
        out.push({ src: i, dst: j, image: [n0, n1, n2], distance: d, weight: nodes[i].weight * nodes[j].weight });
      }
    }
  }
}
