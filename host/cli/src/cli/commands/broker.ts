/** `dendra broker` (definition; the work is in ../actions/broker.ts): an MQTT broker on loopback. */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';

/** Registers the command. */
export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run an MQTT broker on loopback until Ctrl-C: the embedded aedes (3.1.1), mosquitto (--mosquitto, optionally --secure), or a nats-server cluster (--cluster n)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '1883')
    .option('--host <addr>', 'interface to bind (aedes)', '127.0.0.1')
    .option('--mosquitto', 'run the installed mosquitto instead of aedes')
    .option('--secure', 'mosquitto with per-device passwords and an ACL; anonymous clients refused')
    .option('--dir <dir>', 'directory for mosquitto.conf, passwd, acl, credentials.json and the persistence db')
    .option('--device <site/device...>', 'device accounts (username <site>/<device>)')
    .option('--operator <name...>', 'operator accounts (default: ops)')
    .option('--persistence', 'mosquitto keeps sessions and queued QoS 1 messages in DIR across restarts')
    .option('--tls', 'with --secure: also a TLS listener (with --cluster: every listener speaks TLS); a local CA (ca.crt) and server certificate are made in DIR with openssl')
    .option('--tls-port <n>', 'TLS port (0 picks a free one)', '8883')
    .option('--cluster <n>', 'a cluster of n nodes (1-5) of the clustered engine on 127.0.0.1, MQTT ports --port, --port+1, ...; secured with --device/--operator accounts, optionally --tls; data in --dir (default .dendra/cluster)')
    .option('--engine <name>', 'with --cluster: the engine (nats)', 'nats')
    .option('--share-group <name...>', 'with --cluster: share groups to create on the alert stream (default: ops)')
    .option('--json', 'print the broker URL (and credentials file) as JSON')
    .action(lazyAction(() => import('../actions/broker.ts'), (m) => m.brokerAction));
}
