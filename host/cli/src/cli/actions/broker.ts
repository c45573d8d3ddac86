/**
 * `dendra broker`: the embedded MQTT broker (aedes) on loopback until Ctrl-C, or a real mosquitto
 * (`--mosquitto`), optionally secured with per-device passwords and an ACL (`--secure --dir DIR`),
 * plus a TLS listener with a local CA made in DIR (`--tls`, `--tls-port`).
 */
import { intOpt, printJson } from '@dendra/core/run.ts';
import { startBroker, startMosquitto, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { startSecureMosquitto, type DeviceAccount } from '@dendra/ops/mqtt/secure.ts';
import { DendraError } from '@dendra/core/errors.ts';

/** Options of `dendra broker`. */
export interface BrokerOpts {
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
  const port = intOpt('--port', opts.port, 1883);
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
    tlsPort: opts.tls ? intOpt('--tls-port', opts.tlsPort, 8883) : undefined,
    devices: deviceAccounts(opts.device),
    operators: (opts.operator ?? ['ops']).map((name) => ({ name })),
  });
}

/** `dendra broker`: starts the broker and runs until SIGINT/SIGTERM. @throws DendraError (one line): bad option combination, BrokerError. */
export async function brokerAction(opts: BrokerOpts): Promise<void> {
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
