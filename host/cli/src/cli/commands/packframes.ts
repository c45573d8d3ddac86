/**
 * `dendra pack frames`: writes the pack frames a simulated board replays on DMA channel 1 (the same
 * seeded pack as `dendra sim --pack-seed/--electrolyte/--pack-duty/--pack-ccd`) as the native
 * runtime's replay file (`dendra-runtime --pack-frames FILE`): one frame per line, each f32 value
 * as the shortest decimal that reads back as the same f32 (@dendra/models pack/frames.ts).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, intOpt, printJson } from '@dendra/core/run.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { ELECTROLYTE_IDS, type ElectrolyteId } from '@dendra/models/physics/electrolytes.ts';
import { DUTIES, type Duty } from '@dendra/models/pack/profiles.ts';
import { REPLAY_DEFAULTS, replayPack } from '@dendra/models/pack/replay.ts';
import { packFramesCsv } from '@dendra/models/pack/frames.ts';

interface FramesOpts { seed: string; electrolyte: string; duty: string; ccd: string; cells: string; cycles: string; out?: string; json?: boolean }

/** The replay options from the command line; every bad value is a UsageError naming its option. */
function replayOptions(o: FramesOpts) {
  if (!ELECTROLYTE_IDS.includes(o.electrolyte as ElectrolyteId)) throw new UsageError(`option --electrolyte must be one of ${ELECTROLYTE_IDS.join(', ')}, got '${o.electrolyte}'`);
  if (!DUTIES.includes(o.duty as Duty)) throw new UsageError(`option --duty must be one of ${DUTIES.join(', ')}, got '${o.duty}'`);
  const ccd = Number(o.ccd);
  if (o.ccd.trim() === '' || !(ccd > 0 && ccd <= 3)) throw new UsageError(`option --ccd must be a number in (0, 3], got '${o.ccd}'`);
  // The board's pack channel carries one 4s4p pack (16 cells x 54 features per frame).
  if (!/^4x4$/i.test(o.cells.trim())) throw new UsageError(`option --cells must be 4x4 (the board's pack frame holds a 4s4p pack), got '${o.cells}'`);
  const seed = intOpt('--seed', o.seed, 1);
  if (seed > 0xffffffff) throw new UsageError(`option --seed must be an integer in 0..4294967295, got '${o.seed}'`);
  const cycles = intOpt('--cycles', o.cycles, REPLAY_DEFAULTS.cycles);
  return { seed, electrolyte: o.electrolyte as ElectrolyteId, duty: o.duty as Duty, ccdFraction: ccd, cycles };
}

/** Registers `dendra pack frames` under the `pack` command (created when absent). */
export function registerPackFrames(program: Command): void {
  const pack = program.commands.find((c) => c.name() === 'pack') ?? program.command('pack');
  pack
    .command('frames')
    .description("write the pack frames `dendra sim` replays on DMA channel 1 as the native runtime's --pack-frames file")
    .option('--seed <n>', 'seed of the simulated pack (dendra sim --pack-seed)', String(REPLAY_DEFAULTS.seed))
    .option('--electrolyte <id>', `electrolyte (${ELECTROLYTE_IDS.join(', ')}; dendra sim --electrolyte)`, REPLAY_DEFAULTS.electrolyte)
    .option('--duty <name>', `grid duty (${DUTIES.join(', ')}; dendra sim --pack-duty)`, REPLAY_DEFAULTS.duty)
    .option('--ccd <fraction>', 'current density as a fraction of the critical current density (dendra sim --pack-ccd)', String(REPLAY_DEFAULTS.ccdFraction))
    .option('--cells <SxP>', 'pack layout; the board frame holds 4x4', '4x4')
    .option('--cycles <n>', 'simulated cycles (frames = cycles - window + 1)', String(REPLAY_DEFAULTS.cycles))
    .option('--out <file>', 'write the frames to FILE (default: stdout)')
    .option('--json', 'with --out: print {out, frames, values, bytes, sha256} as JSON')
    .action(action(async (opts: FramesOpts) => {
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
    }));
}
