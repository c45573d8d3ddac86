/**
 * Is a device id taken? `retainedStatus` reads the retained `status` record of `<site>/<device>`
 * with a throw-away observer client, so `dendra sim` can refuse to start a second simulator under
 * a device id that is online on the broker (it would share the MQTT client id, and operators would
 * see the device flap offline and online).
 */
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { deviceTopic } from './topics.ts';
import { parsePayload, type StatusPayload } from './schema.ts';

/** Options of {@link retainedStatus}. */
export interface PresenceOptions {
  url: string;
  site: string;
  device: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  /** How long to wait for the broker and its retained record, ms (default 1500). */
  waitMs?: number;
}

/**
 * The device's retained status record, or undefined when the broker has none (or does not answer
 * within `waitMs`: the caller's own connection then reports the broker). Never rejects.
 */
export function retainedStatus(o: PresenceOptions): Promise<StatusPayload | undefined> {
  const topic = deviceTopic(o.site, o.device, 'status');
  return new Promise((resolve) => {
    const client = mqtt.connect(o.url, {
      clientId: `dendra-presence-${randomBytes(6).toString('hex')}`, clean: true, reconnectPeriod: 0,
      connectTimeout: o.waitMs ?? 1500,
      ...(o.username !== undefined ? { username: o.username, password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
    });
    let done = false;
    const finish = (v: StatusPayload | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end(true);
      resolve(v);
    };
    const timer = setTimeout(() => finish(undefined), o.waitMs ?? 1500);
    client.on('error', () => finish(undefined));
    client.on('message', (t, payload, packet) => {
      if (t !== topic || !packet.retain) return;
      const r = parsePayload('status', payload);
      finish(r.ok ? r.value : undefined);
    });
    // A retained record arrives right after SUBACK; none by then means the broker holds none.
    client.on('connect', () => client.subscribe(topic, { qos: 1 }, (e) => (e ? finish(undefined) : setTimeout(() => finish(undefined), 200))));
  });
}
