/**
 * Ions for substitution screening: oxidation states, effective ionic radii and the isovalent
 * substitution table derived from them, plus oxidation-state assignment for compositions.
 *
 * Source of the radii: R. D. Shannon, "Revised effective ionic radii and systematic studies of
 * interatomic distances in halides and chalcogenides", Acta Cryst. A32 (1976) 751-767, Table 1
 * (effective ionic radii, Å). Values were typed in from that table; to compare ions on one
 * footing every cation uses its six-coordinate (CN VI) radius (high-spin where Shannon lists
 * both), anions use CN VI as well, N3- uses CN IV (the only value listed). This is a
 * simplification: real host sites have other coordinations (e.g. Li on tetrahedral garnet
 * sites, La in 8-fold coordination), so the 15 % rule is a coarse size filter, not a site model.
 *
 * Only elements of the OBELiX element table ({@link ./elements.ts}) appear, so every candidate
 * can be featurised by the trained model.
 */

import { InputError } from '@dendra/core/errors.ts';
import { isElementSymbol } from './elements.ts';

/** One ion: element, oxidation state, Shannon CN VI radius (Å). */
export interface Ion {
  readonly element: string;
  readonly charge: number;
  readonly radius: number;
}

// [element, charge, radius Å] — Shannon (1976) Table 1, CN VI unless noted in the module comment.
const ION_TABLE: [string, number, number][] = [
  ['Li', 1, 0.76], ['Na', 1, 1.02], ['K', 1, 1.38], ['Cu', 1, 0.77], ['H', 1, 0.0],
  ['Mg', 2, 0.72], ['Ca', 2, 1.00], ['Sr', 2, 1.18], ['Ba', 2, 1.35], ['Zn', 2, 0.74],
  ['Cd', 2, 0.95], ['Mn', 2, 0.83], ['Fe', 2, 0.78], ['Co', 2, 0.745], ['Cu', 2, 0.73],
  ['Pb', 2, 1.19],
  ['B', 3, 0.27], ['Al', 3, 0.535], ['Ga', 3, 0.62], ['In', 3, 0.80], ['Sc', 3, 0.745],
  ['Y', 3, 0.90], ['La', 3, 1.032], ['Ce', 3, 1.01], ['Pr', 3, 0.99], ['Nd', 3, 0.983],
  ['Sm', 3, 0.958], ['Gd', 3, 0.938], ['Er', 3, 0.89], ['Lu', 3, 0.861], ['Fe', 3, 0.645],
  ['Cr', 3, 0.615], ['V', 3, 0.64], ['Ti', 3, 0.67], ['Mn', 3, 0.645], ['Co', 3, 0.61],
  ['Bi', 3, 1.03], ['Sb', 3, 0.76],
  ['C', 4, 0.16], ['Si', 4, 0.40], ['Ge', 4, 0.53], ['Sn', 4, 0.69], ['Ti', 4, 0.605],
  ['Zr', 4, 0.72], ['Hf', 4, 0.71], ['Ce', 4, 0.87], ['Pb', 4, 0.775], ['Mo', 4, 0.65],
  ['Mn', 4, 0.53], ['V', 4, 0.58],
  ['P', 5, 0.38], ['Nb', 5, 0.64], ['Ta', 5, 0.64], ['V', 5, 0.54], ['Sb', 5, 0.60],
  ['Bi', 5, 0.76], ['N', 5, 0.13],
  ['Mo', 6, 0.59], ['W', 6, 0.60], ['Cr', 6, 0.44], ['Te', 6, 0.56], ['Se', 6, 0.42], ['S', 6, 0.29],
  ['O', -2, 1.40], ['S', -2, 1.84], ['Se', -2, 1.98], ['Te', -2, 2.21],
  ['F', -1, 1.33], ['Cl', -1, 1.81], ['Br', -1, 1.96], ['I', -1, 2.20], ['N', -3, 1.46], ['H', -1, 0.0],
];

