/**
 * The `dendra` CLI: commander wiring only; each command lives in ./commands/.
 * Every command has --help; scripts get --json; user errors print one line and exit non-zero.
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
import { registerMaterials } from '@dendra/materials';
import { registerCmd } from './commands/cmd.ts';
import { reportError } from '@dendra/core/run.ts';

// `dendra ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command();
program
  .name('dendra')
  .description('Train, quantize, flash and watch Dendra boards (int8 graph networks at the substation edge).')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  // Program options (--version) only before the subcommand, as git does: `dendra sign --version 1.2.3`
  // is the image version, not the CLI's.
  .enablePositionalOptions();

registerTrain(program);
registerQuantize(program);
registerInspect(program);
registerBoards(program);
registerSim(program);
registerFlash(program);
registerFlashFw(program); // dendra confirm / dendra rollback (A/B firmware slots)
registerAlerts(program);
registerBroker(program);
registerDemo(program);
registerImage(program);
registerPack(program);
registerPackFrames(program); // adds `pack frames`
registerEval(program);
registerInfo(program);
registerDashboard(program);
registerPackModel(program); // adds `train pack` and `eval pack` to the commands above
registerMaterials(program);
registerCmd(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    // commander already printed help or the usage error.
    if (e.code !== 'commander.helpDisplayed' && e.code !== 'commander.version') process.exitCode = e.exitCode || 2;
  } else {
    reportError(err);
  }
}
