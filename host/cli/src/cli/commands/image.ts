/**
 * Signed images (docs/image-format.md): `dendra keys new`, `dendra sign`, `dendra verify`
 * (definitions; the work is in ../actions/image.ts).
 */
import type { Command } from 'commander';
import { lazyAction } from '../lazy.ts';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * Registers `keys new`, `sign` and `verify` on `program`. Never throws at run time: every failure is
 * printed as one line and sets a non-zero exit code (2 usage, 1 input/verification, 70 bug).
 *
 * Needs `program.enablePositionalOptions()` (main.ts sets it): otherwise the program's own
 * `--version` would swallow `dendra sign ... --version 1.2.3`.
 */
export function registerImage(program: Command): void {
  const keys = program.command('keys').description('manage image signing keys (ed25519)');
  keys
    .command('new')
    .description('make a new signing key pair: NAME.pub.json and NAME.key.json (0600); never overwrites')
    .option('--out <dir>', 'directory for the key files', 'keys')
    .option('--name <name>', 'base name of the key files', 'dendra')
    .option('--json', 'print JSON for scripts')
    .action(lazyAction(() => import('../actions/image.ts'), (m) => m.keysNew));

  program
    .command('sign')
    .description('sign a payload (model or firmware) into a Dendra image (.dimg)')
    .argument('<payload>', 'payload file, e.g. a .tflite model')
    .requiredOption('--key <file>', 'private key file (NAME.key.json)')
    .requiredOption('--type <type>', 'model or firmware')
    .option('--family <family>', 'board family the image is for: the board\'s family in boards/ (sim-soc for the sim board)')
    .option('--board <name>', 'board in boards/ the image is for: sets --family to its family, or checks that --family matches it')
    .requiredOption('--version <x.y.z>', 'image version (semver triple)')
    .option('--out <file>', 'output image (default <payload>.dimg)')
    .option('--force', 'replace an existing output image')
    .option('--json', 'print JSON for scripts')
    .action(lazyAction(() => import('../actions/image.ts'), (m) => m.signCmd));

  program
    .command('verify')
    .description('check a Dendra image: structure, hash, trusted key, signature, family, size, version')
    .argument('<image>', 'image file (.dimg)')
    .requiredOption('--pubkey <file>', 'trusted public key file (repeat for several)', collect)
    .option('--family <family>', 'required board family')
    .option('--max-bytes <n>', 'largest accepted payload (slot size)')
    .option('--min-version <x.y.z>', 'refuse images older than this (downgrade)')
    .option('--json', 'print JSON for scripts')
    .action(lazyAction(() => import('../actions/image.ts'), (m) => m.verifyAction));
}
