/**
 * JSON Schemas (draft-07, compiled with ajv) for the v1 MQTT payloads in docs/CONTRACTS.md
 * "MQTT", and {@link parsePayload}: the single entry point for untrusted payload bytes.
 * Unknown extra properties are allowed (additive changes stay within v1); known ones are typed
 * and bounded.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Kind } from './topics.ts';

/** Largest payload {@link parsePayload} accepts, in bytes (16 KiB). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Alert payload (`.../alert`, QoS 1). `ts` is device time in ms since boot. */
export interface AlertPayload {
  v: 1;
  seq: number;
  ts: number;
  kind: string;
  state: 'raised' | 'cleared';
  severity: 'info' | 'warning' | 'critical';
  value: number;
  threshold: number;
  lead_h?: number | null;
  raw?: number;
  window?: number;
  model?: string;
  boot?: number;
  [extra: string]: unknown;
}

/** Telemetry payload (`.../telemetry`, QoS 0). */
export interface TelemetryPayload {
  v: 1;
  seq: number;
  ts: number;
  window: number;
  ot?: number;
  pred_peak?: number;
  raw?: number;
  energy_uj?: number;
  infer_us?: number;
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
  [extra: string]: unknown;
}

/** Maps a {@link Kind} to its payload type. */
export interface PayloadOf {
  alert: AlertPayload;
  telemetry: TelemetryPayload;
  status: StatusPayload;
}

/** Result of {@link parsePayload}: the validated object, or why it was rejected. */
export type ParseResult<K extends Kind> = { ok: true; value: PayloadOf[K] } | { ok: false; reason: string };

const uint = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const num = { type: 'number' } as const;
const int8 = { type: 'integer', minimum: -128, maximum: 127 } as const;

/** JSON Schema of {@link AlertPayload}. */
export const alertSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://dendra.invalid/schemas/v1/alert.json',
  type: 'object',
  required: ['v', 'seq', 'ts', 'kind', 'state', 'severity', 'value', 'threshold'],
  properties: {
    v: { const: 1 },
    seq: uint,
    ts: { type: 'number', minimum: 0 },
    kind: { type: 'string', maxLength: 64, pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$' },
    state: { enum: ['raised', 'cleared'] },
    severity: { enum: ['info', 'warning', 'critical'] },
    value: num,
    threshold: num,
    lead_h: { anyOf: [{ type: 'integer', minimum: 0, maximum: 10000 }, { type: 'null' }] },
    raw: int8,
    window: uint,
    model: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9._-]+@[0-9]+$' },
    boot: uint,
  },
} as const;

/** JSON Schema of {@link TelemetryPayload}. */
export const telemetrySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://dendra.invalid/schemas/v1/telemetry.json',
  type: 'object',
  required: ['v', 'seq', 'ts', 'window'],
  properties: {
    v: { const: 1 },
    seq: uint,
    ts: { type: 'number', minimum: 0 },
    window: uint,
    ot: num,
    pred_peak: num,
    raw: int8,
    energy_uj: { type: 'number', minimum: 0 },
    infer_us: { type: 'number', minimum: 0 },
    boot: uint,
  },
} as const;

/** JSON Schema of {@link StatusPayload}. */
export const statusSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://dendra.invalid/schemas/v1/status.json',
  type: 'object',
  required: ['state'],
  properties: {
    v: { const: 1 },
    state: { enum: ['online', 'offline'] },
    ts: { type: 'number', minimum: 0 },
    boot: uint,
    model: { type: 'string', maxLength: 64 },
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true });
const validators: { [K in Kind]: ValidateFunction<PayloadOf[K]> } = {
  alert: ajv.compile<AlertPayload>(alertSchema),
  telemetry: ajv.compile<TelemetryPayload>(telemetrySchema),
  status: ajv.compile<StatusPayload>(statusSchema),
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bounded UTF-8 JSON; returns the value or a reason. Never throws. */
function decodeJson(bytes: unknown): { value: unknown } | { reason: string } {
  if (!(bytes instanceof Uint8Array)) return { reason: 'payload is not bytes' };
  if (bytes.length === 0) return { reason: 'payload is empty' };
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    return { reason: `payload is ${bytes.length} bytes, more than the ${MAX_PAYLOAD_BYTES} allowed` };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { reason: 'payload is not valid UTF-8' };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { reason: `payload is not JSON (${(e as Error).message.split('\n')[0].slice(0, 100)})` };
  }
}

/**
 * Parses and validates untrusted payload bytes of a given kind: size bound
 * ({@link MAX_PAYLOAD_BYTES}), strict UTF-8, JSON, then the kind's schema.
 * Never throws: every failure is returned as `{ ok: false, reason }` with a one-line reason.
 */
export function parsePayload<K extends Kind>(kind: K, bytes: Uint8Array): ParseResult<K> {
  const validate = validators[kind] as ValidateFunction<PayloadOf[K]> | undefined;
  if (!validate) return { ok: false, reason: `unknown kind ${JSON.stringify(String(kind))}` };
  const d = decodeJson(bytes);
  if ('reason' in d) return { ok: false, reason: d.reason };
  if (d.value === null || typeof d.value !== 'object' || Array.isArray(d.value)) {
    return { ok: false, reason: `${kind} payload is not a JSON object` };
  }
  if (validate(d.value)) return { ok: true, value: d.value };
  const err = validate.errors?.[0];
  const where = err?.instancePath ? err.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  return { ok: false, reason: `${kind} payload: ${where} ${err?.message ?? 'is invalid'}` };
}

/**
 * Encodes a payload object as UTF-8 JSON bytes (no validation; use {@link parsePayload} to check).
 * @throws {TypeError} only if `value` cannot be serialised (cycles, BigInt).
 */
export function encodePayload(value: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
