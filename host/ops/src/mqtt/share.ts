/**
 * Share groups on the NATS cluster, the engine's equivalent of MQTT 5 `$share/<group>/...` (which
 * nats-server 2.9 does not have): every alert a device publishes on MQTT lands on the subject
 * `dendra.v1.<site>.<device>.alert` and in the replicated JetStream stream `DENDRA_ALERTS`
 * (cluster.ts makes it); each share group is a durable pull consumer on it. Operator processes of
 * one group pull from the same consumer, so each alert goes to exactly one of them, and one that is
 * not acknowledged within the consumer's ack wait (10 s: the member died) goes to another member.
 * Unlike a core-NATS queue group, alerts published while no member is connected wait in the stream.
 */
import { connect as natsConnect, type ConsumerMessages, type NatsConnection } from 'nats';
import { BrokerError } from './errors.ts';
import { ALERT_STREAM } from './natsconf.ts';

/** Options for {@link consumeShared}. */
export interface ShareOptions {
  /** NATS client URLs of the cluster nodes (`nats://` or `tls://`; comma-separated or an array). */
  natsUrl: string | readonly string[];
  /** The share group: a durable consumer on the alert stream (made by `dendra broker --cluster`). */
  group: string;
  username?: string;
  password?: string;
  /** CA certificate for `tls://` URLs. */
  ca?: string | Buffer;
  /**
   * One alert: its MQTT topic (`dendra/v1/<site>/<device>/alert`) and payload bytes. It is
   * acknowledged when this returns (also when it throws: the error goes to `onError`).
   */
  onMessage: (topic: string, payload: Uint8Array) => void;
  onError?: (e: Error) => void;
  /** Wait this long for the first connection, ms (default 5000). */
  connectTimeoutMs?: number;
  /**
   * Keep trying to join the group this long after connecting, ms (default 20000): a cluster that is
   * still electing its JetStream leaders answers with a closed request or a timeout for a while.
   */
  joinTimeoutMs?: number;
}

/** Errors that say the group or the stream is missing, or the account may not read it: no retry. */
const PERMANENT = /not found|permission|authoriz|no stream|10014|10059/i;

/**
 * Gets the group's durable consumer and starts pulling, retrying transient failures every 250 ms
 * until `deadline` (epoch ms).
 * @throws the last error when it is permanent ({@link PERMANENT}) or the deadline has passed.
 */
async function joinGroup(nc: NatsConnection, group: string, deadline: number): Promise<ConsumerMessages> {
  for (;;) {
    try {
      const consumer = await nc.jetstream().consumers.get(ALERT_STREAM, group);
      // A small batch: members of a group take turns (a batch of 256 let the first member take a whole burst).
      return await consumer.consume({ max_messages: 32, expires: 5000 });
    } catch (e) {
      if (PERMANENT.test((e as Error).message) || nc.isClosed() || Date.now() + 250 >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A running member of a share group. */
export interface SharedConsumer {
  /** Alerts received (acknowledged) by this member. */
  readonly received: number;
  /** Stops pulling and closes the connection (unacknowledged alerts go to other members). Never rejects. */
  close(): Promise<void>;
}

/** The NATS URL list. @throws {BrokerError} `E_BROKER_URL` for an empty list or a bad URL. */
export function natsUrls(url: string | readonly string[]): string[] {
  const list = (typeof url === 'string' ? url.split(',') : [...url]).map((u) => u.trim()).filter(Boolean);
  if (list.length === 0) throw new BrokerError('E_BROKER_URL', 'no NATS URL given for the share group (expected nats://host:port, or a comma-separated list)');
  for (const u of list) {
    if (!/^(nats|tls):\/\/[^/\s]+$/.test(u)) throw new BrokerError('E_BROKER_URL', `NATS URL '${u.slice(0, 200)}' is not nats://host:port or tls://host:port`, u);
  }
  return list;
}

/** MQTT topic of a NATS subject `dendra.v1.<site>.<device>.alert` (ids have no `.` on this engine). */
export const topicOfSubject = (subject: string) => subject.split('.').join('/');

/**
 * Joins share group `group`: connects to the cluster (reconnecting to any node, forever) and pulls
 * alerts from the group's durable consumer.
 * @throws {BrokerError} `E_BROKER_URL` for bad URLs, `E_BROKER_UNREACHABLE` if no node answers in
 *   time, `E_BROKER_REFUSED` for bad credentials, `E_SUBSCRIBE` if the group does not exist or the
 *   account may not pull from it.
 */
export async function consumeShared(o: ShareOptions): Promise<SharedConsumer> {
  const servers = natsUrls(o.natsUrl);
  const onError = o.onError ?? (() => {});
  let nc: NatsConnection;
  try {
    nc = await natsConnect({
      servers, timeout: o.connectTimeoutMs ?? 5000, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 5000,
      ...(o.username !== undefined ? { user: o.username, pass: o.password } : {}),
      ...(o.ca !== undefined ? { tls: { ca: o.ca.toString() } } : {}),
    });
  } catch (e) {
    const m = (e as Error).message;
    if (/authoriz|authent/i.test(m)) throw new BrokerError('E_BROKER_REFUSED', `cluster ${servers.join(',')} refused the share-group connection: ${m}`, servers[0]);
    throw new BrokerError('E_BROKER_UNREACHABLE', `cluster ${servers.join(',')} does not answer (${m})`, servers[0]);
  }
  let messages: ConsumerMessages;
  try {
    messages = await joinGroup(nc, o.group, Date.now() + (o.joinTimeoutMs ?? 20_000));
  } catch (e) {
    await nc.close().catch(() => {});
    throw new BrokerError('E_SUBSCRIBE', `share group ${JSON.stringify(o.group)} on stream ${ALERT_STREAM} cannot be joined: ${(e as Error).message.split('\n')[0]} (dendra broker --cluster makes it with --share-group)`, servers[0]);
  }
  let received = 0;
  const loop = (async () => {
    for await (const m of messages) {
      try {
        o.onMessage(topicOfSubject(m.subject), m.data);
      } catch (e) {
        onError(e as Error);
      }
      m.ack();
      received++;
    }
  })().catch((e: Error) => onError(e));
  let closing: Promise<void> | undefined;
  return {
    get received() { return received; },
    close: () => (closing ??= (async () => {
      await messages.close().catch(() => {});
      await Promise.race([loop, new Promise((r) => setTimeout(r, 1000).unref())]);
      await Promise.race([nc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
      if (!nc.isClosed()) await nc.close().catch(() => {});
    })()),
  };
}
