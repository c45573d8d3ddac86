/**
 * The `dendra` program: every command's definition (light: names, descriptions, options), with
 * the work of each command imported only when it runs (lazy.ts). Commander's own errors (unknown
 * command or option, missing option or argument) are thrown, not printed, so main.ts reports them
 * as every other usage error: one `dendra:` line (or one JSON line under --json), exit 2.
 */
import { Command } from 'commander';
import { registerTrain } from './commands/train.ts';
import { registerQuantize } from './commands/quantize.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerBoards } from './commands/boards.ts';
import { registerSim } from './commands/sim.ts';
import { registerFlash } from './commands/flash.ts';
import { registerFlashFw } from './commands/flashfw.ts';
import { registerAlerts } from './commands/alerts.ts';
import { registerBroker } from './commands/broker.ts';
import { registerDemo } from './commands/demo.ts';
import { registerImage } from './commands/image.ts';
import { registerPack } from './commands/pack.ts';
import { registerPackFrames } from './commands/packframes.ts';
import { registerEval } from './commands/eval.ts';
import { registerInfo } from './commands/info.ts';
import { registerDashboard } from './commands/dashboard.ts';
import { registerPackModel } from './commands/packmodel.ts';
import { registerCmd } from './commands/cmd.ts';
import { registerPorts } from './commands/ports.ts';
import { profileOptions, profileSelectOption } from './options.ts';

/** The CLI's version (`dendra --version`). */
export const VERSION = '0.1.0';

const MATERIALS_SUMMARY = 'OBELiX ionic-conductivity baselines (cross-validated on the training split)';

/**
 * Builds the program for `argv` (the arguments after `node dendra.js`). The `materials` commands
 * come from @dendra/materials, whose definitions are not light: they load only when `argv` names
 * `materials`; otherwise a placeholder lists the group in `dendra --help`.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name('dendra')
    .description('Train, quantize, flash and watch Dendra boards (int8 graph networks at the substation edge).')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ outputError: () => {} }) // main.ts prints the one line
    // Program options (--version) only before the subcommand, as git does: `dendra sign --version 1.2.3`
    // is the image version, not the CLI's.
    .enablePositionalOptions()
    .addOption(profileSelectOption());
  program.hook('preAction', async (_program, cmd) => {
    const { applyProfile } = await import('./config.ts'); // ajv: only when a command runs
    applyProfile(program, cmd);
  });

  registerTrain(program);
  registerQuantize(program);
  registerInspect(program);
  registerBoards(program);
  registerSim(program);
  registerFlash(program);
  registerFlashFw(program); // dendra confirm / dendra rollback (A/B firmware slots)
  registerInfo(program);
  registerPorts(program);
  registerAlerts(program);
  registerBroker(program);
  registerDemo(program);
  registerImage(program);
  registerPack(program);
  registerPackFrames(program); // adds `pack frames`
  registerEval(program);
  registerDashboard(program);
  registerPackModel(program); // adds `train pack` and `eval pack` to the commands above
  if (argv.includes('materials')) {
    const { registerMaterials } = await import('@dendra/materials');
    registerMaterials(program);
  } else {
    program.command('materials').description(MATERIALS_SUMMARY).usage('<command> [options]');
  }
  registerCmd(program);
  // Every command a profile can fill also takes --profile after its name (`dendra flash --profile lab`).
  for (const cmd of program.commands) {
    if (profileOptions(cmd).length > 0) cmd.addOption(profileSelectOption());
  }
  return program;
}

/** The command path `argv` selects (`dendra flash ...` -> `dendra flash`), for usage hints. */
export function commandPath(program: Command, argv: readonly string[]): string {
  const names = ['dendra'];
  let cmd = program;
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  return names.join(' ');
}
