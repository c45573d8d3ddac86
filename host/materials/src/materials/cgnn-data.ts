/**
 * Graph inputs of the crystal-graph network (cgnn.ts): per crystal, raw node properties from
 * elements.ts plus occupancy, and the k nearest neighbours of every node within the cutoff of
 * graph.ts with their Gaussian distance features and occupancy edge weights. Batches concatenate
 * crystals (node and edge indices offset, a crystal id per node) so that message passing and
 * pooling are segment sums over one flat node array.
 *
 * Orbit reduction (default): atoms generated from one CIF site by the space group's operations
 * are equivalent, and an invariant message-passing network gives them the same hidden state at
 * every layer. So the graph keeps one node per CIF site (its first expanded atom, with that
 * atom's k nearest neighbours, each mapped to the node of its own site) and the site's
 * multiplicity weights it in pooling. This computes what the full-cell graph computes (up to
 * ties at the k-th neighbour) with 1/multiplicity of the nodes: 28,183 nodes become the sites
 * of the 254 OBELiX CIFs.
 */

import { join } from 'node:path';
import { expandSites, readCif } from './cif.ts';
import { elementProps } from './elements.ts';
import { buildCrystalGraph } from './graph.ts';

/** Raw node properties per node, in this order (standardized on the training fold). */
export const NODE_PROPS = ['electronegativity', 'covalentRadius', 'valenceElectrons', 'row', 'group', 'mass'] as const;
/** Node input width: the standardized properties times occupancy, plus occupancy itself. */
export const NODE_DIM = NODE_PROPS.length + 1;

/** Options of {@link prepareGraph}. */
export interface GraphPrepOptions {
  /** Neighbour cutoff in Å (default 5). */
  readonly cutoff?: number;
  /** Gaussian centres over [0, cutoff] (default 16). */
  readonly nGaussians?: number;
  /** Neighbours kept per node, nearest first (default 12). */
  readonly maxNeighbors?: number;
  /** One node per CIF site, weighted by multiplicity (default true; false: every atom of the cell). */
  readonly reduce?: boolean;
}

/** One crystal ready for the network. */
export interface PreparedGraph {
  readonly nNodes: number;
  /** Raw properties, `nNodes x NODE_PROPS.length`, row-major. */
  readonly props: Float32Array;
  /** Site occupancy per node. */
  readonly occupancy: Float32Array;
  /** Atoms of the cell each node stands for (its site's multiplicity; 1 without reduction). */
  readonly multiplicity: Float32Array;
  /** Edge i -> j: `src` receives the message from `dst`. */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** occupancy(src) * occupancy(dst) per edge. */
  readonly edgeWeight: Float32Array;
  /** Gaussian features, `nEdges x nGaussians`, row-major. */
  readonly edgeFeatures: Float32Array;
  readonly nGaussians: number;
}

/**
 * Prepare one crystal: expand the CIF sites, build the periodic graph and keep the
 * `maxNeighbors` nearest edges of every node.
 * @throws InputError from the CIF expansion (`E_CIF`), graph building (`E_GRAPH`) or an element
 *   outside the property table (`E_ELEMENT`); RangeError for bad options.
 */
export function prepareGraph(cifPath: string, o: GraphPrepOptions = {}): PreparedGraph {
  const cif = readCif(cifPath);
  const atoms = expandSites(cif);
  const g = buildCrystalGraph(atoms, cif.cell, { cutoff: o.cutoff ?? 5, nGaussians: o.nGaussians ?? 16 });
  const k = o.maxNeighbors ?? 12;
  const G = g.centers.length;
  // node of each atom: its site's first atom (reduced) or itself
  const reduce = o.reduce ?? true;
  const firstOfSite = new Map<number, number>();
  atoms.forEach((a, i) => { if (!firstOfSite.has(a.site)) firstOfSite.set(a.site, i); });
  const reps = reduce ? [...firstOfSite.values()] : atoms.map((_, i) => i);
  const nodeOfRep = new Map(reps.map((a, n) => [a, n]));
  const nodeOf = (atom: number): number => nodeOfRep.get(reduce ? firstOfSite.get(atoms[atom].site)! : atom)!;
  const multiplicity = new Float32Array(reps.length);
  if (reduce) atoms.forEach((a) => { multiplicity[nodeOfRep.get(firstOfSite.get(a.site)!)!] += 1; });
  else multiplicity.fill(1);
  const byAtom: number[][] = atoms.map(() => []);
  g.edges.forEach((e, i) => byAtom[e.src].push(i));
  const kept: number[] = [];
  for (const r of reps) {
    const list = byAtom[r].sort((a, b) => g.edges[a].distance - g.edges[b].distance || a - b);
    kept.push(...list.slice(0, k));
  }
  const props = new Float32Array(reps.length * NODE_PROPS.length);
  reps.forEach((a, i) => {
    const p = elementProps(atoms[a].element);
    NODE_PROPS.forEach((name, c) => { props[i * NODE_PROPS.length + c] = p[name]; });
  });
  const edgeFeatures = new Float32Array(kept.length * G);
  kept.forEach((e, r) => edgeFeatures.set(g.edgeFeatures.subarray(e * G, (e + 1) * G), r * G));
  return {
    nNodes: reps.length, props, occupancy: Float32Array.from(reps, (a) => atoms[a].occupancy), multiplicity,
    src: Int32Array.from(kept, (e) => nodeOf(g.edges[e].src)), dst: Int32Array.from(kept, (e) => nodeOf(g.edges[e].dst)),
    edgeWeight: Float32Array.from(kept, (e) => g.edges[e].weight), edgeFeatures, nGaussians: G,
  };
}

