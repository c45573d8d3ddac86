/**
 * `dendra pack frames`: writes the pack frames a simulated board replays on DMA channel 1 (the same
 * seeded pack as `dendra sim --pack-seed/--electrolyte/--pack-duty/--pack-ccd`) as the native
 * runtime's replay file (`dendra-runtime --pack-frames FILE`): one frame per line, each f32 value
 * as the shortest decimal that reads back as the same f32 (@dendra/models pack/frames.ts).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { intOpt, printJson } from '@dendra/core/run.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { ELECTROLYTE_IDS, type ElectrolyteId } from '@dendra/models/physics/electrolytes.ts';
import { DUTIES, type Duty } from '@dendra/models/pack/profiles.ts';
import { REPLAY_DEFAULTS, replayPack } from '@dendra/models/pack/replay.ts';
import { packFramesCsv } from '@dendra/models/pack/frames.ts';

/** Options of `dendra pack frames` (absent: the replay defaults `dendra sim` uses). */
export interface FramesOpts { seed?: string; electrolyte?: string; duty?: string; ccd?: string; cells?: string; cycles?: string; out?: string; json?: boolean }

/** The replay options from the command line; every bad value is a UsageError naming its option. */
function replayOptions(o: FramesOpts) {
  const d = REPLAY_DEFAULTS;
  const electrolyte = o.electrolyte ?? d.electrolyte;
  const duty = o.duty ?? d.duty;
  if (!ELECTROLYTE_IDS.includes(electrolyte as ElectrolyteId)) throw new UsageError(`option --electrolyte must be one of ${ELECTROLYTE_IDS.join(', ')}, got '${electrolyte}'`);
  if (!DUTIES.includes(duty as Duty)) throw new UsageError(`option --duty must be one of ${DUTIES.join(', ')}, got '${duty}'`);
  const ccd = o.ccd === undefined ? d.ccdFraction : Number(o.ccd);
  if (o.ccd?.trim() === '' || !(ccd > 0 && ccd <= 3)) throw new UsageError(`option --ccd must be a number in (0, 3], got '${o.ccd}'`);
  // The board's pack channel carries one 4s4p pack (16 cells x 54 features per frame).
  const cells = o.cells ?? '4x4';
  if (!/^4x4$/i.test(cells.trim())) throw new UsageError(`option --cells must be 4x4 (the board's pack frame holds a 4s4p pack), got '${cells}'`);
  const seed = intOpt('--seed', o.seed, d.seed);
  if (seed > 0xffffffff) throw new UsageError(`option --seed must be an integer in 0..4294967295, got '${o.seed}'`);
  const cycles = intOpt('--cycles', o.cycles, d.cycles);
  return { seed, electrolyte: electrolyte as ElectrolyteId, duty: duty as Duty, ccdFraction: ccd, cycles };
}

/**
 * Writes the frames to `--out` (or stdout); with `--json` prints {out, frames, values, bytes, sha256}.
 * @throws UsageError for a bad option, `--json` without `--out`, or an unwritable `--out`;
 *   InputError from replayPack (e.g. cycles out of range).
 */
export async function framesAction(opts: FramesOpts): Promise<void> {
  const { frames } = replayPack(replayOptions(opts));
  const text = packFramesCsv(frames);
  if (opts.out === undefined) {
    if (opts.json) throw new UsageError('option --json needs --out FILE (the frames go to stdout otherwise)');
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(opts.out, text);
  } catch (err) {
    throw new UsageError(`cannot write ${opts.out}: ${(err as Error).message}`);
  }
  const summary = { out: opts.out, frames: frames.length, values: frames[0].length, bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') };
  if (opts.json) return printJson(summary);
  console.log(`wrote ${summary.frames} pack frames of ${summary.values} values to ${opts.out}`);
}
