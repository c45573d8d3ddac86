#!/usr/bin/env node
/**
 * Compiles the `dendra` CLI (host/cli/src/cli/main.ts and every @dendra/* module it reaches) to
 * JavaScript with esbuild: one ES module per lazily loaded command action (code splitting), in
 * build/cli/ (or the directory given as the first argument). npm packages stay external: Node loads
 * them from node_modules at run time, as it does for the TypeScript sources.
 *
 * Two rewrites keep the compiled code equivalent to the sources:
 * - `import.meta.url` in a host source file becomes that source file's URL, computed relative to
 *   the output file (so a module that finds its neighbours - repository root, schemas, the
 *   dashboard page - still finds them, and the build stays relocatable with the clone);
 * - `inputs.json` lists every source file compiled in, so bin/dendra.js can tell a stale build
 *   (a source newer than the build) and run the sources instead.
 *
 * Exit 1 with esbuild's messages when the build fails.
 */
import { build } from 'esbuild';
import { readFile, writeFile, rm, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.resolve(process.argv[2] ?? path.join(ROOT, 'build', 'cli'));
// Built beside OUT (same depth: the same relative source URLs), then swapped in with two renames,
// so a CLI running from OUT meanwhile never sees a half-written build.
const TMP = `${OUT}.tmp-${process.pid}`;
const HOST = path.join(ROOT, 'host') + path.sep;

/** npm packages and Node built-ins are loaded at run time; only @dendra/* workspaces are compiled in. */
const externals = {
  name: 'dendra-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@dendra/') ? undefined : { path: args.path, external: true }));
  },
};

/** `import.meta.url` of a host source file -> that file's URL, relative to the output directory. */
const sourceUrls = {
  name: 'dendra-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!args.path.startsWith(HOST) || !text.includes('import.meta.url')) return undefined;
      const rel = path.relative(TMP, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

await rm(TMP, { recursive: true, force: true });
await mkdir(TMP, { recursive: true });
let result;
try {
  result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: path.join(ROOT, 'host/cli/src/cli/main.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: TMP,
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
    plugins: [externals, sourceUrls],
  });
} catch {
  await rm(TMP, { recursive: true, force: true });
  process.exit(1); // esbuild printed the errors
}
const inputs = Object.keys(result.metafile.inputs).map((p) => path.relative(TMP, path.resolve(ROOT, p)).split(path.sep).join('/'));
await writeFile(path.join(TMP, 'inputs.json'), JSON.stringify({ built: new Date().toISOString(), inputs }) + '\n');
const old = `${OUT}.old-${process.pid}`;
await rename(OUT, old).catch((e) => { if (e.code !== 'ENOENT') throw e; });
await rename(TMP, OUT);
await rm(old, { recursive: true, force: true });
const outBytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
process.stdout.write(`cli: ${Object.keys(result.metafile.outputs).length} modules, ${Math.round(outBytes / 1024)} KiB -> ${path.relative(ROOT, OUT) || '.'}/\n`);
