/**
 * The `--ca <file>` option shared by the commands that connect to a broker (`sim`, `alerts`,
 * `cmd`): the CA certificate to trust for an `mqtts://` URL, e.g. the `ca.crt` that
 * `dendra broker --mosquitto --secure --tls` writes.
 */
import { readFileSync } from 'node:fs';
import { DendraError } from '@dendra/core/errors.ts';

/** Option flags and help text, so every command words it the same. */
export const CA_OPTION = ['--ca <file>', 'CA certificate to trust for an mqtts:// broker (the ca.crt of dendra broker --mosquitto --secure --tls)'] as const;

/**
 * `{ ca }` with the file's bytes, or `{}` when `file` is undefined.
 * @throws DendraError `E_USAGE` (exit 2) naming the file when it cannot be read or holds no PEM certificate.
 */
export function caOption(file: string | undefined): { ca?: Buffer } {
  if (file === undefined) return {};
  let ca: Buffer;
  try {
    ca = readFileSync(file);
  } catch (e) {
    throw new DendraError('E_USAGE', `--ca ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new DendraError('E_USAGE', `--ca ${file}: not a PEM certificate`, 2);
  return { ca };
}
