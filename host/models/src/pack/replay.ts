/**
 * The simulated pack a sim board replays on DMA channel 1: one seeded 4s4p pack from the pack
 * simulator, pushed hard enough (a fraction of the preset's critical current density) that some
 * cells initiate dendrites within the replay, turned into the board's per-cell feature frames
 * (dataset.ts packFeatureFrames; frame j = the window ending at cycle WINDOW + j).
 */
import { simulatePack } from './simulator.ts';
import { packFeatureFrames, WINDOW, type PackSpec } from './dataset.ts';
import { DUTIES, type Duty } from './profiles.ts';
import { ELECTROLYTES, ELECTROLYTE_IDS, type ElectrolyteId } from '../physics/electrolytes.ts';
import { criticalCurrentDensity } from '../physics/ccd.ts';
import { InputError } from '@dendra/core/errors.ts';

/** Options of {@link replayPack}. */
export interface ReplayOptions {
  /** Simulator seed (default 1). */
  seed?: number;
  /** Electrolyte preset (default 'llzo'). */
  electrolyte?: ElectrolyteId;
  /** Grid duty (default 'peak-shaving'). */
  duty?: Duty;
  /** Simulated cycles (default 400). */
  cycles?: number;
  /** Nominal current density as a fraction of the preset's CCD at its operating temperature (default 0.5). */
  ccdFraction?: number;
}

/** A replayable pack: its spec, the frames, and each cell's initiation cycle (null: none). */
export interface PackReplay {
  spec: PackSpec;
  frames: Float32Array[];
  initiation: (number | null)[];
  /** Cycle at the end of frame 0's window. */
  firstCycle: number;
}

/** Defaults of {@link replayPack}. */
export const REPLAY_DEFAULTS = { seed: 1, electrolyte: 'llzo' as ElectrolyteId, duty: 'peak-shaving' as Duty, cycles: 400, ccdFraction: 0.5 };

/**
 * Simulates the replay pack (4s4p, deterministic in the options).
 *
 * @throws InputError `E_INPUT` naming the option when the seed is not a u32 integer, the
 *   electrolyte or duty is unknown, cycles is not in WINDOW..5000 or ccdFraction not in (0, 3].
 */
export function replayPack(o: ReplayOptions = {}): PackReplay {
  const c = { ...REPLAY_DEFAULTS, ...o };
  const bad = (msg: string): never => { throw new InputError('E_INPUT', `pack replay: ${msg}`); };
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) bad(`seed must be an integer in 0..4294967295, got ${c.seed}`);
  if (!ELECTROLYTE_IDS.includes(c.electrolyte)) bad(`electrolyte must be one of ${ELECTROLYTE_IDS.join(', ')}, got '${c.electrolyte}'`);
  if (!DUTIES.includes(c.duty)) bad(`duty must be one of ${DUTIES.join(', ')}, got '${c.duty}'`);
  if (!Number.isInteger(c.cycles) || c.cycles < WINDOW || c.cycles > 5000) bad(`cycles must be an integer in ${WINDOW}..5000, got ${c.cycles}`);
  if (!(c.ccdFraction > 0 && c.ccdFraction <= 3)) bad(`ccdFraction must be in (0, 3], got ${c.ccdFraction}`);
  const e = ELECTROLYTES[c.electrolyte];
  const ambientC = e.operatingTempC;
  const currentDensity = c.ccdFraction * criticalCurrentDensity(e, ambientC + 273.15, e.ccdRefPressureMPa);
  const spec: PackSpec = {
    id: 0, split: 'test', series: 4, parallel: 4, electrolyte: c.electrolyte, duty: c.duty, ccdFraction: c.ccdFraction,
    currentDensity, ambientC, seed: c.seed,
  };
  const r = simulatePack({
    series: 4, parallel: 4, electrolyte: c.electrolyte, duty: c.duty, cycles: c.cycles, seed: c.seed, currentDensity, ambient: { meanC: ambientC },
  });
  return { spec, frames: packFeatureFrames(r, spec), initiation: r.cells.map((x) => x.initiationCycle), firstCycle: WINDOW };
}
