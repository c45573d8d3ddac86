/**
 * A Dendra MQTT cluster on loopback: N nats-server nodes (default 3) with MQTT on JetStream,
 * per-device accounts and permissions (natsconf.ts), optional TLS from the local CA of tls.ts, and
 * the JetStream stream + share groups that let several operators split the alert stream (share.ts).
 * {@link startCluster} starts it and waits until every node is healthy; each node can be killed
 * (`kill -9`) and started again on the same ports and data, as the failover test and bench do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AckPolicy, DeliverPolicy, StorageType, connect as natsConnect, nanos, type NatsConnection } from 'nats';
import { BrokerError } from './errors.ts';
import { freePort, waitForPort } from './broker.ts';
import { accounts, type DeviceAccount, type OperatorAccount, type SecureCredentials } from './secure.ts';
import { createLocalCa } from './tls.ts';
import { ADMIN_USER, ALERT_STREAM, ALERT_SUBJECTS, natsIdProblem, natsNodeConfig, permissionsText, type NodePorts } from './natsconf.ts';
import { randomBytes } from 'node:crypto';

/** Where nats-server is looked for, in order (Debian: /usr/bin/nats-server). */
export const NATS_SERVER_PATHS = ['/usr/bin/nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server'];

/** Path of an installed nats-server, or null. Never throws. */
export function findNatsServer(): string | null {
  return NATS_SERVER_PATHS.find((p) => existsSync(p)) ?? null;
}

/** Options for {@link startCluster}. */
export interface ClusterOptions {
  /** Nodes, 1-5 (default 3). */
  nodes?: number;
  /** Directory for configs, JetStream stores, credentials.json and the CA. Default: a temp dir removed by `close()`. */
  dir?: string;
  devices: DeviceAccount[];
  operators: OperatorAccount[];
  /** No accounts at all (anonymous, full access): benches that measure the engine only. Default false. */
  open?: boolean;
  /** MQTT and NATS client listeners speak TLS with a local CA made in `dir` (default false). */
  tls?: boolean;
  /** Share groups (durable consumers on the alert stream) to create; default `['ops']`. */
  shareGroups?: string[];
  /** Path of nats-server (default {@link findNatsServer}). */
  bin?: string;
  /** MQTT port of each node (default: free ports); the other ports are always picked free. */
  mqttPorts?: number[];
  /** How long to wait for each node to be healthy, ms (default 20000). */
  startTimeoutMs?: number;
}

/** One node of a running cluster. */
export interface ClusterNode {
  readonly name: string;
  readonly ports: NodePorts;
  /** `mqtt://127.0.0.1:<port>` (`mqtts://` with TLS). */
  readonly mqttUrl: string;
  /** `nats://127.0.0.1:<port>` (`tls://` with TLS). */
  readonly natsUrl: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** Kills the process (default SIGKILL, as `kill -9`) and waits for its exit. Never rejects. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts the node again on the same ports and store; resolves when it listens and its JetStream
   * is enabled (it catches up with the other nodes afterwards).
   * @throws {BrokerError} `E_BROKER_START` with nats-server's last line if it does not come up.
   */
  start(): Promise<void>;
}

/** A running cluster. */
export interface ClusterHandle {
  nodes: ClusterNode[];
  /** Every node's MQTT URL (give them all to clients: they fail over between them). */
  mqttUrls: string[];
  natsUrls: string[];
  /** Accounts (empty when `open`). */
  credentials: SecureCredentials;
  /** `<dir>/credentials.json` (mode 0600; devices, operators and the admin), or undefined when open. */
  credentialsFile?: string;
  /** With TLS: the CA clients trust. */
  caFile?: string;
  dir: string;
  /** Stops every node (SIGTERM, SIGKILL after 3 s) and removes a temp `dir`. Never rejects. */
  close(): Promise<void>;
}

/** Stops a child: `signal`, then SIGKILL after `graceMs`; resolves on exit. */
function stop(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(t); r(); });
    child.kill(signal);
  });
}

/**
 * Resolves true once `GET /healthz` on the node answers 200, false after `timeoutMs`. `jsOnly`
 * (a restart): JetStream is enabled; its streams and the MQTT sessions' consumers catch up from the
 * other nodes afterwards, which the full check waits for (tens of seconds with many sessions).
 */
