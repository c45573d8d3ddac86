/**
 * Element property table for the elements that occur in OBELiX (54 elements over the training
 * split's compositions).
 *
 * Sources (values typed in from the published tables, rounded as printed there):
 * - Atomic mass: IUPAC Commission on Isotopic Abundances and Atomic Weights, "Standard atomic
 *   weights 2021" (conventional / abridged values), Pure Appl. Chem. 95 (2023) 1077.
 * - Electronegativity: Pauling scale as tabulated in the CRC Handbook of Chemistry and Physics
 *   (section 9, "Electronegativity"; revised Pauling values after A. L. Allred, J. Inorg. Nucl.
 *   Chem. 17 (1961) 215). Pb: 2.33 (the value listed for Pb(IV)).
 * - Covalent radius: B. Cordero et al., "Covalent radii revisited", Dalton Trans. (2008) 2832.
 *   C is the sp3 value (0.76 Å); Mn, Fe, Co use the low-spin values (1.39, 1.32, 1.26 Å).
 * - Row / group: IUPAC 1-18 group numbering; lanthanides (La-Lu) are given group 3.
 * - Valence electrons (a definition, not a measurement): s+p electrons outside the noble-gas
 *   core for main-group elements (group 1-2: group; 13-18: group - 10), s+d electrons for
 *   d-block elements (group number), and 3 for the lanthanides (their common trivalent state).
 */

import { InputError } from '@dendra/core/errors.ts';

/** Properties of one element. */
export interface ElementProps {
  readonly symbol: string;
  /** Atomic number Z. */
  readonly z: number;
  /** Standard atomic weight, g/mol (IUPAC 2021, abridged). */
  readonly mass: number;
  /** Pauling electronegativity (CRC Handbook). */
  readonly electronegativity: number;
  /** Single-bond covalent radius in Å (Cordero 2008). */
  readonly covalentRadius: number;
  /** Valence electron count (definition in the module comment). */
  readonly valenceElectrons: number;
  /** Period (row) of the periodic table, 1-7. */
  readonly row: number;
  /** IUPAC group 1-18 (lanthanides: 3). */
  readonly group: number;
}

/** All 118 element symbols in order of atomic number (index + 1 = Z). */
export const ELEMENT_SYMBOLS: readonly string[] = (
  'H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se ' +
  'Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb ' +
  'Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm ' +
  'Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og'
).split(' ');

const SYMBOL_SET: ReadonlySet<string> = new Set(ELEMENT_SYMBOLS);

/** True when `s` is a real element symbol with correct capitalisation ("Li", not "LI"). */
export function isElementSymbol(s: string): boolean {
  return SYMBOL_SET.has(s);
}

