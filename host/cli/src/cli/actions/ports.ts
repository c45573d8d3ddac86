/** `dendra ports` (the work; the definition is ../commands/ports.ts). */
import { printJson } from '@dendra/core/run.ts';
import { formatPorts, listPortInfo } from '@dendra/device/flash/ports.ts';

/** Lists the ports (text or --json). @throws DendraError `E_PORT_LIST` when they cannot be listed. */
export async function portsAction(opts: { json?: boolean }): Promise<void> {
  const ports = await listPortInfo();
  if (opts.json) return printJson(ports);
  for (const line of formatPorts(ports)) console.log(line);
}
