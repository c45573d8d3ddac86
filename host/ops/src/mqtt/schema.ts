/**
 * The v1 MQTT payload contract (docs/CONTRACTS.md "MQTT", docs/mqtt.md): JSON Schemas (draft-07)
 * kept in `docs/schemas/<kind>.schema.json` and compiled here with ajv, and
 * {@link parsePayload}, the single entry point for untrusted payload bytes. Unknown extra
 * properties are allowed (additive changes stay within v1); known ones are typed and bounded.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Kind } from './topics.ts';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SCHEMAS_DIR } from '@dendra/core/paths.ts';

/** Largest payload {@link parsePayload} accepts, in bytes (16 KiB). Larger ones are dropped as `oversized`. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Directory holding `<kind>.schema.json` (docs/schemas at the repository root). */
export const SCHEMA_DIR = pathToFileURL(SCHEMAS_DIR + sep);

import { ALERT_KINDS, COMMAND_OPS, SEVERITIES } from './vocab.ts';

/** The contract's word lists (vocab.ts). */
export { ALERT_KINDS, COMMAND_OPS, SEVERITIES };

/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** One entry of an alert's `top`: an input that drove the decision. */
export interface TopInput {
  input: string;
  /** overload.warning: peak forecast (degC) with all inputs minus with this one occluded. */
  delta_c?: number;
  weight?: number;
  value?: number;
  [extra: string]: unknown;
}

/**
 * Alert payload (`.../alert`, QoS 1). `ts` is device time in ms since boot when the alert was
 * raised, `pts` the device time of the send that reached the broker (firmware outbox).
 */
export interface AlertPayload {
  v: 1;
  seq: number;
  ts: number;
  pts?: number;
  kind: string;
  state: 'raised' | 'cleared';
  severity: Severity;
  value: number;
  threshold: number;
  lead_h?: number | null;
  raw?: number;
  window?: number;
  model?: string;
  boot?: number;
  top?: TopInput[];
  /** dendrite.risk: per-cell risk (see docs/schemas/alert.schema.json). */
  cells?: unknown[];
  /** device.fault: the fault code (required for that kind). */
  code?: string;
  message?: string;
  [extra: string]: unknown;
}

/** Telemetry payload (`.../telemetry`, QoS 0). */
export interface TelemetryPayload {
  v: 1;
  seq: number;
  ts: number;
  /** Device time of the send (ms since boot). */
  pts?: number;
  window: number;
  ot?: number;
  pred_peak?: number;
  raw?: number;
  energy_uj?: number;
  energy_total_uj?: number;
  infer_us?: number;
  infer_ms?: number;
  dropped?: number;
  model?: string;
  boot?: number;
  [extra: string]: unknown;
}

/** Status payload (`.../status`, retained; also the last will). `v` may be absent (the contract's will example). */
export interface StatusPayload {
  v?: 1;
  state: 'online' | 'offline';
  ts?: number;
  boot?: number;
  model?: string;
  /** Random id of the process that publishes for the device (a new one per start): two at once = a duplicate device id. */
  instance?: string;
  [extra: string]: unknown;
}

/** Model info payload (`.../model`, QoS 1, retained): what the device runs. */
export interface ModelInfoPayload {
  v: 1;
  /** `name@version`, e.g. `grid@1`. */
  model: string;
  ts?: number;
  boot?: number;
  /** Lowercase hex SHA-256 of the flashed model file. */
  model_sha256?: string;
  model_bytes?: number;
  /** The pack dendrite-risk model, `name@version`, when the board runs one. */
  pack_model?: string;
  /** Lowercase hex SHA-256 of the flashed pack model file. */
  pack_model_sha256?: string;
  pack_model_bytes?: number;
  firmware?: string;
  /** Lowercase hex SHA-256 of the firmware image. */
  firmware_sha256?: string;
  board?: string;
  [extra: string]: unknown;
}

/** One of {@link COMMAND_OPS}. */
export type CommandOp = (typeof COMMAND_OPS)[number];

/** Operator command (`.../cmd`, QoS 1, not retained). */
export interface CommandPayload {
  v: 1;
  /** 1-32 of `A-Z a-z 0-9 . _ -`; the reply carries it back. */
  id: string;
  op: CommandOp;
  /** set-limit: top-oil limit, degC. */
  limit_c?: number;
  /** set-limit: hysteresis, degC. */
  hysteresis_c?: number;
  [extra: string]: unknown;
}

