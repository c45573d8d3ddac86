/**
 * Structure features from a CIF: density, Li fraction, mean Li-Li nearest distance and mean
 * Li-anion nearest distance. Partial occupancies are used as weights (a Li site of occupancy 0.5
 * counts half in the Li fraction and in the occupancy-weighted distance means). Positions closer
 * than 0.1 Å are treated as co-located alternatives, not neighbours (as in graph.ts).
 *
 * Nearest distances are searched over all periodic images within {@link NEAREST_CUTOFF} Å using
 * the plane-spacing bound of graph.ts (`latticeVectors`, `planeSpacings`, `fracToCart`); an atom
 * with no partner inside the cutoff contributes the cutoff value.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellVolume, expandSites, parseCif, readCif, type CifStructure, type ExpandedAtom } from './cif.ts';
import { physicsFeatures, type PhysicsFeatures } from './physics.ts';
import { cachedByText, CACHE_ROOT } from './cache.ts';
import { elementProps } from './elements.ts';
import { fracToCart, latticeVectors, planeSpacings } from './graph.ts';

/** The four structure descriptors. */
export interface StructureFeatures {
  /** g/cm³ from occupancy-weighted cell mass and cell volume. */
  readonly density: number;
  /** Li occupancy / total occupancy in the cell. */
  readonly liFraction: number;
  /** Occupancy-weighted mean over Li sites of the distance (Å) to the nearest other Li. */
  readonly liLiNearest: number;
  /** Occupancy-weighted mean over Li sites of the distance (Å) to the nearest anion. */
  readonly liAnionNearest: number;
  /** Physics descriptors (physics.ts), when computed. */
  readonly physics?: PhysicsFeatures;
}

/** Version of the physics descriptors; bump when physics.ts changes what it computes. */
export const PHYSICS_VERSION = 1;
/** Cache of physics descriptors (derived data, never committed), keyed by CIF text hash. */
export const PHYSICS_CACHE_DIR = join(CACHE_ROOT, 'materials-physics');

/**
 * Physics descriptors of a CIF text, read from / written to `cacheDir` (cache.ts; key: SHA-256 of
 * the text and {@link PHYSICS_VERSION}). A cache that cannot be read or written is ignored.
 * @throws as {@link physicsFeatures} for a CIF it cannot expand.
 */
export function cachedPhysics(text: string, path: string, cacheDir: string | null = PHYSICS_CACHE_DIR): PhysicsFeatures {
  return cachedByText(cacheDir, PHYSICS_VERSION, text, () => physicsFeatures(parseCif(text, path)));
}

/** Search radius for nearest neighbours, Å. */
export const NEAREST_CUTOFF = 8;
const MIN_DISTANCE = 0.1;
/** Elements treated as anions when the CIF gives no negative oxidation state. */
const ANIONS = new Set(['N', 'O', 'F', 'S', 'Cl', 'Se', 'Br', 'Te', 'I', 'H']);
/** g/mol/Å³ to g/cm³: 1e24 / N_A (CODATA 2018 N_A = 6.02214076e23). */
const DENSITY_FACTOR = 1e24 / 6.02214076e23;

function isAnion(a: ExpandedAtom): boolean {
  return a.oxidationState !== null ? a.oxidationState < 0 : ANIONS.has(a.element);
}

/** Smallest distance from `p` (fractional) to any image of the atoms in `targets`. */
function nearest(p: readonly number[], targets: readonly ExpandedAtom[], L: ReturnType<typeof latticeVectors>, reach: number[]): number {
  let best = NEAREST_CUTOFF;
  for (const t of targets) {
    const df = [0, 1, 2].map((k) => t.frac[k] - p[k]);
    const base = fracToCart(L, df);
    const lo = df.map((d, k) => Math.ceil(-reach[k] - d));
    const hi = df.map((d, k) => Math.floor(reach[k] - d));
    for (let n0 = lo[0]; n0 <= hi[0]; n0++) {
      for (let n1 = lo[1]; n1 <= hi[1]; n1++) {
        for (let n2 = lo[2]; n2 <= hi[2]; n2++) {
          const x = base[0] + n0 * L[0][0] + n1 * L[1][0] + n2 * L[2][0];
          const y = base[1] + n0 * L[0][1] + n1 * L[1][1] + n2 * L[2][1];
          const z = base[2] + n0 * L[0][2] + n1 * L[1][2] + n2 * L[2][2];
          const d = Math.hypot(x, y, z);
          if (d >= MIN_DISTANCE && d < best) best = d;
        }
      }
    }
  }
  return best;
}

/**
 * Structure features of a parsed CIF. Structures without Li get NaN distances.
 * @throws InputError `E_CIF` when the expanded cell is too large (see expandSites) or
 *   `E_ELEMENT` for an element outside the property table.
 */
export function structureFeatures(cif: CifStructure): StructureFeatures {
  const atoms = expandSites(cif);
  const L = latticeVectors(cif.cell);
  const reach = planeSpacings(cif.cell).map((d) => NEAREST_CUTOFF / d);
  let mass = 0, occ = 0, liOcc = 0;
  for (const a of atoms) {
    mass += a.occupancy * elementProps(a.element).mass;
    occ += a.occupancy;
    if (a.element === 'Li') liOcc += a.occupancy;
  }
  const li = atoms.filter((a) => a.element === 'Li');
  const anions = atoms.filter(isAnion);
  let wLiLi = 0, wLiAn = 0;
  for (const a of li) {
    wLiLi += a.occupancy * nearest(a.frac, li, L, reach);
    wLiAn += a.occupancy * nearest(a.frac, anions, L, reach);
  }
  return {
    density: (mass / cellVolume(cif.cell)) * DENSITY_FACTOR,
    liFraction: occ > 0 ? liOcc / occ : 0,
    liLiNearest: liOcc > 0 ? wLiLi / liOcc : NaN,
    liAnionNearest: liOcc > 0 && anions.length > 0 ? wLiAn / liOcc : NaN,
  };
}

/**
 * Structure features for each id whose `<dir>/<id>.cif` exists, with the physics descriptors
 * when `physics` is true (cached, see {@link cachedPhysics}). Files that fail to parse are
 * skipped and reported through `onError` (the row then falls back to composition features).
 * Never throws for a bad CIF.
 */
export function loadStructures(ids: readonly string[], dir: string,
  onError: (id: string, message: string) => void = () => {}, physics = false,
  onProgress?: (done: number, total: number) => void): Map<string, StructureFeatures> {
  const out = new Map<string, StructureFeatures>();
  ids.forEach((id, i) => {
    const path = join(dir, `${id}.cif`);
    if (/^[A-Za-z0-9_-]+$/.test(id) && existsSync(path)) loadOne(id, path, physics, out, onError);
    onProgress?.(i + 1, ids.length);
  });
  return out;
}

function loadOne(id: string, path: string, physics: boolean, out: Map<string, StructureFeatures>, onError: (id: string, message: string) => void): void {
  {
    try {
      const base = structureFeatures(readCif(path));
      out.set(id, physics ? { ...base, physics: cachedPhysics(readFileSync(path, 'utf8'), path) } : base);
    } catch (e) {
      onError(id, e instanceof Error ? e.message : String(e));
    }
  }
}
