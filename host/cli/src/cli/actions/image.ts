/**
 * Signed images (docs/image-format.md): `dendra keys new`, `dendra sign`, `dendra verify` (the
 * work; the definitions are ../commands/image.ts).
 * Errors are one line (`dendra: ...`) with a non-zero exit; `--json` prints one JSON document.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isWasm } from '@dendra/device/flash/firmware.ts';
import { DendraError, InputError, UsageError } from '@dendra/core/errors.ts';
import { formatVersion, HEADER_LEN, ImageType, parseVersion, SIG_LEN, type ImageHeader, type ImageTypeName } from '@dendra/device/image/format.ts';
import { generateKeyPair, readPrivateKeyFile, readPublicKeyFile, toHex, writeKeyPair } from '@dendra/device/image/keys.ts';
import { signImage } from '@dendra/device/image/sign.ts';
import { verifyImage } from '@dendra/device/image/verify.ts';
import { intOpt, printJson, reportError } from '@dendra/core/run.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';

/** Reads a whole file, or throws InputError `E_INPUT` with one line. */
function readInput(file: string, what: string, maxBytes?: number): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as Error).message;
    throw new InputError('E_INPUT', `${what} ${file}: ${msg}`, file);
  }
  if (maxBytes !== undefined && size > maxBytes) {
    throw new InputError('E_IMAGE_TOO_BIG', `${what} ${file} is ${size} bytes, at most ${maxBytes} accepted`, file);
  }
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError('E_INPUT', `cannot read ${what} ${file}: ${(e as Error).message}`, file);
  }
}

function headerJson(h: ImageHeader): Record<string, unknown> {
  return {
    formatVersion: h.formatVersion,
    type: h.type,
    family: h.family,
    version: formatVersion(h.version),
    payloadBytes: h.payloadLength,
    sha256: toHex(h.sha256),
    kid: toHex(h.kid),
  };
}

/** Options of `dendra keys new`. */
export interface KeysNewOpts { out: string; name: string; json?: boolean }

/** `dendra keys new`. @throws InputError (one line) when a key file exists or cannot be written. */
export function keysNew(opts: KeysNewOpts): void {
  const key = generateKeyPair();
  const paths = writeKeyPair(opts.out, opts.name, key);
  if (opts.json) return printJson({ kid: toHex(key.kid), public: toHex(key.publicKey), ...paths });
  console.log(`new ed25519 key ${toHex(key.kid)}`);
  console.log(`  public  ${paths.publicPath}  (give to boards / dendra verify --pubkey)`);
  console.log(`  private ${paths.privatePath}  (mode 0600; keep secret, dendra sign --key)`);
}

/** Options of `dendra sign`. */
/**
 * The family to sign for: `--family`, checked against the `--board`'s family (boards/: its
 * `family`, by default its SoC's name, e.g. `sim-soc` for the sim board) when both are given, or
 * the board's family when only `--board` is.
 * @throws UsageError when neither is given, for an unknown board, or when they disagree.
 */
export function signFamily(opts: { family?: string; board?: string }): string {
  if (opts.board === undefined) {
    if (opts.family === undefined) throw new UsageError('sign needs --family <family> or --board <name> (the board family the image is for)');
    return opts.family;
  }
  const want = boardFamily(loadBoard(opts.board));
  if (opts.family !== undefined && opts.family !== want) {
    throw new UsageError(`--family ${opts.family} does not match board ${opts.board}, whose family is ${want} (its board would refuse the image)`);
  }
  return want;
}

export interface SignOpts { key: string; type: string; family?: string; board?: string; version: string; out?: string; force?: boolean; json?: boolean }

/** `dendra sign`. @throws UsageError / InputError (one line). */
export function signCmd(payloadFile: string, opts: SignOpts): void {
  if (!(opts.type in ImageType)) throw new UsageError(`option --type must be model or firmware, got '${opts.type}'`);
  const family = signFamily(opts);
  const version = parseVersion(opts.version);
  const out = opts.out ?? `${payloadFile}.dimg`;
  if (existsSync(out) && !opts.force) throw new InputError('E_OUTPUT_EXISTS', `${out} already exists (pass --force to replace it, or --out FILE)`, out);
  const key = readPrivateKeyFile(opts.key);
  const payload = readInput(payloadFile, 'payload', 0xffff_ffff);
  if (payload.length === 0) throw new InputError('E_IMAGE_EMPTY', `payload ${payloadFile} is empty`, payloadFile);
  if (opts.type === 'firmware' && !isWasm(payload)) {
    throw new InputError('E_NOT_FIRMWARE', `payload ${payloadFile} is not a WebAssembly module: a firmware image wraps the firmware .wasm`, payloadFile);
  }
  if (opts.type === 'model' && isWasm(payload)) {
    throw new InputError('E_NOT_TFLITE', `payload ${payloadFile} is a WebAssembly module: sign it with --type firmware`, payloadFile);
  }
  const image = signImage(payload, { type: opts.type as ImageTypeName, family, version }, key);
  const header = verifyImage(image, { trustedKeys: [key] }); // self-check before anything is written
  try {
    writeFileSync(out, image, { flag: opts.force ? 'w' : 'wx' });
  } catch (e) {
    throw new InputError('E_INPUT', `cannot write ${out}: ${(e as Error).message}`, out);
  }
  if (opts.json) return printJson({ image: out, bytes: image.length, ...headerJson(header) });
  console.log(`signed ${out}: ${header.type} ${header.family} ${formatVersion(header.version)}, ${image.length} B, key ${toHex(header.kid)}`);
}

/** Options of `dendra verify`. */
export interface VerifyOpts { pubkey: string[]; family?: string; maxBytes?: string; minVersion?: string; json?: boolean }

function verifyCmd(imageFile: string, opts: VerifyOpts): void {
  const trustedKeys = opts.pubkey.map((f) => readPublicKeyFile(f));
  const maxBytes = opts.maxBytes === undefined ? undefined : intOpt('--max-bytes', opts.maxBytes, 0, 1);
  const minVersion = opts.minVersion === undefined ? undefined : parseVersion(opts.minVersion);
  const fileCap = maxBytes === undefined ? undefined : maxBytes + HEADER_LEN + SIG_LEN;
  const bytes = readInput(imageFile, 'image', fileCap);
  const header = verifyImage(bytes, { trustedKeys, family: opts.family, maxBytes, minVersion });
  if (opts.json) return printJson({ ok: true, image: imageFile, ...headerJson(header) });
  console.log(`OK ${imageFile}: ${header.type} for ${header.family} ${formatVersion(header.version)}, ${header.payloadLength} B payload, key ${toHex(header.kid)}`);
}

/** `dendra verify`; for --json a refusal is also printed as `{"ok":false,code,message}` on stdout, then reported. Never throws. */
export function verifyAction(imageFile: string, opts: VerifyOpts): void {
  try {
    verifyCmd(imageFile, opts);
  } catch (err) {
    if (opts.json && err instanceof DendraError) printJson({ ok: false, image: imageFile, code: err.code, message: err.message });
    reportError(err);
  }
}