/** Device reply to a command (`.../reply`, QoS 1, not retained). */
export interface ReplyPayload {
  v: 1;
  /** The command's id; null when the command had no readable id. */
  id: string | null;
  op?: CommandOp;
  ok: boolean;
  /** Firmware status: 0, or < 0 (host/core/src/status.ts). */
  status: number;
  error?: string;
  boot?: number;
  ts: number;
  pts?: number;
  uptime_ms?: number;
  cmd_ok?: number;
  cmd_errors?: number;
  announced?: number;
  model?: string;
  limit_c?: number;
  hysteresis_c?: number;
  limit_source?: 'site' | 'model';
  pending?: number;
  old?: { limit_c: number; hysteresis_c: number };
  new?: { limit_c: number; hysteresis_c: number };
  [extra: string]: unknown;
}

/** Maps a {@link Kind} to its payload type. */
export interface PayloadOf {
  alert: AlertPayload;
  telemetry: TelemetryPayload;
  status: StatusPayload;
  model: ModelInfoPayload;
  reply: ReplyPayload;
  alarm: AlarmPayload;
}

/** One entry of an {@link AlarmPayload}: the alarm of one alert kind (docs/schemas/alarm.schema.json). */
export interface AlarmEntry {
  kind: string;
  state: 'raised' | 'active' | 'cleared';
  severity: 'info' | 'warning' | 'critical';
  raised_at: number;
  updated_at: number;
  cleared_at?: number;
  raises: number;
  value: number;
  peak?: number;
  threshold: number;
  lead_h?: number | null;
  lead_cycles?: number;
  boot?: number;
  seq?: number;
  ts?: number;
  model?: string;
  top?: unknown[];
  cells?: unknown[];
}

/** The retained `alarm` record of a device (docs/mqtt.md "alarm"). */
export interface AlarmPayload {
  v: 1;
  ts: number;
  source: 'device' | 'bridge';
  alarms: AlarmEntry[];
}

/** An operator's retained acknowledgement on `ack/<alert kind>` (docs/schemas/ack.schema.json). */
export interface AckPayload {
  v: 1;
  kind: string;
  raised_at: number;
  by: string;
  at: number;
  note?: string;
}

/**
 * Why a payload was dropped: `oversized` (more than {@link MAX_PAYLOAD_BYTES}), `malformed` (empty,
 * not bytes, not UTF-8, not JSON, not an object, or an unknown kind), `schema` (valid JSON that
 * violates the kind's schema).
 */
export type DropCode = 'oversized' | 'malformed' | 'schema';

/** Result of {@link parsePayload}: the validated object, or why it was rejected. */
export type ParseResult<K extends Kind> =
  | { ok: true; value: PayloadOf[K] }
  | { ok: false; code: DropCode; reason: string };

/**
 * Reads `docs/schemas/<kind>.schema.json`.
 * @throws {Error} at module load if the file is missing or not JSON (a broken checkout, not input).
 */
