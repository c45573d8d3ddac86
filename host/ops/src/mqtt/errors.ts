/**
 * MQTT-specific {@link DendraError} subclasses. Each carries a stable `code` and a one-line
 * message meant to be printed by the CLI as `dendra: <message>`.
 */
import { DendraError } from '@dendra/core/errors.ts';

/** A site id, device id, kind or topic that does not fit `dendra/v1/<site>/<device>/<kind>`. Exit code 2. */
export class TopicError extends DendraError {
  constructor(message: string) {
    super('E_TOPIC', message, 2);
  }
}

/**
 * A broker problem: it does not answer (`E_BROKER_UNREACHABLE`), its port is taken
 * (`E_PORT_BUSY`), or it could not be started (`E_BROKER_START`, `E_NO_MOSQUITTO`).
 */
export class BrokerError extends DendraError {
  /** The broker URL involved, when there is one. */
  readonly url?: string;
  /** The MQTT CONNACK return / reason code when the broker refused (e.g. 1, 5, 0x84, 0x87). */
  readonly reasonCode?: number;
  constructor(code: string, message: string, url?: string, reasonCode?: number) {
    super(code, message, 1);
    this.url = url;
    this.reasonCode = reasonCode;
  }
}
