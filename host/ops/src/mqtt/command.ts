/**
 * The operator side of device commands (`dendra cmd`): publish one command on
 * `dendra/v1/<site>/<device>/cmd` (QoS 1) and wait for the device's reply with the same `id` on
 * `.../reply` (QoS 1), validated against docs/schemas/reply.schema.json. Replies with other ids
 * (other operators' commands) and invalid payloads are ignored.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { DendraError } from '@dendra/core/errors.ts';
import { assertId, cmdTopic, deviceTopic } from './topics.ts';
import { commandProblem, encodePayload, parsePayload, type CommandOp, type CommandPayload, type ReplyPayload } from './schema.ts';
import { connectWithDeadline, DEFAULT_CONNECT_TIMEOUT_MS, subscribeWithin } from './connect.ts';
import { connectVersioned, publishError, type ProtocolChoice } from './v5.ts';
import { fwStatusMessage } from '@dendra/core/status.ts';

/** Default time to wait for the reply, ms. */
export const DEFAULT_REPLY_TIMEOUT_MS = 10_000;

/**
 * A command that did not succeed: `E_CMD_TIMEOUT` (no reply in time), `E_CMD_DEVICE` (the device
 * refused it; `reply` holds its answer), `E_CMD_INPUT` (invalid command, nothing sent; exit 2),
 * `E_SUBSCRIBE` (the broker would not let this account read replies).
 */
export class CommandError extends DendraError {
  constructor(code: string, message: string, readonly reply?: ReplyPayload) {
    super(code, message, code === 'E_CMD_INPUT' ? 2 : 1);
  }
}

/** Options of {@link sendCommand}. */
export interface CommandOptions {
  url: string;
  site: string;
  device: string;
  op: CommandOp;
  /** set-limit: top-oil limit, degC. */
  limitC?: number;
  /** set-limit: hysteresis, degC. */
  hysteresisC?: number;
  /** Command id (default: 12 random base64url characters). */
  id?: string;
  /** Wait this long for the reply, ms (default 10 000). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  username?: string;
  password?: string;
  ca?: string | Buffer;
  /** MQTT version (default `auto`: 5 where the broker has it, so a refused publish is reported). */
  protocolVersion?: ProtocolChoice;
}

/** The reply and how long the round trip took. */
export interface CommandResult {
  reply: ReplyPayload;
  /** Publish to reply, ms (operator clock). */
  roundTripMs: number;
}

/** Builds and checks the command payload. @throws {CommandError} `E_CMD_INPUT`. */
export function buildCommand(o: Pick<CommandOptions, 'op' | 'limitC' | 'hysteresisC' | 'id'>): CommandPayload {
  const cmd: CommandPayload = { v: 1, id: o.id ?? randomBytes(9).toString('base64url'), op: o.op };
  if (o.op === 'set-limit') {
    cmd.limit_c = o.limitC;
    cmd.hysteresis_c = o.hysteresisC;
  } else if (o.limitC !== undefined || o.hysteresisC !== undefined) {
    throw new CommandError('E_CMD_INPUT', `--limit and --hysteresis belong to set-limit, not ${o.op}`);
  }
  const problem = commandProblem(cmd);
  if (problem) throw new CommandError('E_CMD_INPUT', problem.replace('cmd: limit_c', '--limit').replace('cmd: hysteresis_c', '--hysteresis'));
  return cmd;
}

/**
 * Sends one command and resolves with the device's reply (ok true).
 * @throws {TopicError} for a bad site/device id; {@link CommandError} `E_CMD_INPUT` for an invalid
 *   command (nothing is sent), `E_SUBSCRIBE` if the broker refuses the reply subscription,
 *   `E_CMD_TIMEOUT` if no reply with this id arrives in time, `E_CMD_DEVICE` if the device refused
 *   the command (one line with its error and status); {@link BrokerError} as connectWithDeadline
 *   (unreachable, refused credentials); `E_MQTT_REFUSED` (MQTT 5) if the broker refuses the publish.
 */
