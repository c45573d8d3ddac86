/**
 * MQTT 5 where the broker has it (mosquitto 2), 3.1.1 where it does not (aedes 1.x): the session
 * and message expiry Dendra uses, reason-code names for errors, and the "try 5, fall back to 4"
 * connect used by `connectDevice({ protocolVersion: 'auto' })`.
 */
import { DendraError } from '@dendra/core/errors.ts';
import { BrokerError } from './errors.ts';

/** Protocol choice: 4 = MQTT 3.1.1, 5 = MQTT 5, `auto` = 5 with a fallback to 4. */
export type ProtocolChoice = 4 | 5 | 'auto';

/** Default MQTT 5 session expiry of a device, s: the broker keeps its session a day after a disconnect. */
export const DEFAULT_SESSION_EXPIRY_S = 86_400;

/** Default MQTT 5 message expiry of telemetry, s: the broker drops queued telemetry older than this. */
export const DEFAULT_TELEMETRY_EXPIRY_S = 60;

/** MQTT 5 reason codes Dendra may see (spec 2.4), by number. */
const REASONS: Record<number, string> = {
  0x10: 'No matching subscribers', 0x80: 'Unspecified error', 0x81: 'Malformed Packet', 0x82: 'Protocol Error',
  0x83: 'Implementation specific error', 0x84: 'Unsupported Protocol Version', 0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password', 0x87: 'Not authorized', 0x88: 'Server unavailable', 0x89: 'Server busy',
  0x8a: 'Banned', 0x8c: 'Bad authentication method', 0x8e: 'Session taken over', 0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use', 0x95: 'Packet too large', 0x97: 'Quota exceeded', 0x99: 'Payload format invalid',
  0x9a: 'Retain not supported', 0x9b: 'QoS not supported', 0x9f: 'Connection rate exceeded',
};

/**
 * `Not authorized (reason code 135)` for a known code, `reason code N` otherwise (decimal, as in
 * the CONNACK refusals of connect.ts). Never throws.
 */
export function reasonText(code: number): string {
  return REASONS[code] ? `${REASONS[code]} (reason code ${code})` : `reason code ${code}`;
}

/**
 * Wraps a publish error from mqtt.js. One carrying a broker reason code (MQTT 5 PUBACK >= 0x80)
 * becomes `DendraError('E_MQTT_REFUSED', 'broker refused the publish on <topic>: Not
 * authorized (reason code 135)')` with the code in `reasonCode`; any other error is returned unchanged. Never throws.
 */
export function publishError(topic: string, e: Error & { code?: unknown }): Error {
  if (typeof e.code !== 'number') return e;
  const err = new DendraError('E_MQTT_REFUSED', `broker refused the publish on ${topic}: ${reasonText(e.code)}`) as DendraError & { reasonCode?: number };
  err.reasonCode = e.code;
  return err;
}

/** True if `e` is a CONNACK refusing the protocol version (3.1.1 return code 1, MQTT 5 0x84). */
export function isProtocolRefusal(e: unknown): boolean {
  return e instanceof BrokerError && e.code === 'E_BROKER_REFUSED' && (e.reasonCode === 1 || e.reasonCode === 0x84);
}

/**
 * Connects with `connect(5)` and, if the broker refuses MQTT 5 as a protocol version (aedes 1.x
 * does, with CONNACK return code 1), again with `connect(4)`. `choice` 4 or 5 connects once.
 * Resolves with the client and the version in use.
 * @throws whatever `connect` throws, except the protocol refusal that triggers the fallback.
 */
export async function connectVersioned<T>(choice: ProtocolChoice, connect: (v: 4 | 5) => Promise<T>): Promise<{ client: T; version: 4 | 5 }> {
  if (choice !== 'auto') return { client: await connect(choice), version: choice };
  try {
    return { client: await connect(5), version: 5 };
  } catch (e) {
    if (!isProtocolRefusal(e)) throw e;
    return { client: await connect(4), version: 4 };
  }
}
