/**
 * Hypothetical Li-conductor candidates by substitution on known frameworks of the OBELiX
 * training split (Therrien et al. 2025, CC BY 4.0). Every candidate records its parent row (which
 * has a CIF, so DFT inputs can be written from the parent's structure), the per-formula-unit
 * amounts, the oxidation state of every element, and which parent host site each species sits
 * on. Every candidate is charge balanced under its states ({@link isChargeBalanced}).
 *
 * Rules (all amounts per formula unit):
 * - Garnet, parent Li7La3Zr2O12 (Ia-3d): Al3+ / Ga3+ on Li sites (each removes 3 Li+: one for
 *   the dopant, two vacancies), Ta5+ / Nb5+ on Zr sites (each removes 1 Li+):
 *   Li(7-3a-3g-t-n) Al(a) Ga(g) La3 Zr(2-t-n) Ta(t) Nb(n) O12, Li >= 5.
 *   (Al/Ga/Ta doping of LLZO: e.g. Rettenwander et al., Chem. Mater. 28 (2016) 2384; Thompson
 *   et al., ACS Energy Lett. 2 (2017) 462.)
 * - Argyrodite, parent Li6PS5Cl (F-43m): halogen-rich Li(6-x+y) P(1-y) M(y) S(5-x) X(1+x), X a
 *   Cl/Br/I mixture, M = Ge/Si/Sn (as in Li6+yP1-yGeyS5I, Kraft et al., JACS 139 (2017) 10909),
 *   Se for part of S. (Halogen-rich Li6-xPS5-xCl1+x: Adeli et al., Angew. Chem. 58 (2019) 8681.)
 * - LGPS, parent Li10GeP2S12 (P4_2/nmc): Li(10+d-z) M(1+d) P(2-d) S(12-z) Cl(z), M a Ge/Si/Sn
 *   mixture (Kamaya et al., Nat. Mater. 10 (2011) 682; Kato et al., Nat. Energy 1 (2016) 16030),
 *   Se for part of S.
 * - Isovalent: on every training row with a CIF whose composition can be charge balanced
 *   ({@link assignOxidationStates}), replace a fraction 1/4, 1/2, 3/4 or all of one non-Li host
 *   element by an isovalent substitute ({@link isovalentSubstitutes}: same state, Shannon radius
 *   within 15 %). Isovalent exchange keeps the total charge, so balance carries over.
 * Candidates are de-duplicated by normalised composition, and compositions already in the
 * training split are dropped (they are not hypothetical).
 */

import { InputError } from '@dendra/core/errors.ts';
import { ELEMENTS } from './elements.ts';
import { assignOxidationStates, isChargeBalanced, isovalentSubstitutes } from './ions.ts';
import { parseComposition, type ObelixRow } from './obelix.ts';

/** What occupies one parent host element's sites (amounts per formula unit). */
export interface SiteFill {
  /** Element of the parent structure whose sites are filled. */
  readonly host: string;
  readonly occupants: ReadonlyArray<readonly [string, number]>;
}

/** One hypothetical composition. */
export interface Candidate {
  readonly id: string;
  /** Formula per formula unit, e.g. `Li6.5La3Zr1.5Ta0.5O12`. */
  readonly formula: string;
  readonly family: 'garnet' | 'argyrodite' | 'LGPS' | 'isovalent';
  /** Human-readable substitution rule. */
  readonly rule: string;
  /** OBELiX ID of the parent row (it has a CIF). */
  readonly parentId: string;
  /** Family label of the parent row in train.csv. */
  readonly parentFamily: string;
  readonly amounts: ReadonlyMap<string, number>;
  /** Oxidation state of every element. */
  readonly states: ReadonlyMap<string, number>;
  readonly sites: readonly SiteFill[];
}

type Draft = Omit<Candidate, 'id' | 'formula' | 'amounts' | 'parentId' | 'parentFamily'>;

/** Round to 6 decimals so grids like 0.1 * k print and compare cleanly. */
const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Sum the site fills into amounts (elements in first-seen order, zero amounts dropped). */
export function amountsOf(sites: readonly SiteFill[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of sites) for (const [e, n] of s.occupants) if (n > 1e-12) m.set(e, (m.get(e) ?? 0) + n);
  for (const [e, n] of m) m.set(e, r6(n));
  return m;
}