export async function sendCommand(o: CommandOptions): Promise<CommandResult> {
  assertId('site', o.site);
  assertId('device', o.device);
  const cmd = buildCommand(o);
  const who = `${o.site}/${o.device}`;
  const replyTopic = deviceTopic(o.site, o.device, 'reply');
  const { client } = await connectVersioned(o.protocolVersion ?? 'auto', (v) => connectWithDeadline(o.url, {
    clientId: `dendra-cmd-${randomBytes(4).toString('hex')}`,
    clean: true,
    protocolVersion: v,
    reconnectPeriod: 0,
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    ...(o.username !== undefined ? { username: o.username, password: o.password } : {}),
  }, { timeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS }));
  try {
    return await exchange(client, cmd, replyTopic, cmdTopic(o.site, o.device), who, o.timeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS);
  } finally {
    await client.endAsync(true).catch(() => {});
  }
}

/** Subscribes to the replies, publishes the command and waits for the matching reply. */
async function exchange(client: MqttClient, cmd: CommandPayload, replyTopic: string, topic: string, who: string, timeoutMs: number): Promise<CommandResult> {
  let resolveReply: (r: ReplyPayload) => void = () => {};
  const got = new Promise<ReplyPayload>((r) => (resolveReply = r));
  client.on('message', (t, payload) => {
    if (t !== replyTopic) return;
    const r = parsePayload('reply', new Uint8Array(payload));
    if (r.ok && r.value.id === cmd.id) resolveReply(r.value);
  });
  const granted = await subscribeWithin(client, replyTopic, Date.now() + timeoutMs).catch((e: Error) => {
    throw new CommandError('E_SUBSCRIBE', `broker refused the subscription to ${replyTopic}: ${e.message}`);
  });
  if (granted.some((q) => q !== 0 && q !== 1)) {
    throw new CommandError('E_SUBSCRIBE', `broker refused the subscription to ${replyTopic} (this account may not read replies)`);
  }
  const t0 = performance.now();
  await client.publishAsync(topic, Buffer.from(encodePayload(cmd)), { qos: 1 }).catch((e: Error & { code?: unknown }) => {
    throw publishError(topic, e);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandError('E_CMD_TIMEOUT',
      `no reply from ${who} to ${cmd.op} (id ${cmd.id}) within ${(timeoutMs / 1000).toFixed(1)} s (device offline, or not allowed to read its cmd?)`)), timeoutMs);
  });
  try {
    const reply = await Promise.race([got, timeout]);
    const roundTripMs = performance.now() - t0;
    if (!reply.ok) {
      // eslint-disable-next-line no-control-regex
      const why = (reply.error ?? fwStatusMessage(reply.status)).replace(/[\u0000-\u001f\u007f]/g, '?'); // device text: one line
      throw new CommandError('E_CMD_DEVICE', `${who} refused ${cmd.op}: ${why} (status ${reply.status})`, reply);
    }
    return { reply, roundTripMs };
  } finally {
    clearTimeout(timer);
  }
}

const f2 = (v: number | undefined) => (typeof v === 'number' ? v.toFixed(2) : '?');

/** One human line for a successful reply. Never throws. */
export function formatReply(site: string, device: string, r: ReplyPayload, roundTripMs: number): string {
  const who = `${site}/${device}`;
  const ms = `${Math.round(roundTripMs)} ms`;
  let line: string;
  if (r.op === 'set-limit' && r.old && r.new) {
    line = `${who} limit ${f2(r.old.limit_c)} -> ${f2(r.new.limit_c)} degC, hysteresis ${f2(r.old.hysteresis_c)} -> ${f2(r.new.hysteresis_c)} degC (stored in flash; ${ms})`;
  } else if (r.op === 'status') {
    line = `${who} status: boot ${r.boot ?? '?'}, model ${r.model ?? 'none'}, limit ${f2(r.limit_c)} degC hysteresis ${f2(r.hysteresis_c)} (${r.limit_source ?? '?'}), ` +
      `journal ${r.pending ?? '?'} pending, republished ${r.announced ?? 0} retained records (${ms})`;
  } else {
    const up = typeof r.uptime_ms === 'number' ? `${(r.uptime_ms / 3_600_000).toFixed(2)} h` : '?';
    line = `${who} pong: boot ${r.boot ?? '?'}, up ${up} (device clock), commands ${r.cmd_ok ?? 0} ok / ${r.cmd_errors ?? 0} refused (${ms})`;
  }
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f]/g, '?');
}