async function healthy(httpPort: number, timeoutMs: number, alive: () => boolean, jsOnly: boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    try {
      const r = await fetch(`http://127.0.0.1:${httpPort}/healthz${jsOnly ? '?js-enabled-only=true' : ''}`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Node processes alive in this process: killed if it exits without closing its cluster. */
const live = new Set<ChildProcess>();
let exitHook = false;

/** One node process and its restart. */
class Node implements ClusterNode {
  private child: ChildProcess | null = null;
  private log = '';
  constructor(readonly name: string, readonly ports: NodePorts, private conf: string, private bin: string, private timeoutMs: number, private tls: boolean) {}
  get mqttUrl() { return `${this.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.ports.mqtt}`; }
  get natsUrl() { return `${this.tls ? 'tls' : 'nats'}://127.0.0.1:${this.ports.client}`; }
  get running() { return this.child !== null && this.child.exitCode === null && this.child.signalCode === null; }

  /** Spawns the process; `healthy` is awaited separately so that all nodes of a cluster start together. */
  spawn(): void {
    const child = spawn(this.bin, ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });
    }
    child.stderr?.on('data', (d: Buffer) => { this.log = (this.log + d.toString()).slice(-4000); });
    child.on('error', (e) => { this.log += `\n${e.message}`; });
    this.child = child;
  }

  async ready(restart = false): Promise<void> {
    const alive = () => this.running;
    const ok = (await waitForPort('127.0.0.1', this.ports.mqtt, this.timeoutMs)) && (await healthy(this.ports.http, this.timeoutMs, alive, restart));
    if (!ok || !alive()) {
      const last = this.log.trim().split('\n').filter((l) => /\[(ERR|FTL)\]/.test(l)).pop() ?? this.log.trim().split('\n').pop() ?? '';
      await this.kill();
      throw new BrokerError('E_BROKER_START', `nats-server node ${this.name} did not become healthy on 127.0.0.1:${this.ports.mqtt}${last ? `: ${last.replace(/^\[\d+\] \S+ \S+ /, '')}` : ''}`);
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.spawn();
    await this.ready(true);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child) await stop(this.child, signal, 3000);
  }
}

/**
 * `o` with the passwords of `<dir>/credentials.json` (a previous start) filled in for accounts that
 * give none, so provisioned devices keep working across restarts. Never throws (an unreadable file
 * means new passwords).
 */
async function withKeptPasswords(o: ClusterOptions, dir: string): Promise<ClusterOptions> {
  let old: SecureCredentials;
  try {
    old = JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8')) as SecureCredentials;
  } catch {
    return o;
  }
  const pw = new Map([...(old.devices ?? []), ...(old.operators ?? [])].map((a) => [a.username, a.password]));
  return {
    ...o,
    devices: o.devices.map((d) => ({ ...d, password: d.password ?? pw.get(`${d.site}/${d.device}`) })),
    operators: o.operators.map((op) => ({ ...op, password: op.password ?? pw.get(op.name) })),
  };
}

/** Checks the options and the ids this engine can carry. @throws {BrokerError}/{TopicError} */
function checkOptions(o: ClusterOptions): { n: number; creds: SecureCredentials; groups: string[] } {
  const n = o.nodes ?? 3;
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new BrokerError('E_BROKER_START', `a cluster has 1-5 nodes, not ${n}`);
  const creds = o.open ? { devices: [], operators: [] } : accounts(o);
  for (const d of creds.devices) {
    const p = natsIdProblem(d.site) ?? natsIdProblem(d.device);
    if (p) throw new BrokerError('E_BROKER_START', `device ${d.username}: ${p}`);
  }
  const groups = o.shareGroups ?? ['ops'];
  for (const g of groups) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(g)) throw new BrokerError('E_BROKER_START', `share group ${JSON.stringify(g.slice(0, 80))} must be 1-64 of A-Z a-z 0-9 _ -`);
  }
  return { n, creds, groups };
}

/**
 * Starts the cluster and waits until every node is healthy, then creates (or keeps) the alert
 * stream {@link ALERT_STREAM} (replicated on min(nodes, 3)) and one durable consumer per share group.
 * With a caller-given `dir`, a later start reuses its JetStream stores (sessions, retained
 * messages, queued alerts) and the passwords in its credentials.json; configs are rewritten.
 * @throws {BrokerError} `E_NO_NATS` if nats-server is missing ("apt-get install nats-server"),
 *   `E_BROKER_START` for bad options or a node that does not come up (the last line it printed),
 *   `E_NO_OPENSSL` / `E_TLS_SETUP` from the local CA; TopicError for a bad id.
 */
