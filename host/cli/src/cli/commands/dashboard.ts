/** `dendra dashboard`: the live web page of devices, telemetry and alerts (see host/ops/src/dashboard/). */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { action, portOpt, printJsonLine } from '@dendra/core/run.ts';
import { startDashboard, isLoopback } from '@dendra/ops/dashboard/server.ts';
import { waitForPort } from '@dendra/ops/mqtt/broker.ts';
import { parseBrokerUrl } from '@dendra/ops/dashboard/bridge.ts';

interface DashboardOpts {
  broker?: string;
  port: string;
  host: string;
  brokerPort: string;
  open?: boolean;
  json?: boolean;
}

/** Opens `url` in the desktop's browser; failures are reported on stderr, never thrown. */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]]
      : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', (e) => process.stderr.write(`dendra: cannot open a browser (${cmd}: ${e.message}); open ${url} yourself\n`));
    child.unref();
  } catch (e) {
    process.stderr.write(`dendra: cannot open a browser (${(e as Error).message}); open ${url} yourself\n`);
  }
}

/** Registers the command. */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve a live web dashboard (devices, telemetry chart, alerts, risk heat map) on loopback until Ctrl-C')
    .option('--broker <url>', 'MQTT broker to watch (mqtt:// or mqtts://); default: start the embedded broker')
    .option('--port <n>', 'HTTP port of the page (0 picks a free one)', '8080')
    .option('--host <addr>', 'interface to bind (default loopback only)', '127.0.0.1')
    .option('--broker-port <n>', 'port of the embedded broker when --broker is not given (0 picks a free one)', '1883')
    .option('--open', 'open the page in the default browser')
    .option('--json', 'print {"url","broker"} as one JSON line')
    .action(action(async (opts: DashboardOpts) => {
      if (opts.broker !== undefined) parseBrokerUrl(opts.broker); // one-line usage error before binding anything
      const d = await startDashboard({
        broker: opts.broker,
        port: portOpt('--port', opts.port, 8080),
        host: opts.host,
        brokerPort: portOpt('--broker-port', opts.brokerPort, 1883),
      });
      if (opts.json) {
        printJsonLine({ url: d.url, broker: d.brokerUrl });
      } else {
        console.log(`dashboard   ${d.url}  (Ctrl-C to stop)`);
        console.log(`broker      ${d.brokerUrl}${d.embedded ? ' (embedded aedes: point boards here, e.g. dendra sim --broker ' + d.brokerUrl + ')' : ''}`);
      }
      if (!isLoopback(opts.host)) process.stderr.write(`dendra: warning: the dashboard is reachable from the network on ${opts.host} (no authentication)\n`);
      if (!d.embedded) {
        const t = parseBrokerUrl(d.brokerUrl);
        if (!(await waitForPort(t.host, t.port, 2000))) {
          process.stderr.write(`dendra: warning: broker ${d.brokerUrl} does not answer yet; the page keeps retrying\n`);
        }
      }
      if (opts.open) openBrowser(d.url);
      await new Promise<void>((resolve) => {
        const stop = () => void d.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }));
}