/** All ions of the table (H has no usable radius and never takes part in substitutions). */
export const IONS: readonly Ion[] = ION_TABLE.map(([element, charge, radius]) => ({ element, charge, radius }));

/** Maximum relative radius difference for an isovalent substitution. */
export const RADIUS_TOLERANCE = 0.15;

/** Shannon radius of `element` in oxidation state `charge`, or null when not tabulated. */
export function ionRadius(element: string, charge: number): number | null {
  const ion = IONS.find((i) => i.element === element && i.charge === charge);
  return ion === undefined || ion.radius <= 0 ? null : ion.radius;
}

/**
 * Isovalent substitutes of `element` in state `charge`: other elements with the same oxidation
 * state whose radius differs by at most {@link RADIUS_TOLERANCE} (relative to the host's).
 * Sorted by radius difference, then symbol. Empty when the host ion is not tabulated.
 */
export function isovalentSubstitutes(element: string, charge: number): string[] {
  const r = ionRadius(element, charge);
  if (r === null) return [];
  return IONS
    .filter((i) => i.charge === charge && i.element !== element && i.radius > 0 && Math.abs(i.radius - r) / r <= RADIUS_TOLERANCE + 1e-9)
    .sort((a, b) => Math.abs(a.radius - r) - Math.abs(b.radius - r) || a.element.localeCompare(b.element))
    .map((i) => i.element);
}

/** Oxidation states tried for `element`, most common first (table order); empty if none. */
export function oxidationStates(element: string): number[] {
  const pref: Record<string, number[]> = { S: [-2, 6], Se: [-2, 6], Te: [-2, 6], N: [-3, 5], H: [1, -1], Pb: [2, 4], Ce: [3, 4] };
  if (pref[element]) return pref[element];
  return IONS.filter((i) => i.element === element).map((i) => i.charge);
}

/** Total charge of a composition under assigned states. */
export function totalCharge(amounts: ReadonlyMap<string, number>, states: ReadonlyMap<string, number>): number {
  let q = 0;
  for (const [e, n] of amounts) q += n * (states.get(e) ?? NaN);
  return q;
}

/** Tolerance on |total charge| relative to the total positive charge. */
export const CHARGE_TOLERANCE = 1e-6;

/** True when `amounts` is neutral within {@link CHARGE_TOLERANCE} under `states`. */
export function isChargeBalanced(amounts: ReadonlyMap<string, number>, states: ReadonlyMap<string, number>): boolean {
  let pos = 0;
  for (const [e, n] of amounts) pos += Math.max(0, n * (states.get(e) ?? NaN));
  const q = totalCharge(amounts, states);
  return Number.isFinite(q) && Math.abs(q) <= CHARGE_TOLERANCE * Math.max(1, pos);
}

/**
 * Assign one oxidation state per element so that the composition is neutral (within
 * {@link CHARGE_TOLERANCE}); the first neutral combination in table-preference order wins.
 * Mixed valence of one element is not considered. Returns null when no combination balances
 * or an element has no tabulated state.
 * @throws InputError `E_ELEMENT` for a symbol that is not an element.
 */
export function assignOxidationStates(amounts: ReadonlyMap<string, number>): Map<string, number> | null {
  const els = [...amounts.keys()];
  for (const e of els) if (!isElementSymbol(e)) throw new InputError('E_ELEMENT', `'${e}' is not an element symbol`);
  const options = els.map(oxidationStates);
  if (options.some((o) => o.length === 0)) return null;
  const pick = new Map<string, number>();
  const walk = (k: number): boolean => {
    if (k === els.length) return isChargeBalanced(amounts, pick);
    for (const q of options[k]) {
      pick.set(els[k], q);
      if (walk(k + 1)) return true;
    }
    pick.delete(els[k]);
    return false;
  };
  return walk(0) ? new Map(pick) : null;
}
