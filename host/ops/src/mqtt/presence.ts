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
import { brokerUrls } from './connect.ts';

/** Options of {@link retainedStatus}. */
export interface PresenceOptions {
  /** One broker URL, or the nodes of a cluster (comma-separated or an array, see brokerUrls). */
  url: string | readonly string[];
  site: string;
  device: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  /** How long to wait for each broker and its retained record, ms (default 1500). */
  waitMs?: number;
}

/** What one broker said: `answered` false when it did not connect within the wait. */
interface Probe {
  answered: boolean;
  status?: StatusPayload;
}

/**
 * The device's retained status record, or undefined when the broker has none (or does not answer
 * within `waitMs`: the caller's own connection then reports the broker). With several brokers (a
 * cluster's nodes) they are asked in turn until one answers: a lost node does not hide the record.
 * A bad URL also gives undefined (the caller's connection names it). Never rejects.
 */
export async function retainedStatus(o: PresenceOptions): Promise<StatusPayload | undefined> {
  let urls: string[];
  try {
    urls = brokerUrls(o.url);
  } catch {
    return undefined;
  }
  for (const url of urls) {
    const p = await probe(url, o);
    if (p.answered) return p.status;
  }
  return undefined;
}

/** Reads the retained status record from one broker. Never rejects. */
function probe(url: string, o: PresenceOptions): Promise<Probe> {
  const topic = deviceTopic(o.site, o.device, 'status');
  return new Promise((resolve) => {
    const client = mqtt.connect(url, {
      clientId: `dendra-presence-${randomBytes(6).toString('hex')}`, clean: true, reconnectPeriod: 0,
      connectTimeout: o.waitMs ?? 1500,
      ...(o.username !== undefined ? { username: o.username, password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
    });
    let done = false;
    const finish = (v: Probe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end(true);
      resolve(v);
    };
    const timer = setTimeout(() => finish({ answered: client.connected }), o.waitMs ?? 1500);
    client.on('error', () => finish({ answered: client.connected }));
    client.on('message', (t, payload, packet) => {
      if (t !== topic || !packet.retain) return;
      const r = parsePayload('status', payload);
      finish({ answered: true, status: r.ok ? r.value : undefined });
    });
    // A retained record arrives right after SUBACK; none by then means the broker holds none.
    client.on('connect', () => client.subscribe(topic, { qos: 1 }, (e) => (e ? finish({ answered: true }) : setTimeout(() => finish({ answered: true }), 200))));
  });
}