/** Formula text of amounts, e.g. `Li6.5La3Zr1.5Ta0.5O12` (amounts printed with <= 6 decimals). */
export function formatFormula(amounts: ReadonlyMap<string, number>): string {
  return [...amounts].map(([e, n]) => (Math.abs(n - 1) < 1e-9 ? e : `${e}${Number(n.toFixed(6))}`)).join('');
}

/** De-duplication key: element fractions of the composition, 6 decimals, sorted by symbol. */
export function compositionKey(amounts: ReadonlyMap<string, number>): string {
  let tot = 0;
  for (const n of amounts.values()) tot += n;
  return [...amounts].filter(([, n]) => n > 1e-9).sort(([a], [b]) => a.localeCompare(b))
    .map(([e, n]) => `${e}:${(n / tot).toFixed(6)}`).join(';');
}

const steps = (lo: number, hi: number, dx: number): number[] => {
  const out: number[] = [];
  for (let k = 0; lo + k * dx <= hi + 1e-9; k++) out.push(r6(lo + k * dx));
  return out;
};

/** Mixtures of `els` with fractions in multiples of 1/`n` summing to 1. */
function simplex(els: readonly string[], n: number): Array<Array<[string, number]>> {
  if (els.length === 1) return [[[els[0], 1]]];
  const out: Array<Array<[string, number]>> = [];
  for (let k = 0; k <= n; k++) {
    for (const rest of simplex(els.slice(1), n - k)) out.push([[els[0], r6(k / n)], ...rest.map(([e, f]): [string, number] => [e, r6(f * (n - k) / n)])]);
  }
  return out;
}

const STATES = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));

function garnetDrafts(): Draft[] {
  const out: Draft[] = [];
  const states = STATES({ Li: 1, Al: 3, Ga: 3, La: 3, Zr: 4, Ta: 5, Nb: 5, O: -2 });
  for (const a of steps(0, 0.3, 0.05)) for (const g of steps(0, 0.3, 0.05)) for (const t of steps(0, 1.5, 0.125)) for (const n of steps(0, 1.5, 0.125)) {
    const li = r6(7 - 3 * a - 3 * g - t - n);
    if (t + n > 1.5 + 1e-9 || li < 5 - 1e-9) continue;
    out.push({ family: 'garnet', rule: `LLZO: Al ${a}, Ga ${g} on Li; Ta ${t}, Nb ${n} on Zr`, states, sites: [
      { host: 'Li', occupants: [['Li', li], ['Al', a], ['Ga', g]] }, { host: 'La', occupants: [['La', 3]] },
      { host: 'Zr', occupants: [['Zr', r6(2 - t - n)], ['Ta', t], ['Nb', n]] }, { host: 'O', occupants: [['O', 12]] }] });
  }
  return out;
}

function argyroditeDrafts(): Draft[] {
  const out: Draft[] = [];
  const states = STATES({ Li: 1, P: 5, Ge: 4, Si: 4, Sn: 4, S: -2, Se: -2, Cl: -1, Br: -1, I: -1 });
  const dopings: Array<[string, number]> = [['Ge', 0]];
  for (const m of ['Ge', 'Si', 'Sn']) for (const y of steps(0.1, 0.8, 0.1)) dopings.push([m, y]);
  for (const x of steps(0, 0.7, 0.1)) for (const hal of simplex(['Cl', 'Br', 'I'], 4)) for (const [m, y] of dopings) for (const s of [0, 0.25, 0.5]) {
    const chal = 5 - x;
    out.push({ family: 'argyrodite', rule: `Li6PS5Cl: x=${x} excess halide, ${hal.map(([e, f]) => `${e} ${f}`).join('/')}, ${m} ${y} on P, Se ${s} of S`, states, sites: [
      { host: 'Li', occupants: [['Li', r6(6 - x + y)]] }, { host: 'P', occupants: [['P', r6(1 - y)], [m, y]] },
      { host: 'S', occupants: [['S', r6(chal * (1 - s))], ['Se', r6(chal * s)], ...hal.map(([e, f]): [string, number] => [e, r6(x * f)])] },
      { host: 'Cl', occupants: hal }] });
  }
  return out;
}

