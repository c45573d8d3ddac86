/**
 * nats-server configuration for a Dendra MQTT cluster (cluster.ts runs it): one file per node with
 * its ports, JetStream store, the cluster routes, the MQTT listener (sessions, retained messages and
 * QoS 1 deliveries in JetStream streams replicated on `replicas` nodes) and the accounts.
 *
 * How the secured mosquitto's ACL (secure.ts) maps: an MQTT topic `dendra/v1/<site>/<device>/<kind>`
 * is the NATS subject `dendra.v1.<site>.<device>.<kind>`, and permissions are written on subjects.
 * - device `<site>/<device>`: publish only its own five kinds, subscribe only its own `cmd`;
 * - operator: subscribe `dendra.v1.>`, publish only `dendra.v1.*.*.cmd`; for a share group
 *   (share.ts) also the JetStream API of the alert stream's consumers (next message, info, ack);
 * - every MQTT user also needs subscribe on `$MQTT.sub.>`: nats-server 2.9 delivers QoS 1 through a
 *   JetStream consumer whose delivery subject is `$MQTT.sub.<id>` and checks it against the user's
 *   permissions (an MQTT client cannot subscribe to `$MQTT/...` topics itself: refused);
 * - the admin user (`dendra-admin`, made here) creates the alert stream and the share groups;
 * - a denied publish is dropped and logged as `Publish Violation`, but still PUBACKed (as mosquitto
 *   does for MQTT 3.1.1); a denied subscription gets SUBACK 0x80.
 * Site and device ids with `.` are not allowed on this engine (nats-server 2.9 closes the connection
 * of a client that publishes to a topic with a `.`: tested); {@link natsIdProblem} says so.
 */
import type { SecureCredentials } from './secure.ts';
import { KINDS } from './topics.ts';

/** The JetStream stream that keeps every alert for share groups (subjects `dendra.v1.*.*.alert`). */
export const ALERT_STREAM = 'DENDRA_ALERTS';
/** The subject filter of {@link ALERT_STREAM}. */
export const ALERT_SUBJECTS = 'dendra.v1.*.*.alert';
/** The account every Dendra user is in (JetStream enabled). */
export const NATS_ACCOUNT = 'DENDRA';
/** The admin user made for the cluster set-up (stream and share groups). */
export const ADMIN_USER = 'dendra-admin';

/** Ports of one node on 127.0.0.1. */
export interface NodePorts {
  /** NATS client port (nats:// URLs, the share-group consumer). */
  client: number;
  /** Cluster route port. */
  route: number;
  /** MQTT listener (plain, or TLS with `tls`). */
  mqtt: number;
  /** HTTP monitoring (`/healthz`). */
  http: number;
}

/** What one node's file needs. */
export interface NodeConfig {
  /** `n1`, `n2`, ... */
  name: string;
  ports: NodePorts;
  /** Route ports of every node (this one included). */
  routes: number[];
  /** JetStream store directory of this node. */
  storeDir: string;
  /** Replicas of the MQTT streams (sessions, retained, QoS 1): min(nodes, 3). */
  replicas: number;
  /** TLS on the MQTT and NATS client listeners with these files (no client certificates). */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

/** A quoted string for the nats-server config (JSON escaping is accepted by its parser). */
const q = (s: string) => JSON.stringify(s);
const list = (a: string[]) => `[${a.map(q).join(', ')}]`;

/** Subject of a device's kind: `dendra.v1.<site>.<device>.<kind>`. */
export const deviceSubject = (site: string, device: string, kind: string) => `dendra.v1.${site}.${device}.${kind}`;

/**
 * Why `id` cannot be a site or device id on the NATS engine (a `.` would split the subject), or
 * null. Never throws.
 */
export function natsIdProblem(id: string): string | null {
  return id.includes('.') ? `id ${JSON.stringify(id)} contains '.', which nats-server 2.9 MQTT cannot map to a subject` : null;
}

/** The permissions block of every user, as config text. Never throws. */
export function permissionsText(c: SecureCredentials, admin: { password: string }, shareGroups: string[]): string[] {
  const user = (name: string, password: string, pub: string[], sub: string[]) =>
    `    { user: ${q(name)}, password: ${q(password)}, permissions: { publish: { allow: ${list(pub)} }, subscribe: { allow: ${list(sub)} } } }`;
  const share = shareGroups.flatMap((g) => [
    `$JS.API.CONSUMER.MSG.NEXT.${ALERT_STREAM}.${g}`, `$JS.API.CONSUMER.INFO.${ALERT_STREAM}.${g}`, `$JS.ACK.${ALERT_STREAM}.${g}.>`,
  ]);
  const out = [
    `    { user: ${q(ADMIN_USER)}, password: ${q(admin.password)} }`,
    ...c.operators.map((o) => user(o.username, o.password, ['dendra.v1.*.*.cmd', '$JS.API.INFO', ...share], ['dendra.v1.>', '$MQTT.sub.>', '_INBOX.>'])),
    ...c.devices.map((d) => user(d.username, d.password, KINDS.map((k) => deviceSubject(d.site, d.device, k)), [deviceSubject(d.site, d.device, 'cmd'), '$MQTT.sub.>'])),
  ];
  return out;
}

/**
 * The whole config file of one node: server name, listeners, JetStream, routes, MQTT and the
 * `DENDRA` account with `users` (or, with `users` null, an open `DENDRA` account as the no-auth
 * user: only for benches that measure the engine without auth). Never throws.
 */
export function natsNodeConfig(n: NodeConfig, users: string[] | null): string {
  const tls = n.tls ? `  tls { cert_file: ${q(n.tls.certFile)}, key_file: ${q(n.tls.keyFile)}, ca_file: ${q(n.tls.caFile)} }` : '';
  return [
    '# Generated by dendra (host/ops/src/mqtt/natsconf.ts).',
    `server_name: ${q(n.name)}`,
    `listen: "127.0.0.1:${n.ports.client}"`,
    `http: "127.0.0.1:${n.ports.http}"`,
    ...(n.tls ? [`tls { cert_file: ${q(n.tls.certFile)}, key_file: ${q(n.tls.keyFile)}, ca_file: ${q(n.tls.caFile)} }`] : []),
    'max_payload: 1048576',
    `jetstream { store_dir: ${q(n.storeDir)} }`,
    ...(n.routes.length > 1 ? [
      'cluster {',
      '  name: "dendra"',
      `  listen: "127.0.0.1:${n.ports.route}"`,
      `  routes: ${list(n.routes.filter((p) => p !== n.ports.route).map((p) => `nats-route://127.0.0.1:${p}`))}`,
      '}',
    ] : []),
    'mqtt {',
    `  listen: "127.0.0.1:${n.ports.mqtt}"`,
    `  stream_replicas: ${n.replicas}`,
    '  ack_wait: "2s"',
    '  max_ack_pending: 1000',
    ...(tls ? [tls] : []),
    '}',
    'accounts {',
    `  ${NATS_ACCOUNT}: {`,
    '    jetstream: enabled',
    ...(users ? ['    users: [', ...users, '    ]'] : ['    users: [ { user: "dendra-open", password: "open" } ]']),
    '  }',
    '  SYS: {}',
    '}',
    'system_account: SYS',
    ...(users ? [] : ['no_auth_user: "dendra-open"']),
    '',
  ].join('\n');
}
