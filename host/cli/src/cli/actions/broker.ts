/**
 * `dendra broker`: the embedded MQTT broker (aedes) on loopback until Ctrl-C, or a real mosquitto
 * (`--mosquitto`), optionally secured with per-device passwords and an ACL (`--secure --dir DIR`),
 * plus a TLS listener with a local CA made in DIR (`--tls`, `--tls-port`), or a cluster of
 * nats-server nodes (`--cluster N`, MQTT on JetStream, always secured; docs/mqtt.md).
 */
import { intOpt, portOpt, printJson } from '@dendra/core/run.ts';
import { startBroker, startMosquitto, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { startSecureMosquitto, type DeviceAccount } from '@dendra/ops/mqtt/secure.ts';
import { DendraError } from '@dendra/core/errors.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import path from 'node:path';
import { startCluster, type ClusterHandle } from '@dendra/ops/mqtt/cluster.ts';

/** Options of `dendra broker`. */
export interface BrokerOpts {
  cluster?: string;
  engine?: string;
  shareGroup?: string[];
  port: string;
  host: string;
  json?: boolean;
  mosquitto?: boolean;
  secure?: boolean;
  dir?: string;
  device?: string[];
  operator?: string[];
  persistence?: boolean;
  tls?: boolean;
  tlsPort: string;
}

const usage = (m: string) => new DendraError('E_USAGE', m, 2);

/** Parses `--device site/device` entries. @throws {DendraError} `E_USAGE` for a malformed entry. */
function deviceAccounts(list: string[] = []): DeviceAccount[] {
  return list.map((s) => {
    const [site, device, ...rest] = s.split('/');
    if (!site || !device || rest.length) throw usage(`--device takes <site>/<device>, got ${JSON.stringify(s)}`);
    return { site, device };
  });
}

/** Starts the broker the options ask for. @throws {DendraError} for bad option combinations, BrokerError from the broker. */
async function start(opts: BrokerOpts): Promise<BrokerHandle & { credentialsFile?: string; tlsUrl?: string; caFile?: string }> {
  const port = portOpt('--port', opts.port, 1883);
  if (opts.tls && !opts.secure) throw usage('--tls needs --mosquitto --secure --dir DIR');
  if (opts.secure && !opts.mosquitto) throw usage('--secure needs --mosquitto (aedes has no ACL here)');
  if (!opts.mosquitto) {
    if (opts.dir || opts.persistence) throw usage('--dir and --persistence need --mosquitto');
    return startBroker({ port, host: opts.host });
  }
  if (opts.host !== '127.0.0.1') throw usage('--mosquitto listens on 127.0.0.1 only');
  if (!opts.secure) return startMosquitto({ port, dir: opts.dir, persistence: opts.persistence });
  if (!opts.dir) throw usage('--secure needs --dir DIR (for passwd, acl, credentials.json)');
  return startSecureMosquitto({
    port,
    dir: opts.dir,
    persistence: opts.persistence,
    tls: opts.tls,
    tlsPort: opts.tls ? portOpt('--tls-port', opts.tlsPort, 8883) : undefined,
    devices: deviceAccounts(opts.device),
    operators: (opts.operator ?? ['ops']).map((name) => ({ name })),
  });
}

/** Checks the --cluster options. @throws {DendraError} `E_USAGE` */
function clusterSize(opts: BrokerOpts): number {
  const n = intOpt('--cluster', opts.cluster!, 3, 1);
  if (n > 5) throw usage('--cluster takes 1-5 nodes');
  if ((opts.engine ?? 'nats') !== 'nats') throw usage(`--engine ${JSON.stringify(opts.engine)} is not supported: the cluster engine is nats (nats-server, MQTT on JetStream; see docs/mqtt.md)`);
  if (opts.mosquitto || opts.secure || opts.persistence) throw usage('--cluster does not take --mosquitto, --secure or --persistence (the cluster is always secured and persistent)');
  if (opts.host !== '127.0.0.1') throw usage('--cluster listens on 127.0.0.1 only');
  return n;
}

/** Starts the cluster, prints where it is, waits for Ctrl-C. @throws DendraError (one line): bad option, a node that does not start. */
async function runCluster(opts: BrokerOpts): Promise<void> {
  const n = clusterSize(opts);
  const port = portOpt('--port', opts.port, 1883);
  const c: ClusterHandle = await startCluster({
    nodes: n,
    dir: opts.dir ?? path.join(REPO_ROOT, '.dendra', 'cluster'),
    devices: deviceAccounts(opts.device),
    operators: (opts.operator ?? ['ops']).map((name) => ({ name })),
    tls: opts.tls,
    shareGroups: opts.shareGroup,
    ...(port === 0 ? {} : { mqttPorts: Array.from({ length: n }, (_, i) => port + i) }),
  });
  const broker = c.mqttUrls.join(',');
  const nats = c.natsUrls.join(',');
  if (opts.json) printJson({ urls: c.mqttUrls, broker, nats, nodes: c.nodes.map((x) => ({ name: x.name, mqtt: x.mqttUrl, nats: x.natsUrl })), dir: c.dir, credentials: c.credentialsFile, ...(c.caFile ? { ca: c.caFile } : {}) });
  else {
    console.log(`cluster of ${n} nats-server nodes (MQTT on JetStream, sessions and retained messages on ${Math.min(n, 3)} replicas; Ctrl-C to stop)`);
    for (const x of c.nodes) console.log(`  ${x.name}  ${x.mqttUrl}  (NATS ${x.natsUrl})`);
    console.log(`devices and operators: --broker ${broker}`);
    console.log(`share groups (${(opts.shareGroup ?? ['ops']).join(', ')}): dendra alerts --share <group> --nats ${nats}`);
    console.log(`credentials (keep private): ${c.credentialsFile}`);
    if (c.caFile) console.log(`TLS on every listener; clients trust the CA ${c.caFile}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => void c.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * `dendra broker`: starts the broker (or with --cluster the nats-server cluster) and runs until
 * SIGINT/SIGTERM. @throws DendraError (one line): bad option combination, BrokerError.
 */
export async function brokerAction(opts: BrokerOpts): Promise<void> {
  if (opts.cluster !== undefined) return runCluster(opts);
  if ((opts.engine ?? 'nats') !== 'nats' || opts.shareGroup) throw usage('--engine and --share-group need --cluster <n>');
  const b = await start(opts);
  if (opts.json) printJson({ url: b.url, port: b.port, ...(b.credentialsFile ? { credentials: b.credentialsFile } : {}), ...(b.tlsUrl ? { tlsUrl: b.tlsUrl, ca: b.caFile } : {}) });
  else {
    const kind = opts.mosquitto ? `mosquitto${opts.secure ? ', secured' : ''}` : 'aedes';
    console.log(`broker listening on ${b.url} (${kind}; Ctrl-C to stop)`);
    if (b.credentialsFile) console.log(`credentials (keep private): ${b.credentialsFile}`);
    if (b.tlsUrl) console.log(`TLS listener on ${b.tlsUrl}; clients trust the CA ${b.caFile}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => void b.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
