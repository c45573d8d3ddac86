/** `dendra cmd <site>/<device> <op>`: send one command to a device and wait for its reply. */
import type { Command } from 'commander';
import { action, intOpt } from '@dendra/core/run.ts';
import { COMMAND_OPS, type CommandOp } from '@dendra/ops/mqtt/schema.ts';
import { UsageError } from '@dendra/core/errors.ts';
import { CA_OPTION, caOption } from '../caopt.ts';

interface CmdOpts {
  broker: string;
  limit?: string;
  hysteresis?: string;
  timeout: string;
  connectTimeout: string;
  username?: string;
  ca?: string;
  json?: boolean;
}

/** Where the command writes (injectable for tests). */
export interface CmdIo {
  out: (line: string) => void;
}

const stdio: CmdIo = { out: (line) => process.stdout.write(line + '\n') };

/** `<site>/<device>` -> parts. @throws {UsageError} when it is not two non-empty parts. */
export function parseTarget(s: string): { site: string; device: string } {
  const parts = s.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`device must be <site>/<device>, got '${s.slice(0, 80)}'`);
  return { site: parts[0], device: parts[1] };
}

/** A finite number option. @throws {UsageError} otherwise. */
function numOpt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`option ${name} must be a number, got '${v.slice(0, 40)}'`);
  return n;
}

/**
 * Registers `dendra cmd`; `io` defaults to stdout. The action prints one line (or, with --json, the
 * reply as one JSON object). Failures are one line on stderr: exit 2 for usage errors and invalid
 * commands (nothing sent), exit 1 when the broker is unreachable or refuses, the device refuses the
 * command (with --json its reply is still printed on stdout), or no reply arrives within --timeout.
 */
export function registerCmd(program: Command, io: CmdIo = stdio): void {
  program
    .command('cmd')
    .description(`send a command to a device over MQTT and wait for its reply (${COMMAND_OPS.join(', ')}; cmd and reply QoS 1)`)
    .argument('<device>', 'the device as <site>/<device>')
    .argument('<op>', `operation: ${COMMAND_OPS.join(' | ')}`)
    .option('--broker <url>', 'MQTT broker URL, or a comma-separated list of cluster nodes to fail over between (default $DENDRA_BROKER or mqtt://127.0.0.1:1883)', process.env.DENDRA_BROKER ?? 'mqtt://127.0.0.1:1883')
    .option('--limit <degC>', 'set-limit: site top-oil limit for overload.warning (20..150)')
    .option('--hysteresis <degC>', 'set-limit: the warning clears below limit - hysteresis (0..20)')
    .option('--timeout <s>', 'seconds to wait for the reply', '10')
    .option('--connect-timeout <s>', 'seconds to wait for the broker', '5')
    .option('--username <name>', 'operator account on a secured broker (password from $DENDRA_MQTT_PASSWORD)')
    .option(...CA_OPTION)
    .option('--json', 'print the reply as one JSON object (with round_trip_ms)')
    .action(action(async (target: string, op: string, opts: CmdOpts) => {
      const { site, device } = parseTarget(target);
      if (!(COMMAND_OPS as readonly string[]).includes(op)) throw new UsageError(`unknown operation '${op.slice(0, 40)}' (one of ${COMMAND_OPS.join(', ')})`);
      const limitC = numOpt('--limit', opts.limit);
      const hysteresisC = numOpt('--hysteresis', opts.hysteresis);
      if (op === 'set-limit' && (limitC === undefined || hysteresisC === undefined)) throw new UsageError('set-limit needs --limit and --hysteresis');
      const { sendCommand, formatReply, CommandError } = await import('@dendra/ops/mqtt/command.ts'); // mqtt.js: only when sending
      try {
        const r = await sendCommand({
          url: opts.broker, site, device, op: op as CommandOp, limitC, hysteresisC,
          timeoutMs: intOpt('--timeout', opts.timeout, 10, 1) * 1000,
          connectTimeoutMs: intOpt('--connect-timeout', opts.connectTimeout, 5, 1) * 1000,
          username: opts.username,
          password: opts.username !== undefined ? process.env.DENDRA_MQTT_PASSWORD : undefined,
          ...caOption(opts.ca),
        });
        io.out(opts.json ? JSON.stringify({ ...r.reply, round_trip_ms: Math.round(r.roundTripMs) }) : formatReply(site, device, r.reply, r.roundTripMs));
      } catch (e) {
        // A refusal is still an answer: scripts get it on stdout, the one-line error on stderr.
        if (opts.json && e instanceof CommandError && e.reply) io.out(JSON.stringify(e.reply));
        throw e;
      }
    }));
}
