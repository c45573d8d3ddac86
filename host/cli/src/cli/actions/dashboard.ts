/** `dendra dashboard`: the live web page of devices, telemetry and alerts (see host/ops/src/dashboard/). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { portOpt, printJsonLine } from '@dendra/core/run.ts';
import { startDashboard, isLoopback } from '@dendra/ops/dashboard/server.ts';
import { waitForPort } from '@dendra/ops/mqtt/broker.ts';
import { parseBrokerList } from '@dendra/ops/dashboard/bridge.ts';
import { DendraError } from '@dendra/core/errors.ts';

/** Options of `dendra dashboard`. */
export interface DashboardOpts {
  broker?: string;
  port: string;
  host: string;
  brokerPort: string;
  open?: boolean;
  json?: boolean;
  clientId?: string;
}

/** Checks `--client-id`. @throws {DendraError} `E_USAGE` (exit 2) for an empty or over-long id, or one with spaces or control characters. */
function clientIdOpt(id: string | undefined): string | undefined {
  if (id !== undefined && !/^[\x21-\x7e]{1,64}$/.test(id)) throw new DendraError('E_USAGE', `--client-id must be 1-64 printable characters without spaces (got ${JSON.stringify(id.slice(0, 80))})`, 2);
  return id;
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

/**
 * `dendra dashboard`: serves the page until SIGINT/SIGTERM; `--broker` may list several brokers
 * (the bridge fails over between them). @throws DendraError (one line): bad broker URL or port.
 */
export async function dashboardAction(opts: DashboardOpts): Promise<void> {
  if (opts.broker !== undefined) parseBrokerList(opts.broker); // one-line usage error before binding anything
  const d = await startDashboard({
    broker: opts.broker,
    port: portOpt('--port', opts.port, 8080),
    host: opts.host,
    brokerPort: portOpt('--broker-port', opts.brokerPort, 1883),
    historyFile: path.join(process.cwd(), '.dendra', 'dashboard-history.json'),
    clientId: clientIdOpt(opts.clientId),
  });
  if (opts.json) {
    printJsonLine({ url: d.url, broker: d.brokerUrl });
  } else {
    console.log(`dashboard   ${d.url}  (Ctrl-C to stop)`);
    console.log(`broker      ${d.brokerUrl}${d.embedded ? ' (embedded aedes: point boards here, e.g. dendra sim --broker ' + d.brokerUrl + ')' : ''}`);
  }
  if (!isLoopback(opts.host)) process.stderr.write(`dendra: warning: the dashboard is reachable from the network on ${opts.host} (no authentication)\n`);
  if (!d.embedded) {
    const answers = await Promise.all(parseBrokerList(d.brokerUrl).map((t) => waitForPort(t.host, t.port, 2000)));
    if (!answers.some(Boolean)) {
      process.stderr.write(`dendra: warning: broker ${d.brokerUrl} does not answer yet; the page keeps retrying\n`);
    }
  }
  if (opts.open) openBrowser(d.url);
  await new Promise<void>((resolve) => {
    const stop = () => void d.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