function lgpsDrafts(): Draft[] {
  const out: Draft[] = [];
  const states = STATES({ Li: 1, Ge: 4, Si: 4, Sn: 4, P: 5, S: -2, Se: -2, Cl: -1 });
  for (const mix of simplex(['Ge', 'Si', 'Sn'], 10)) for (const d of steps(-0.2, 0.5, 0.1)) for (const s of [0, 0.1, 0.2]) for (const z of [0, 0.2]) {
    const onGe = d >= 0 ? mix.map(([e, f]): [string, number] => [e, f]) : [...mix.map(([e, f]): [string, number] => [e, r6(f * (1 + d))]), ['P', r6(-d)] as [string, number]];
    const onP: Array<[string, number]> = d >= 0 ? [['P', r6(2 - d)], ...mix.map(([e, f]): [string, number] => [e, r6(f * d)])] : [['P', 2]];
    out.push({ family: 'LGPS', rule: `Li10GeP2S12: ${mix.map(([e, f]) => `${e} ${f}`).join('/')}, d=${d}, Se ${s} of S, Cl ${z}`, states, sites: [
      { host: 'Li', occupants: [['Li', r6(10 + d - z)]] }, { host: 'Ge', occupants: onGe }, { host: 'P', occupants: onP },
      { host: 'S', occupants: [['S', r6((12 - z) * (1 - s))], ['Se', r6((12 - z) * s)], ['Cl', z]] }] });
  }
  return out;
}

/** Isovalent single-element substitutions on one parent row (empty when it cannot be balanced). */
export function isovalentDrafts(row: Pick<ObelixRow, 'trueComposition' | 'z'>): Draft[] {
  const cell = parseComposition(row.trueComposition);
  const perFu = new Map([...cell].map(([e, n]): [string, number] => [e, r6(n / row.z)]));
  const states = assignOxidationStates(perFu);
  if (states === null) return [];
  const out: Draft[] = [];
  for (const host of perFu.keys()) {
    if (host === 'Li' || host === 'H') continue;
    for (const guest of isovalentSubstitutes(host, states.get(host)!)) {
      if (!ELEMENTS.has(guest) || perFu.has(guest)) continue;
      for (const f of [0.25, 0.5, 0.75, 1]) {
        const sites: SiteFill[] = [...perFu].map(([e, m]) => ({ host: e, occupants: e === host ? [[e, r6(m * (1 - f))], [guest, r6(m * f)]] : [[e, m]] }));
        out.push({ family: 'isovalent', rule: `${guest}${states.get(host)! > 0 ? '+' : ''}${states.get(host)} for ${f * 100}% of ${host}`,
          states: new Map([...states, [guest, states.get(host)!]]), sites });
      }
    }
  }
  return out;
}

/**
 * First training row with a CIF whose reduced composition is `reduced` (exact text) and whose
 * space group is `sg`.
 * @throws InputError `E_PARENT` when the training split has no such row.
 */
export function findParent(rows: readonly ObelixRow[], reduced: string, sg: number): ObelixRow {
  const r = rows.find((x) => x.hasCif && x.reducedComposition.trim() === reduced && x.spaceGroupNumber === sg);
  if (r === undefined) throw new InputError('E_PARENT', `no training row with a CIF for ${reduced} (space group ${sg})`);
  return r;
}

/**
 * Enumerate all candidates from the training rows (see the module comment for the rules).
 * IDs are `c00001`, ... in enumeration order (framework rules first).
 * @throws InputError `E_PARENT` when a framework parent is missing from `rows`;
 *   `E_CHARGE` if a generated candidate were not charge balanced (a bug guard).
 */
export function enumerateCandidates(rows: readonly ObelixRow[]): Candidate[] {
  const known = new Set<string>();
  for (const r of rows) {
    try { known.add(compositionKey(parseComposition(r.trueComposition))); } catch { /* unparsable rows cannot collide */ }
  }
  const groups: Array<[ObelixRow, Draft[]]> = [
    [findParent(rows, 'Li7La3Zr2O12', 230), garnetDrafts()],
    [findParent(rows, 'Li6PS5Cl', 216), argyroditeDrafts()],
    [findParent(rows, 'Li10GeP2S12', 137), lgpsDrafts()],
  ];
  for (const r of rows) if (r.hasCif) groups.push([r, isovalentDrafts(r)]);
  const out: Candidate[] = [];
  for (const [parent, drafts] of groups) {
    for (const d of drafts) {
      const amounts = amountsOf(d.sites);
      const key = compositionKey(amounts);
      if (known.has(key)) continue;
      known.add(key);
      if (!isChargeBalanced(amounts, d.states)) throw new InputError('E_CHARGE', `candidate ${formatFormula(amounts)} (${d.rule}) is not charge balanced`);
      out.push({ ...d, id: `c${String(out.length + 1).padStart(5, '0')}`, formula: formatFormula(amounts), amounts, parentId: parent.id, parentFamily: parent.family });
    }
  }
  return out;
}