/**
 * Prepared graphs for each id from `<dir>/<id>.cif`, in order.
 * @throws InputError for the first CIF that fails (see {@link prepareGraph}).
 */
export function prepareGraphs(ids: readonly string[], dir: string, o: GraphPrepOptions = {}): PreparedGraph[] {
  return ids.map((id) => prepareGraph(join(dir, `${id}.cif`), o));
}

/** Per-property mean and standard deviation over nodes (occupancy-weighted). */
export interface NodeScaler { readonly mean: Float32Array; readonly std: Float32Array }

/** Fit the node standardization on the training graphs; a constant property gets std 1. Never throws. */
export function fitNodeScaler(graphs: readonly PreparedGraph[]): NodeScaler {
  const P = NODE_PROPS.length;
  const s = new Float64Array(P), s2 = new Float64Array(P);
  let w = 0;
  for (const g of graphs) {
    for (let i = 0; i < g.nNodes; i++) {
      const o = g.occupancy[i] * g.multiplicity[i];
      w += o;
      for (let c = 0; c < P; c++) { const x = g.props[i * P + c]; s[c] += o * x; s2[c] += o * x * x; }
    }
  }
  const mean = Float32Array.from(s, (v) => (w > 0 ? v / w : 0));
  const std = Float32Array.from(s2, (v, c) => { const sd = w > 0 ? Math.sqrt(Math.max(0, v / w - mean[c] ** 2)) : 0; return sd > 1e-8 ? sd : 1; });
  return { mean, std };
}

/** A concatenated batch of crystals (plain arrays; cgnn.ts turns them into tensors). */
export interface GraphBatch {
  readonly nGraphs: number;
  readonly nNodes: number;
  /** `nNodes x NODE_DIM` node inputs. */
  readonly x: Float32Array;
  /** Pooling weight per node: occupancy times multiplicity. */
  readonly occupancy: Float32Array;
  /** Crystal index (0..nGraphs-1) per node. */
  readonly graphOf: Int32Array;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly edgeWeight: Float32Array;
  readonly edgeFeatures: Float32Array;
  readonly nGaussians: number;
}

/**
 * Concatenate `graphs` into one batch, standardizing node properties with `scaler` and
 * multiplying them by occupancy.
 * @throws RangeError for an empty batch or graphs with different Gaussian counts.
 */
export function makeBatch(graphs: readonly PreparedGraph[], scaler: NodeScaler): GraphBatch {
  if (graphs.length === 0) throw new RangeError('empty batch');
  const G = graphs[0].nGaussians;
  if (graphs.some((g) => g.nGaussians !== G)) throw new RangeError('graphs have different Gaussian counts');
  const N = graphs.reduce((a, g) => a + g.nNodes, 0);
  const E = graphs.reduce((a, g) => a + g.src.length, 0);
  const P = NODE_PROPS.length;
  const x = new Float32Array(N * NODE_DIM), occupancy = new Float32Array(N), graphOf = new Int32Array(N);
  const src = new Int32Array(E), dst = new Int32Array(E), edgeWeight = new Float32Array(E), edgeFeatures = new Float32Array(E * G);
  let n0 = 0, e0 = 0;
  graphs.forEach((g, b) => {
    for (let i = 0; i < g.nNodes; i++) {
      const o = g.occupancy[i];
      for (let c = 0; c < P; c++) x[(n0 + i) * NODE_DIM + c] = o * ((g.props[i * P + c] - scaler.mean[c]) / scaler.std[c]);
      x[(n0 + i) * NODE_DIM + P] = o;
      occupancy[n0 + i] = o * g.multiplicity[i];
      graphOf[n0 + i] = b;
    }
    for (let e = 0; e < g.src.length; e++) { src[e0 + e] = g.src[e] + n0; dst[e0 + e] = g.dst[e] + n0; }
    edgeWeight.set(g.edgeWeight, e0);
    edgeFeatures.set(g.edgeFeatures, e0 * G);
    n0 += g.nNodes; e0 += g.src.length;
  });
  return { nGraphs: graphs.length, nNodes: N, x, occupancy, graphOf, src, dst, edgeWeight, edgeFeatures, nGaussians: G };
}
