/**
 * `dendra pack simulate`: seeded solid-state pack simulation with dendrite labels (JSON or CSV).
 * `--material FILE --material-id ID` takes one row of a `dendra materials predict --json` output
 * (validated against pack-material.schema.json) and overrides the preset's conduction parameters:
 * sigmaRef = 10^log10Sigma at 298.15 K and eaEv = activationEnergyEv (the preset's Ea, with a
 * warning, when that is null).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { printJson } from '@dendra/core/run.ts';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { ELECTROLYTE_IDS, electrolyte } from '@dendra/models/physics/electrolytes.ts';
import { T_298 } from '@dendra/models/physics/constants.ts';
import type { ElectrolyteId } from '@dendra/models/physics/electrolytes.ts';
import { DUTIES } from '@dendra/models/pack/profiles.ts';
import type { Duty } from '@dendra/models/pack/profiles.ts';
import { OVERRIDE_BOUNDS, simulatePack } from '@dendra/models/pack/simulator.ts';
import type { ElectrolyteOverride, PackConfig, PackResult } from '@dendra/models/pack/simulator.ts';
import { packToCsv } from '@dendra/models/pack/csv.ts';

/** Options of `dendra pack simulate`. */
export interface SimulateOpts {
  cells: string;
  electrolyte: string;
  duty: string;
  cycles: string;
  seed: string;
  current: string;
  interface?: string;
  ambient?: string;
  material?: string;
  materialId?: string;
  out?: string;
  json?: boolean;
}

const SCHEMA = JSON.parse(readFileSync(new URL('./pack-material.schema.json', import.meta.url), 'utf8')) as object;

/** One row of `materials predict --json`, as the pack model reads it. */
interface MaterialRow { id: string; log10Sigma: number; activationEnergyEv: number | null; activationEnergySource?: string | null }

/**
 * The conduction override for row `id` of a `materials predict --json` file, on top of preset
 * `presetEa` (used, with `warn`, when the row's Ea is null).
 * @throws InputError `E_MATERIAL` (one line) for an unreadable or invalid file, a missing ID, or a
 *   conductivity / Ea outside the simulator's bounds.
 */
export function materialOverride(file: string, id: string, presetEa: number, warn: (m: string) => void): ElectrolyteOverride {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError('E_MATERIAL', `--material ${file}: cannot read JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, file);
  }
  const validate = new Ajv({ allErrors: false }).compile<MaterialRow[]>(SCHEMA);
  if (!validate(data)) {
    const err = validate.errors?.[0];
    throw new InputError('E_MATERIAL', `--material ${file}: not a 'materials predict --json' output (${err?.instancePath || '/'} ${err?.message ?? 'invalid'})`, file);
  }
  const row = data.find((r) => r.id === id);
  if (row === undefined) throw new InputError('E_MATERIAL', `--material ${file}: no row with ID '${id}' (${data.length} rows)`, file);
  const b = OVERRIDE_BOUNDS;
  const sigma = 10 ** row.log10Sigma;
  if (!(sigma >= b.sigmaMin && sigma <= b.sigmaMax)) throw new InputError('E_MATERIAL', `--material ${file}: ID '${id}': conductivity 10^${row.log10Sigma} S/cm is outside ${b.sigmaMin}..${b.sigmaMax} S/cm`, file);
  const ea = row.activationEnergyEv;
  if (ea !== null && !(ea >= b.eaMin && ea <= b.eaMax)) throw new InputError('E_MATERIAL', `--material ${file}: ID '${id}': activation energy ${ea} eV is outside ${b.eaMin}..${b.eaMax} eV`, file);
  if (ea === null) warn(`material '${id}' has no activation energy; keeping the preset's ${presetEa} eV`);
  return { sigmaRef: sigma, sigmaRefK: T_298, eaEv: ea ?? presetEa, material: { id, file, eaSource: ea === null ? 'preset' : (row.activationEnergySource ?? 'column') } };
}

/** Parses `SxP` (e.g. 4x4) or throws UsageError. */
function parseCells(v: string): { series: number; parallel: number } {
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  const series = m ? Number(m[1]) : NaN;
  const parallel = m ? Number(m[2]) : NaN;
  if (!(series >= 1 && series <= 1024 && parallel >= 1 && parallel <= 1024)) {
    throw new UsageError(`option --cells must be SERIESxPARALLEL with each 1..1024 (e.g. 4x4), got '${v}'`);
  }
  return { series, parallel };
}

/** Parses a number option in [min, max] (integer if asked) or throws UsageError. */
function num(name: string, v: string, min: number, max: number, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`option ${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got '${v}'`);
  }
  return n;
}

