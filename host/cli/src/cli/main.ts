/**
 * The `dendra` CLI entry point (bin/dendra.js runs its compiled build, build/cli/main.js). Every
 * command has --help; scripts get --json; every error is one line on stderr (`dendra: message`, or
 * under --json `{"error":{"code","message"}}`) with a non-zero exit: 2 for usage, including
 * commander's own (unknown command or option, missing option or argument).
 */
import { CommanderError } from 'commander';
import { UsageError } from '@dendra/core/errors.ts';
import { reportError, setJsonErrors } from '@dendra/core/run.ts';
import { buildProgram, commandPath } from './program.ts';

// `dendra ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
setJsonErrors((dashdash < 0 ? argv : argv.slice(0, dashdash)).includes('--json'));

const program = await buildProgram(argv);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exitCode = 0;
    // `dendra help flash`: help asked for (exit 0); bare `dendra` or `dendra keys`: a command is missing,
    // the help went to stderr (a usage error, exit 2)
    else if (err.code === 'commander.help') process.exitCode = err.exitCode === 0 ? 0 : 2;
    else reportError(new UsageError(`${err.message.replace(/^error: /, '').trim()} (${commandPath(program, argv)} --help)`));
  } else {
    reportError(err);
  }
}
