/**
 * `dendra broker`: the embedded MQTT broker (aedes) on loopback until Ctrl-C, or a real mosquitto
 * (`--mosquitto`), optionally secured with per-device passwords and an ACL (`--secure --dir DIR`),
 * plus a TLS listener with a local CA made in DIR (`--tls`, `--tls-port`).
 */
import type { Command } from 'commander';
import { action, portOpt, printJson } from '@dendra/core/run.ts';
import { startBroker, startMosquitto, type BrokerHandle } from '@dendra/ops/mqtt/broker.ts';
import { startSecureMosquitto, type DeviceAccount } from '@dendra/ops/mqtt/secure.ts';
import { DendraError } from '@dendra/core/errors.ts';

interface BrokerOpts {
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

/** Registers the command. */
export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run an MQTT broker on loopback until Ctrl-C: the embedded aedes (3.1.1) or mosquitto (--mosquitto, optionally --secure)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '1883')
    .option('--host <addr>', 'interface to bind (aedes)', '127.0.0.1')
    .option('--mosquitto', 'run the installed mosquitto instead of aedes')
    .option('--secure', 'mosquitto with per-device passwords and an ACL; anonymous clients refused')
    .option('--dir <dir>', 'directory for mosquitto.conf, passwd, acl, credentials.json and the persistence db')
    .option('--device <site/device...>', 'device accounts (username <site>/<device>)')
    .option('--operator <name...>', 'operator accounts (default: ops)')
    .option('--persistence', 'mosquitto keeps sessions and queued QoS 1 messages in DIR across restarts')
    .option('--tls', 'with --secure: also a TLS listener; a local CA (ca.crt) and server certificate are made in DIR with openssl')
    .option('--tls-port <n>', 'TLS port (0 picks a free one)', '8883')
    .option('--json', 'print the broker URL (and credentials file) as JSON')
    .action(action(async (opts: BrokerOpts) => {
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
    }));
}
