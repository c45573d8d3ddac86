/** `dendra cmd <site>/<device> <op>` (definition; the work is in ../actions/cmd.ts). */
import type { Command } from 'commander';
import { COMMAND_OPS } from '@dendra/ops/mqtt/vocab.ts';
import type { CmdIo, CmdOpts } from '../actions/cmd.ts';
import { CA_OPTION } from '../caopt.ts';
import { lazyAction } from '../lazy.ts';
import { brokerOption, profileOption } from '../options.ts';

export type { CmdIo } from '../actions/cmd.ts';

/** Registers `dendra cmd`; `io` (for tests) defaults to stdout. See cmdAction for the exit codes. */
export function registerCmd(program: Command, io?: CmdIo): void {
  program
    .command('cmd')
    .description(`send a command to a device over MQTT and wait for its reply (${COMMAND_OPS.join(', ')}; cmd and reply QoS 1)`)
    .argument('<device>', 'the device as <site>/<device>')
    .argument('<op>', `operation: ${COMMAND_OPS.join(' | ')}`)
    .addOption(brokerOption())
    .option('--limit <degC>', 'set-limit: site top-oil limit for overload.warning, within the grid model\'s forecast range (the device checks it; --model checks it here first)')
    .option('--model <tflite>', 'set-limit: the grid model the device runs: refuse a --limit outside its forecast range before sending')
    .option('--hysteresis <degC>', 'set-limit: the warning clears below limit - hysteresis (0..20)')
    .option('--timeout <s>', 'seconds to wait for the reply', '10')
    .option('--connect-timeout <s>', 'seconds to wait for the broker', '5')
    .addOption(profileOption('--username <name>', 'operator account on a secured broker (password from $DENDRA_MQTT_PASSWORD)', 'username'))
    .addOption(profileOption(...CA_OPTION, 'ca'))
    .option('--json', 'print the reply as one JSON object (with round_trip_ms)')
    .action(lazyAction(() => import('../actions/cmd.ts'), (m) => (target: string, op: string, opts: CmdOpts) => m.cmdAction(target, op, opts, io)));
}
