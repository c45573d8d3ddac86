/**
 * TLS for a loopback mosquitto with a local CA made by the `openssl` CLI: {@link createLocalCa}
 * writes a CA and a server certificate for `127.0.0.1` / `localhost` into a directory;
 * {@link tlsFailure} turns a client-side TLS error into one line. The secured broker
 * (`startSecureMosquitto({ tls: true })`, secure.ts) uses both; clients connect with
 * `mqtts://127.0.0.1:<tlsPort>` and `ca: readFileSync(caFile)`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BrokerError } from './errors.ts';

/** Where openssl is looked for, in order. */
export const OPENSSL_PATHS = ['/usr/bin/openssl', '/usr/local/bin/openssl', '/bin/openssl'];

/** Path of an installed openssl binary, or `null`. Never throws. */
export function findOpenssl(): string | null {
  return OPENSSL_PATHS.find((p) => existsSync(p)) ?? null;
}

/** The files of a local CA (all PEM). */
export interface LocalCa {
  /** CA certificate: give it to clients (`ca`) and to mosquitto (`cafile`). */
  caFile: string;
  /** CA private key (mode 0600; never read by mosquitto; keep it private). */
  caKeyFile: string;
  /** Server certificate, CN 127.0.0.1, SAN IP:127.0.0.1 + DNS:localhost, signed by the CA. */
  certFile: string;
  /** Server private key (mode 0600; readable by the broker's user after chown). */
  keyFile: string;
  /** True if existing files were kept instead of made. */
  reused: boolean;
}

/** File names inside the directory. */
export const TLS_FILES = { ca: 'ca.crt', caKey: 'ca.key', cert: 'server.crt', key: 'server.key' } as const;

/** Options for {@link createLocalCa}. */
export interface LocalCaOptions {
  /** Path of openssl (default {@link findOpenssl}). */
  opensslBin?: string;
  /** Validity of the server certificate, days (default 825; the CA gets 3650). */
  days?: number;
  /** Keep an existing CA and server certificate in `dir` (default true). */
  reuse?: boolean;
}

/** Runs openssl with `args`; rejects with a one-line BrokerError naming the step. */
function openssl(bin: string, args: string[], step: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', (e) => reject(new BrokerError('E_TLS_SETUP', `cannot run ${bin}: ${e.message}`)));
    child.once('exit', (code) => code === 0 ? resolve()
      : reject(new BrokerError('E_TLS_SETUP', `openssl failed to ${step} (exit ${code})${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}`)));
  });
}

/**
 * Makes a local CA (P-256, `CN=Dendra local CA`) and a server certificate for 127.0.0.1 and
 * localhost signed by it, in `dir` (created if missing; keys mode 0600). With `reuse` (default) an
 * existing `ca.crt` + `server.crt` + keys in `dir` are kept, so clients provisioned with the CA keep
 * working across broker restarts.
 * @throws {BrokerError} `E_NO_OPENSSL` ("openssl not found ...; apt-get install openssl") if the
 *   binary is missing, `E_TLS_SETUP` (the failing step and openssl's first error line) otherwise.
 */
export async function createLocalCa(dir: string, o: LocalCaOptions = {}): Promise<LocalCa> {
  const f = {
    caFile: join(dir, TLS_FILES.ca), caKeyFile: join(dir, TLS_FILES.caKey),
    certFile: join(dir, TLS_FILES.cert), keyFile: join(dir, TLS_FILES.key),
  };
  if ((o.reuse ?? true) && Object.values(f).every((p) => existsSync(p))) return { ...f, reused: true };
  const bin = o.opensslBin ?? findOpenssl();
  if (!bin || !existsSync(bin)) {
    throw new BrokerError('E_NO_OPENSSL', `openssl not found (looked in ${(o.opensslBin ? [o.opensslBin] : OPENSSL_PATHS).join(', ')}; apt-get install openssl)`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(bin, ['req', '-x509', ...ec, '-keyout', f.caKeyFile, '-out', f.caFile, '-days', '3650', '-subj', '/CN=Dendra local CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], 'create the CA');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await openssl(bin, ['req', ...ec, '-keyout', f.keyFile, '-out', csr, '-subj', '/CN=127.0.0.1'], 'create the server key');
  await writeFile(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost', ''].join('\n'));
  try {
    await openssl(bin, ['x509', '-req', '-in', csr, '-CA', f.caFile, '-CAkey', f.caKeyFile, '-CAcreateserial', '-out', f.certFile,
      '-days', String(o.days ?? 825), '-extfile', ext], 'sign the server certificate');
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
    await rm(join(dir, 'ca.srl'), { force: true });
  }
  await chmod(f.caKeyFile, 0o600);
  await chmod(f.keyFile, 0o600);
  return { ...f, reused: false };
}

/** mosquitto.conf lines for a TLS listener on `host:port` using `ca` (no client certificates). */
export function tlsListenerConfig(ca: Pick<LocalCa, 'caFile' | 'certFile' | 'keyFile'>, port: number, host = '127.0.0.1'): string[] {
  return [`listener ${port} ${host}`, `cafile ${ca.caFile}`, `certfile ${ca.certFile}`, `keyfile ${ca.keyFile}`, 'require_certificate false', 'tls_version tlsv1.2'];
}

/** Node/OpenSSL error codes that mean "the TLS handshake failed" (certificate or protocol). */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|HOSTNAME_MISMATCH|EPROTO$)/;

/**
 * One line for a client-side TLS failure (`e.code` like `SELF_SIGNED_CERT_IN_CHAIN`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, `EPROTO`), or `null` if `e` is not one. Never throws.
 */
export function tlsFailure(url: string, e: Error & { code?: unknown }): string | null {
  if (typeof e.code !== 'string' || !TLS_CODES.test(e.code)) return null;
  const hint = /SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(e.code) ? ' (is the broker\'s CA passed as `ca`?)' : '';
  return `TLS handshake with ${url} failed: ${e.code}: ${e.message.split('\n')[0]}${hint}`;
}
