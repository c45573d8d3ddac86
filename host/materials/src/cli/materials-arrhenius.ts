/**
 * Arrhenius physics on the CLI: `dendra materials arrhenius <series.csv>` fits Ea and A per
 * material from a temperature series, and {@link readEaColumn} / {@link arrheniusFields} give
 * `dendra materials predict` its activation-energy outputs ({@link activationEnergies}: the CSV's
 * Ea column, else the softBV barrier of the row's CIF).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, printJson } from '@dendra/core/run.ts';
import { InputError } from '@dendra/core/errors.ts';
import { fitArrhenius, fromPoint, ROOM_T, sigmaAt, type SeriesPoint } from '../materials/arrhenius.ts';
import { parseCsv } from '../materials/obelix.ts';
import { cachedBvseEv } from '../materials/bvse-ev.ts';

/** Header names recognised as an activation-energy column (eV). */
const EA_HEADER = /^(ea|activation energy)\b.*\(?ev\)?/i;

function readTable(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('E_READ', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`, path);
  }
  return parseCsv(text, path).filter((r) => !(r.length === 1 && r[0] === ''));
}

/**
 * Activation energies by row ID from an `Ea (eV)` / `Activation energy (eV)` column of a CSV in
 * the OBELiX layout; empty when the CSV has no such column.
 * @throws InputError `E_CSV` naming the line for a value that is not a number in (0, 5) eV.
 */
export function readEaColumn(path: string): Map<string, number> {
  const t = readTable(path);
  const col = t[0]?.findIndex((h) => EA_HEADER.test(h.trim())) ?? -1;
  const id = t[0]?.indexOf('ID') ?? -1;
  const out = new Map<string, number>();
  if (col < 0 || id < 0) return out;
  t.slice(1).forEach((r, i) => {
    const raw = (r[col] ?? '').trim();
    if (raw === '') return;
    const v = Number(raw);
    if (!(v > 0 && v < 5)) throw new InputError('E_CSV', `${path} line ${i + 2}: column '${t[0][col]}' value '${raw}' is not an activation energy in (0, 5) eV`, path);
    out.set(r[id], v);
  });
  return out;
}

/** Where a row's activation energy comes from: the CSV's Ea column, the structural softBV estimate, or nowhere. */
export type EaSource = 'column' | 'bvse' | null;

/** Arrhenius outputs of one prediction. */
export interface ArrheniusFields {
  activationEnergyEv: number | null;
  activationEnergySource: EaSource;
  temperatureK: number;
  log10SigmaAtT: number | null;
  arrheniusA: number | null;
  /** `ea-out-of-range` when Ea lies outside {@link EA_PLAUSIBLE_EV} (Ea then not used for σ(T)), else null. */
  flag: 'ea-out-of-range' | null;
}

/**
 * Plausible activation energies of Li-ion conduction in a solid, eV. The room-temperature Li
 * conductors surveyed by Bachman et al., "Inorganic Solid-State Electrolytes for Lithium
 * Batteries: Mechanisms and Properties Governing Ion Conduction", Chem. Rev. 116 (2016) 140-162
 * (doi:10.1021/acs.chemrev.5b00563), have barriers of tenths of an eV; these bounds are a wide
 * margin around that chosen by Dendra (not a published limit). The softBV estimate exceeds 2 eV
 * on some niobates (issue 16: over 6 eV), which this flags instead of extrapolating with it.
 */
export const EA_PLAUSIBLE_EV = { min: 0.05, max: 2.0 } as const;

/**
 * Arrhenius outputs of one prediction: σ at `tK` from the room-temperature σ and a known Ea
 * (`source` says where Ea came from; ignored when `ea` is undefined). An Ea outside
 * {@link EA_PLAUSIBLE_EV} is reported as given with `flag: 'ea-out-of-range'` and not used:
 * σ(T) is then null (except at room temperature), as is the prefactor. A null `log10Sigma` (a row
 * with no prediction) gives nulls. Never throws.
 */
export function arrheniusFields(log10Sigma: number | null, ea: number | undefined, tK: number, source: Exclude<EaSource, null> = 'column'): ArrheniusFields {
  const atRoom = log10Sigma !== null && tK === ROOM_T ? log10Sigma : null;
  if (ea === undefined) return { activationEnergyEv: null, activationEnergySource: null, temperatureK: tK, log10SigmaAtT: atRoom, arrheniusA: null, flag: null };
  if (!(ea >= EA_PLAUSIBLE_EV.min && ea <= EA_PLAUSIBLE_EV.max)) {
    return { activationEnergyEv: ea, activationEnergySource: source, temperatureK: tK, log10SigmaAtT: atRoom, arrheniusA: null, flag: 'ea-out-of-range' };
  }
  if (log10Sigma === null) return { activationEnergyEv: ea, activationEnergySource: source, temperatureK: tK, log10SigmaAtT: null, arrheniusA: null, flag: null };
  const p = fromPoint(10 ** log10Sigma, ROOM_T, ea);
  return { activationEnergyEv: ea, activationEnergySource: source, temperatureK: tK, log10SigmaAtT: Math.log10(sigmaAt(p, tK)), arrheniusA: p.a, flag: null };
}

/**
 * Activation energy of each row ID: the `Ea (eV)` column where it has a value, otherwise the 3D
 * softBV barrier (bvse-ev.ts) of `<cifDir>/<ID>.cif` when that file exists and gives a finite
 * barrier. Rows with neither are absent. A CIF that cannot be read or expanded is reported through
 * `warn` and skipped. `onProgress(done, total)` follows the structures to estimate.
 * @throws InputError `E_CSV` as {@link readEaColumn}.
 */
export function activationEnergies(csv: string, ids: readonly string[], cifDir: string | undefined, warn: (id: string, msg: string) => void,
  onProgress: (done: number, total: number) => void = () => {}): Map<string, { ev: number; source: 'column' | 'bvse' }> {
  const out = new Map<string, { ev: number; source: 'column' | 'bvse' }>();
  for (const [id, ev] of readEaColumn(csv)) out.set(id, { ev, source: 'column' });
  if (cifDir === undefined) return out;
  const todo = ids.filter((id) => !out.has(id) && existsSync(join(cifDir, `${id}.cif`)));
  for (const [k, id] of todo.entries()) {
    onProgress(k, todo.length);
    const path = join(cifDir, `${id}.cif`);
    try {
      const b = cachedBvseEv(readFileSync(path, 'utf8'), path);
      if (b !== null && Number.isFinite(b.barrier3d) && b.barrier3d > 0) out.set(id, { ev: b.barrier3d, source: 'bvse' });
    } catch (e) {
      warn(id, e instanceof Error ? e.message : String(e));
    }
  }
  onProgress(todo.length, todo.length);
  return out;
}

/** Registers `materials arrhenius` under the `materials` command. Errors are one-line DendraErrors. */
export function registerMaterialsArrhenius(m: Command): void {
  m.command('arrhenius <series>')
    .description('fit sigma(T) = (A/T) exp(-Ea/kT) per ID to a CSV with columns ID, T (K), sigma (S/cm); prints Ea, A, sigma at 298.15 K')
    .option('--json', 'print the fits as JSON')
    .action(action((series: string, opts: { json?: boolean }) => {
      const t = readTable(series);
      const h = (t[0] ?? []).map((x) => x.trim());
      const [iId, iT, iS] = ['ID', 'T', 'sigma'].map((n) => h.findIndex((x) => x === n || x.startsWith(`${n} `)));
      if (iId < 0 || iT < 0 || iS < 0) throw new InputError('E_CSV', `${series} line 1: needs columns ID, T and sigma (got ${h.join(', ')})`, series);
      const byId = new Map<string, SeriesPoint[]>();
      t.slice(1).forEach((r, i) => {
        const p = { t: Number(r[iT]), sigma: Number(r[iS]) };
        if (!(p.t > 0) || !(p.sigma > 0)) throw new InputError('E_CSV', `${series} line ${i + 2}: T and sigma must be positive numbers`, series);
        byId.set(r[iId], [...(byId.get(r[iId]) ?? []), p]);
      });
      const fits = [...byId].map(([id, pts]) => {
        try {
          const f = fitArrhenius(pts);
          return { id, ...f, log10Sigma298: Math.log10(sigmaAt(f, ROOM_T)) };
        } catch (e) {
          throw new InputError('E_CSV', `${series}: ID ${id}: ${e instanceof Error ? e.message : String(e)}`, series);
        }
      });
      if (opts.json) return printJson(fits);
      console.log('ID        Ea (eV)   A (S K/cm)   R2      n   log10 sigma(298.15 K)');
      for (const f of fits) console.log(`${f.id.padEnd(10)}${f.eaEv.toFixed(3).padStart(7)}   ${f.a.toExponential(3).padStart(10)}   ${f.r2.toFixed(4)}  ${String(f.n).padStart(2)}   ${f.log10Sigma298.toFixed(2)}`);
    }));
}