export async function startCluster(o: ClusterOptions): Promise<ClusterHandle> {
  const bin = o.bin ?? findNatsServer();
  if (!bin || !existsSync(bin)) throw new BrokerError('E_NO_NATS', `nats-server not found (looked in ${(o.bin ? [o.bin] : NATS_SERVER_PATHS).join(', ')}; apt-get install nats-server, or scripts/deps.sh)`);
  const ownDir = o.dir === undefined;
  const dir = resolve(o.dir ?? (await mkdtemp(join(tmpdir(), 'dendra-cluster-'))));
  const nodes: Node[] = [];
  const closeAll = async () => {
    await Promise.all(nodes.map((x) => x.kill('SIGTERM')));
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const { n, creds, groups } = checkOptions(await withKeptPasswords(o, dir));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const ca = o.tls ? await createLocalCa(join(dir, 'tls')) : undefined;
    const admin = { password: randomBytes(18).toString('base64url') };
    nodes.push(...(await writeNodes(o, dir, n, bin, ca, o.open ? null : permissionsText(creds, admin, groups))));
    for (const x of nodes) x.spawn();
    await Promise.all(nodes.map((x) => x.ready()));
    await setupStreams(nodes.map((x) => x.natsUrl), o.open ? undefined : { user: ADMIN_USER, pass: admin.password }, ca?.caFile, Math.min(n, 3), groups);
    let credentialsFile: string | undefined;
    if (!o.open) {
      credentialsFile = join(dir, 'credentials.json');
      await writeFile(credentialsFile, JSON.stringify({ ...creds, admin: { username: ADMIN_USER, password: admin.password } }, null, 2) + '\n', { mode: 0o600 });
    }
    let closing: Promise<void> | undefined;
    return {
      nodes, dir, credentials: creds, credentialsFile, caFile: ca?.caFile,
      mqttUrls: nodes.map((x) => x.mqttUrl), natsUrls: nodes.map((x) => x.natsUrl),
      close: () => (closing ??= closeAll()),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/**
 * Picks the ports (the given MQTT ports, the rest free) and writes one config per node.
 * @throws {BrokerError} `E_PORT_BUSY` for a taken MQTT port, `E_BROKER_START` for a wrong count.
 */
async function writeNodes(o: ClusterOptions, dir: string, n: number, bin: string, ca: { certFile: string; keyFile: string; caFile: string } | undefined, users: string[] | null): Promise<Node[]> {
  if (o.mqttPorts && o.mqttPorts.length !== n) throw new BrokerError('E_BROKER_START', `${o.mqttPorts.length} MQTT ports given for ${n} nodes`);
  const taken = new Set<number>();
  const pick = async () => { for (;;) { const p = await freePort(); if (!taken.has(p)) { taken.add(p); return p; } } };
  const ports: NodePorts[] = [];
  for (let i = 0; i < n; i++) {
    const mqtt = o.mqttPorts ? await freePort('127.0.0.1', o.mqttPorts[i]) : await pick();
    taken.add(mqtt);
    ports.push({ client: await pick(), route: await pick(), mqtt, http: await pick() });
  }
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) {
    const name = `n${i + 1}`;
    const conf = join(dir, `${name}.conf`);
    const text = natsNodeConfig({
      name, ports: ports[i], routes: ports.map((p) => p.route), storeDir: join(dir, name, 'jetstream'), replicas: Math.min(n, 3),
      ...(ca ? { tls: { certFile: ca.certFile, keyFile: ca.keyFile, caFile: ca.caFile } } : {}),
    }, users);
    await writeFile(conf, text, { mode: 0o600 });
    nodes.push(new Node(name, ports[i], conf, bin, o.startTimeoutMs ?? 20000, !!ca));
  }
  return nodes;
}

/** Creates the alert stream and the share groups' durable consumers if missing. @throws {BrokerError} `E_BROKER_START` */
async function setupStreams(servers: string[], auth: { user: string; pass: string } | undefined, caFile: string | undefined, replicas: number, groups: string[]): Promise<void> {
  let nc: NatsConnection | undefined;
  try {
    nc = await natsConnect({ servers, ...(auth ?? {}), ...(caFile ? { tls: { caFile } } : {}), timeout: 10000 });
    const jsm = await nc.jetstreamManager({ timeout: 10000 });
    const have = await jsm.streams.info(ALERT_STREAM).catch(() => null);
    if (!have) {
      await jsm.streams.add({ name: ALERT_STREAM, subjects: [ALERT_SUBJECTS], num_replicas: replicas, storage: StorageType.File, max_age: nanos(7 * 86_400_000), duplicate_window: nanos(120_000) });
    }
    for (const g of groups) {
      const c = await jsm.consumers.info(ALERT_STREAM, g).catch(() => null);
      if (!c) {
        await jsm.consumers.add(ALERT_STREAM, { durable_name: g, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(10_000), max_ack_pending: 20_000, num_replicas: replicas });
      }
    }
  } catch (e) {
    throw new BrokerError('E_BROKER_START', `cannot create the alert stream ${ALERT_STREAM} on the cluster: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await nc?.close().catch(() => {});
  }
}