// symbol, mass, Pauling EN, covalent radius (Å), valence electrons, row, group
type Row = [string, number, number, number, number, number, number];
const TABLE: Row[] = [
  ['H', 1.008, 2.20, 0.31, 1, 1, 1],
  ['Li', 6.94, 0.98, 1.28, 1, 2, 1],
  ['B', 10.81, 2.04, 0.84, 3, 2, 13],
  ['C', 12.011, 2.55, 0.76, 4, 2, 14],
  ['N', 14.007, 3.04, 0.71, 5, 2, 15],
  ['O', 15.999, 3.44, 0.66, 6, 2, 16],
  ['F', 18.998, 3.98, 0.57, 7, 2, 17],
  ['Na', 22.990, 0.93, 1.66, 1, 3, 1],
  ['Mg', 24.305, 1.31, 1.41, 2, 3, 2],
  ['Al', 26.982, 1.61, 1.21, 3, 3, 13],
  ['Si', 28.085, 1.90, 1.11, 4, 3, 14],
  ['P', 30.974, 2.19, 1.07, 5, 3, 15],
  ['S', 32.06, 2.58, 1.05, 6, 3, 16],
  ['Cl', 35.45, 3.16, 1.02, 7, 3, 17],
  ['K', 39.098, 0.82, 2.03, 1, 4, 1],
  ['Ca', 40.078, 1.00, 1.76, 2, 4, 2],
  ['Sc', 44.956, 1.36, 1.70, 3, 4, 3],
  ['Ti', 47.867, 1.54, 1.60, 4, 4, 4],
  ['V', 50.942, 1.63, 1.53, 5, 4, 5],
  ['Cr', 51.996, 1.66, 1.39, 6, 4, 6],
  ['Mn', 54.938, 1.55, 1.39, 7, 4, 7],
  ['Fe', 55.845, 1.83, 1.32, 8, 4, 8],
  ['Co', 58.933, 1.88, 1.26, 9, 4, 9],
  ['Cu', 63.546, 1.90, 1.32, 11, 4, 11],
  ['Zn', 65.38, 1.65, 1.22, 12, 4, 12],
  ['Ga', 69.723, 1.81, 1.22, 3, 4, 13],
  ['Ge', 72.630, 2.01, 1.20, 4, 4, 14],
  ['Se', 78.971, 2.55, 1.20, 6, 4, 16],
  ['Br', 79.904, 2.96, 1.20, 7, 4, 17],
  ['Sr', 87.62, 0.95, 1.95, 2, 5, 2],
  ['Y', 88.906, 1.22, 1.90, 3, 5, 3],
  ['Zr', 91.224, 1.33, 1.75, 4, 5, 4],
  ['Nb', 92.906, 1.60, 1.64, 5, 5, 5],
  ['Mo', 95.95, 2.16, 1.54, 6, 5, 6],
  ['Cd', 112.414, 1.69, 1.44, 12, 5, 12],
  ['In', 114.818, 1.78, 1.42, 3, 5, 13],
  ['Sn', 118.710, 1.96, 1.39, 4, 5, 14],
  ['Sb', 121.760, 2.05, 1.39, 5, 5, 15],
  ['Te', 127.60, 2.10, 1.38, 6, 5, 16],
  ['I', 126.904, 2.66, 1.39, 7, 5, 17],
  ['Ba', 137.327, 0.89, 2.15, 2, 6, 2],
  ['La', 138.905, 1.10, 2.07, 3, 6, 3],
  ['Ce', 140.116, 1.12, 2.04, 3, 6, 3],
  ['Pr', 140.908, 1.13, 2.03, 3, 6, 3],
  ['Nd', 144.242, 1.14, 2.01, 3, 6, 3],
  ['Sm', 150.36, 1.17, 1.98, 3, 6, 3],
  ['Gd', 157.25, 1.20, 1.96, 3, 6, 3],
  ['Er', 167.259, 1.24, 1.89, 3, 6, 3],
  ['Lu', 174.967, 1.27, 1.87, 3, 6, 3],
  ['Hf', 178.49, 1.30, 1.75, 4, 6, 4],
  ['Ta', 180.948, 1.50, 1.70, 5, 6, 5],
  ['W', 183.84, 2.36, 1.62, 6, 6, 6],
  ['Pb', 207.2, 2.33, 1.46, 4, 6, 14],
  ['Bi', 208.980, 2.02, 1.48, 5, 6, 15],
];

/** The table keyed by symbol. */
export const ELEMENTS: ReadonlyMap<string, ElementProps> = new Map(
  TABLE.map(([symbol, mass, en, rcov, nval, row, group]): [string, ElementProps] => [symbol, {
    symbol, z: ELEMENT_SYMBOLS.indexOf(symbol) + 1, mass, electronegativity: en,
    covalentRadius: rcov, valenceElectrons: nval, row, group,
  }]),
);

/**
 * Properties of element `symbol`.
 * @throws InputError `E_ELEMENT` when the element is not in the table (the table covers the
 *   OBELiX elements only); the message names the symbol.
 */
export function elementProps(symbol: string): ElementProps {
  const p = ELEMENTS.get(symbol);
  if (p === undefined) throw new InputError('E_ELEMENT', `element '${symbol}' is not in the OBELiX element table`);
  return p;
}
