/** `dendra cmd <site>/<device> <op>` (the work; the definition is ../commands/cmd.ts). */
import { intOpt } from '@dendra/core/run.ts';
import { COMMAND_OPS } from '@dendra/ops/mqtt/vocab.ts';
import type { CommandOp } from '@dendra/ops/mqtt/schema.ts';
import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { forecastRangeC } from '@dendra/models/grid/site.ts';
import { caOption } from '../caopt.ts';

/** Options of `dendra cmd`. */
export interface CmdOpts {
  broker: string;
  limit?: string;
  hysteresis?: string;
  timeout: string;
  connectTimeout: string;
  username?: string;
  ca?: string;
  json?: boolean;
  model?: string;
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

/**
 * Refuses a limit the grid model in `modelFile` can never forecast (or always exceeds).
 * @throws UsageError (exit 2) naming the range; InputError when the file is not a grid model.
 */
export function checkLimitInRange(limitC: number, modelFile: string): void {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(modelFile));
  } catch (e) {
    throw new InputError('E_MODEL', `--model ${modelFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, modelFile);
  }
  const r = forecastRangeC(bytes);
  if (limitC < r.minC || limitC > r.maxC) {
    throw new UsageError(`--limit ${limitC} is outside the forecast range of ${modelFile}: ${r.minC.toFixed(2)}..${r.maxC.toFixed(2)} degC (overload.warning could never change)`);
  }
}

/** A finite number option. @throws {UsageError} otherwise. */
function numOpt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`option ${name} must be a number, got '${v.slice(0, 40)}'`);
  return n;
}

/**
 * `dendra cmd`: sends one command and prints the reply (one line, or with --json the reply as one
 * JSON object). Failures are thrown as one-line errors: exit 2 for usage errors and invalid
 * commands (nothing sent), exit 1 when the broker is unreachable or refuses, the device refuses the
 * command (with --json its reply is still printed on stdout), or no reply arrives within --timeout.
 */
export async function cmdAction(target: string, op: string, opts: CmdOpts, io: CmdIo = stdio): Promise<void> {
  const { site, device } = parseTarget(target);
  if (!(COMMAND_OPS as readonly string[]).includes(op)) throw new UsageError(`unknown operation '${op.slice(0, 40)}' (one of ${COMMAND_OPS.join(', ')})`);
  const limitC = numOpt('--limit', opts.limit);
  const hysteresisC = numOpt('--hysteresis', opts.hysteresis);
  if (op === 'set-limit' && (limitC === undefined || hysteresisC === undefined)) throw new UsageError('set-limit needs --limit and --hysteresis');
  if (op === 'set-limit' && opts.model !== undefined) checkLimitInRange(limitC!, opts.model);
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
}
