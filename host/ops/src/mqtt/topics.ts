/**
 * Topic codec for `dendra/v1/<site>/<device>/<kind>`. Shared by the sim board (publisher), the
 * operator CLI (subscriber) and tests. Ids are restricted so that a topic is never ambiguous and
 * never contains MQTT wildcards: see {@link ID_PATTERN}.
 */
import { TopicError } from './errors.ts';

/** Topic prefix including the schema major version. */
export const TOPIC_ROOT = 'dendra/v1';

/**
 * The message kinds a device publishes under its topic. `model` (retained) says which model and
 * firmware run; `reply` answers a command (same `id`); `alarm` (retained) is the device's table of
 * alarms by alert kind (docs/mqtt.md "alarm"; derived by the dashboard bridge until the board
 * publishes it). Operators write `cmd` (see {@link cmdTopic}) and `ack/<alert kind>` (see
 * {@link ackTopic}); devices never publish them.
 */
export const KINDS = ['telemetry', 'alert', 'status', 'model', 'reply', 'alarm'] as const;

/** One of {@link KINDS}. */
export type Kind = (typeof KINDS)[number];

/** Longest accepted site or device id, in characters. */
export const MAX_ID_LENGTH = 64;

/**
 * Accepted site/device ids: 1..64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
 * This excludes `+`, `#`, `/`, `$`, spaces, NUL and every other character a broker or a shell
 * might treat specially.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The parts of a device topic. */
export interface TopicInfo {
  site: string;
  device: string;
  kind: Kind;
}

/** True if `s` is one of {@link KINDS}. Never throws. */
export function isKind(s: unknown): s is Kind {
  return typeof s === 'string' && (KINDS as readonly string[]).includes(s);
}

/** Why `id` is not a valid site/device id, or `null` if it is valid. Never throws. */
export function idProblem(id: unknown): string | null {
  if (typeof id !== 'string') return 'is not a string';
  if (id.length === 0) return 'is empty';
  if (id.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (/[+#/]/.test(id)) return 'contains an MQTT wildcard or separator (+ # /)';
  if (!ID_PATTERN.test(id)) return 'must be letters, digits, . _ - and start with a letter or digit';
  return null;
}

/**
 * Checks a site or device id.
 * @param what `'site'` or `'device'`, used in the message.
 * @throws {TopicError} (code `E_TOPIC`) naming the id and the problem.
 */
export function assertId(what: 'site' | 'device', id: string): void {
  const p = idProblem(id);
  if (p !== null) throw new TopicError(`${what} id ${JSON.stringify(String(id).slice(0, 80))} ${p}`);
}

/**
 * Builds `dendra/v1/<site>/<device>/<kind>`.
 * @throws {TopicError} if an id is invalid or `kind` is not one of {@link KINDS}.
 */
export function deviceTopic(site: string, device: string, kind: string): string {
  assertId('site', site);
  assertId('device', device);
  if (!isKind(kind)) throw new TopicError(`kind ${JSON.stringify(kind)} is not one of ${KINDS.join(', ')}`);
  return `${TOPIC_ROOT}/${site}/${device}/${kind}`;
}

/** The command sub-topic level: operators publish to it, only the addressed device reads it. */
export const CMD_LEVEL = 'cmd';

/**
 * Builds `dendra/v1/<site>/<device>/cmd` (operator -> device commands; not a {@link Kind}).
 * @throws {TopicError} if an id is invalid.
 */
export function cmdTopic(site: string, device: string): string {
  assertId('site', site);
  assertId('device', device);
  return `${TOPIC_ROOT}/${site}/${device}/${CMD_LEVEL}`;
}

/** The acknowledgement sub-topic level: `dendra/v1/<site>/<device>/ack/<alert kind>`, operators only. */
export const ACK_LEVEL = 'ack';

/** Alert kinds: lowercase, dot-separated, at most 64 characters (as in alert.schema.json). */
export const ALERT_KIND_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

/**
 * Builds `dendra/v1/<site>/<device>/ack/<alertKind>` (the retained acknowledgement of that alarm).
 * @throws {TopicError} if an id is invalid or `alertKind` is not a valid alert kind.
 */
export function ackTopic(site: string, device: string, alertKind: string): string {
  assertId('site', site);
  assertId('device', device);
  if (typeof alertKind !== 'string' || alertKind.length > 64 || !ALERT_KIND_PATTERN.test(alertKind)) {
    throw new TopicError(`alert kind ${JSON.stringify(String(alertKind).slice(0, 80))} must be lowercase a.b (at most 64 characters)`);
  }
  return `${TOPIC_ROOT}/${site}/${device}/${ACK_LEVEL}/${alertKind}`;
}

/**
 * Builds a subscription filter: a missing site or device becomes the `+` wildcard.
 * @throws {TopicError} if a given id is invalid or `kind` is unknown.
 */
export function topicFilter(kind: Kind, site?: string, device?: string): string {
  if (site !== undefined) assertId('site', site);
  if (device !== undefined) assertId('device', device);
  if (!isKind(kind)) throw new TopicError(`kind ${JSON.stringify(kind)} is not one of ${KINDS.join(', ')}`);
  return `${TOPIC_ROOT}/${site ?? '+'}/${device ?? '+'}/${kind}`;
}

/**
 * Parses an untrusted topic (e.g. from a broker). Never throws.
 * @returns the parts, or a `reason` string if the topic is not a valid Dendra v1 device topic.
 */
export function tryParseTopic(topic: unknown): TopicInfo | { reason: string } {
  if (typeof topic !== 'string') return { reason: 'topic is not a string' };
  if (topic.length > TOPIC_ROOT.length + 2 * MAX_ID_LENGTH + 16) return { reason: 'topic is too long' };
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) {
    return { reason: `topic ${JSON.stringify(topic)} is not ${TOPIC_ROOT}/<site>/<device>/<kind>` };
  }
  const [, , site, device, kind] = parts;
  const sp = idProblem(site);
  if (sp) return { reason: `site id in topic ${sp}` };
  const dp = idProblem(device);
  if (dp) return { reason: `device id in topic ${dp}` };
  if (!isKind(kind)) return { reason: `kind ${JSON.stringify(kind)} is not one of ${KINDS.join(', ')}` };
  return { site, device, kind };
}

/**
 * Parses a device topic.
 * @throws {TopicError} with the reason if the topic is not a valid Dendra v1 device topic.
 */
export function parseTopic(topic: string): TopicInfo {
  const r = tryParseTopic(topic);
  if ('reason' in r) throw new TopicError(r.reason);
  return r;
}