function loadSchema(kind: Kind | 'cmd' | 'ack'): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${kind}.schema.json`, SCHEMA_DIR), 'utf8')) as Record<string, unknown>;
}

/** JSON Schema of {@link AlertPayload} (docs/schemas/alert.schema.json). */
export const alertSchema = loadSchema('alert');
/** JSON Schema of {@link TelemetryPayload} (docs/schemas/telemetry.schema.json). */
export const telemetrySchema = loadSchema('telemetry');
/** JSON Schema of {@link StatusPayload} (docs/schemas/status.schema.json). */
export const statusSchema = loadSchema('status');
/** JSON Schema of {@link ModelInfoPayload} (docs/schemas/model.schema.json). */
export const modelSchema = loadSchema('model');
/** JSON Schema of {@link ReplyPayload} (docs/schemas/reply.schema.json). */
export const replySchema = loadSchema('reply');
/** JSON Schema of {@link CommandPayload} (docs/schemas/cmd.schema.json). */
export const cmdSchema = loadSchema('cmd');
/** JSON Schema of {@link AlarmPayload} (docs/schemas/alarm.schema.json). */
export const alarmSchema = loadSchema('alarm');
/** JSON Schema of {@link AckPayload} (docs/schemas/ack.schema.json). */
export const ackSchema = loadSchema('ack');

const ajv = new Ajv({ allErrors: false, strict: true });
const validators: { [K in Kind]: ValidateFunction<PayloadOf[K]> } = {
  alert: ajv.compile<AlertPayload>(alertSchema),
  telemetry: ajv.compile<TelemetryPayload>(telemetrySchema),
  status: ajv.compile<StatusPayload>(statusSchema),
  model: ajv.compile<ModelInfoPayload>(modelSchema),
  reply: ajv.compile<ReplyPayload>(replySchema),
  alarm: ajv.compile<AlarmPayload>(alarmSchema),
};
const validateAck = ajv.compile<AckPayload>(ackSchema);

/** Validates an `ack` payload object (already parsed). Returns null if valid, else one line. Never throws. */
export function ackProblem(o: unknown): string | null {
  if (validateAck(o)) return null;
  const err = validateAck.errors?.[0];
  return `ack payload: ${err?.instancePath || '(root)'} ${err?.message ?? 'is invalid'}`;
}
const validateCmd = ajv.compile<CommandPayload>(cmdSchema);

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Decoded = { value: unknown } | { code: DropCode; reason: string };

/** Decodes bounded UTF-8 JSON; returns the value or a coded reason. Never throws. */
function decodeJson(bytes: unknown): Decoded {
  if (!(bytes instanceof Uint8Array)) return { code: 'malformed', reason: 'payload is not bytes' };
  if (bytes.length === 0) return { code: 'malformed', reason: 'payload is empty' };
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    return { code: 'oversized', reason: `payload is ${bytes.length} bytes, more than the ${MAX_PAYLOAD_BYTES} allowed` };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { code: 'malformed', reason: 'payload is not valid UTF-8' };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { code: 'malformed', reason: `payload is not JSON (${(e as Error).message.split('\n')[0].slice(0, 100)})` };
  }
}

/**
 * Parses and validates untrusted payload bytes of a given kind: size bound
 * ({@link MAX_PAYLOAD_BYTES}), strict UTF-8, JSON object, then the kind's JSON Schema.
 * Never throws: every failure is returned as `{ ok: false, code, reason }` with a one-line reason
 * and a {@link DropCode} for counting.
 */
export function parsePayload<K extends Kind>(kind: K, bytes: Uint8Array): ParseResult<K> {
  const validate = validators[kind] as ValidateFunction<PayloadOf[K]> | undefined;
  if (!validate) return { ok: false, code: 'malformed', reason: `unknown kind ${JSON.stringify(String(kind))}` };
  const d = decodeJson(bytes);
  if (!('value' in d)) return { ok: false, code: d.code, reason: d.reason };
  if (d.value === null || typeof d.value !== 'object' || Array.isArray(d.value)) {
    return { ok: false, code: 'malformed', reason: `${kind} payload is not a JSON object` };
  }
  try {
    if (validate(d.value)) return { ok: true, value: d.value };
  } catch (e) {
    return { ok: false, code: 'schema', reason: `${kind} payload: validator failed (${(e as Error).message.slice(0, 100)})` };
  }
  const err = validate.errors?.find((x) => x.keyword !== 'if') ?? validate.errors?.[0];
  const where = err?.instancePath ? err.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  return { ok: false, code: 'schema', reason: `${kind} payload: ${where} ${err?.message ?? 'is invalid'}`.replace(/\s+/g, ' ') };
}

/**
 * Checks an operator command object against docs/schemas/cmd.schema.json. Returns null when it is
 * valid, else a one-line reason (e.g. `cmd: limit_c must be <= 150`). Never throws.
 */
export function commandProblem(cmd: unknown): string | null {
  try {
    if (validateCmd(cmd)) return null;
  } catch (e) {
    return `cmd: validator failed (${(e as Error).message.slice(0, 100)})`;
  }
  const err = validateCmd.errors?.find((x) => x.keyword !== 'if') ?? validateCmd.errors?.[0];
  const where = err?.instancePath ? err.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  return `cmd: ${where} ${err?.message ?? 'is invalid'}`.replace(/\s+/g, ' ');
}

/**
 * Encodes a payload object as UTF-8 JSON bytes (no validation; use {@link parsePayload} to check).
 * @throws {TypeError} only if `value` cannot be serialised (cycles, BigInt).
 */
export function encodePayload(value: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