/** The --electrolyte preset id, or UsageError. */
function presetId(o: SimulateOpts): ElectrolyteId {
  const id = o.electrolyte.toLowerCase();
  if (!ELECTROLYTE_IDS.includes(id as ElectrolyteId)) throw new UsageError(`option --electrolyte must be one of ${ELECTROLYTE_IDS.join(', ')}, got '${o.electrolyte}'`);
  return id as ElectrolyteId;
}

/** Turns the command-line options into a simulator config; every bad value is a UsageError (a bad --material file an InputError). */
export function packConfigFromOptions(o: SimulateOpts): Partial<PackConfig> {
  const id = presetId(o);
  if (!DUTIES.includes(o.duty as Duty)) throw new UsageError(`option --duty must be one of ${DUTIES.join(', ')}, got '${o.duty}'`);
  const iface = o.interface ?? 'auto';
  if (!['auto', 'stable', 'unstable'].includes(iface)) throw new UsageError(`option --interface must be auto, stable or unstable, got '${iface}'`);
  if ((o.material === undefined) !== (o.materialId === undefined)) throw new UsageError('options --material and --material-id must be given together');
  const override = o.material !== undefined && o.materialId !== undefined
    ? materialOverride(o.material, o.materialId, electrolyte(id).eaEv, (m) => process.stderr.write(`dendra: warning: ${m}\n`)) : undefined;
  return {
    ...(override === undefined ? {} : { electrolyteOverride: override }),
    ...(o.ambient === undefined ? {} : { ambient: { meanC: num('--ambient', o.ambient, -60, 120, false) } }),
    ...parseCells(o.cells),
    electrolyte: id,
    duty: o.duty as Duty,
    cycles: num('--cycles', o.cycles, 1, 100000, true),
    seed: num('--seed', o.seed, 0, 2 ** 32 - 1, true),
    currentDensity: num('--current', o.current, 0, 20, false),
    ...(iface === 'auto' ? {} : { instability: iface === 'stable' ? 0 : 1 }),
  };
}

/** One-line summary per cell for the terminal. */
function printSummary(r: PackResult): void {
  const c = r.config;
  console.log(`${r.electrolyteName}, ${c.series}x${c.parallel} cells, ${c.duty} at ${c.currentDensity} mA/cm^2, seed ${c.seed}`);
  const k = r.conduction;
  console.log(`  sigma ${k.sigmaRef.toExponential(2)} S/cm at ${k.sigmaRefK} K, Ea ${k.eaEv.toFixed(3)} eV` +
    (k.material ? ` (material ${k.material.id}, Ea from ${k.material.eaSource})` : ' (preset)'));
  console.log(`  interface instability ${c.instability.toFixed(2)}, CCD ${r.ccdNominal.toFixed(2)} mA/cm^2 at ${c.ambient.meanC} C, ${c.stackPressureMPa} MPa`);
  for (const cell of r.cells) {
    const n = cell.series.rInt.length;
    const init = cell.initiationCycle ?? '-';
    const short = cell.shortCycle ?? '-';
    console.log(`  cell ${String(cell.id).padStart(3)} (r${cell.row} c${cell.col}): initiation ${init}, short ${short}, R_int ${cell.series.rInt[n - 1] ?? '-'} ohm cm^2`);
  }
}

/** `dendra pack simulate`: simulates and prints or writes the result. @throws UsageError / InputError (one line). */
export async function simulateAction(opts: SimulateOpts): Promise<void> {
  const result = simulatePack(packConfigFromOptions(opts));
  if (opts.out) {
    const text = opts.out.toLowerCase().endsWith('.csv') ? packToCsv(result) : JSON.stringify(result) + '\n';
    try {
      writeFileSync(opts.out, text);
    } catch (err) {
      throw new UsageError(`cannot write ${opts.out}: ${(err as Error).message}`);
    }
  }
  if (opts.json) return printJson(result);
  printSummary(result);
  if (opts.out) console.log(`wrote ${opts.out}`);
}
