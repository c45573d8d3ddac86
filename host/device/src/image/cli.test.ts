/** `dendra keys new | sign | verify` through the real CLI (bin/dendra.js). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@dendra/core/paths.ts';

const ROOT = REPO_ROOT;
interface Run { code: number | null; stdout: string; stderr: string }

function dendra(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dendra.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: Run, re: RegExp): void {
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(r.stderr, /^dendra: [^\n]*\n$/, `one-line error, got: ${r.stderr}`);
  assert.match(r.stderr, re);
}

test('keys new, sign, verify end to end; failures are one line and non-zero', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-cli-'));
  try {
    const keys = join(dir, 'keys');
    let r = dendra('keys', 'new', '--out', keys, '--name', 'ops', '--json');
    assert.equal(r.code, 0, r.stderr);
    const made = JSON.parse(r.stdout) as { kid: string; publicPath: string; privatePath: string };
    assert.match(made.kid, /^[0-9a-f]{16}$/);
    assert.equal(statSync(made.privatePath).mode & 0o077, 0);
    const privBefore = readFileSync(made.privatePath, 'utf8');
    oneLineError(dendra('keys', 'new', '--out', keys, '--name', 'ops'), /already exists/);
    assert.equal(readFileSync(made.privatePath, 'utf8'), privBefore);

    const payload = join(dir, 'm.tflite');
    writeFileSync(payload, Buffer.from('not really a model but bytes'));
    const img = join(dir, 'm.dimg');
    r = dendra('sign', payload, '--key', made.privatePath, '--type', 'model', '--family', 'sim-soc', '--version', '1.2.3', '--out', img, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).version, '1.2.3');
    oneLineError(dendra('sign', payload, '--key', made.privatePath, '--type', 'model', '--family', 'sim-soc', '--version', '1.2.3', '--out', img), /already exists/);
    oneLineError(dendra('sign', payload, '--key', made.privatePath, '--type', 'kernel', '--family', 'sim-soc', '--version', '1.2.3'), /--type/);
    oneLineError(dendra('sign', payload, '--key', made.publicPath, '--type', 'model', '--family', 'sim-soc', '--version', '1.2.3', '--out', join(dir, 'x.dimg')), /no "secret"/);

    r = dendra('verify', img, '--pubkey', made.publicPath, '--family', 'sim-soc');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^OK .*model for sim-soc 1\.2\.3/);
    oneLineError(dendra('verify', img, '--pubkey', made.publicPath, '--family', 'other'), /board family/);
    oneLineError(dendra('verify', img, '--pubkey', made.publicPath, '--min-version', '2.0.0'), /downgrade/);
    oneLineError(dendra('verify', img, '--pubkey', made.publicPath, '--max-bytes', '4'), /bytes/);

    const bytes = readFileSync(img);
    bytes[bytes.length - 3]! ^= 0x40;
    writeFileSync(img, bytes);
    r = dendra('verify', img, '--pubkey', made.publicPath, '--json');
    assert.equal(r.code, 1);
    // --json: the refusal on stdout for scripts, the error as one JSON line on stderr
    assert.equal(JSON.parse(r.stdout).code, 'E_IMAGE_SIG');
    assert.match(r.stderr, /^\{[^\n]*\}\n$/);
    assert.equal(JSON.parse(r.stderr).error.code, 'E_IMAGE_SIG');
    assert.match(JSON.parse(r.stderr).error.message, /signature/);
    oneLineError(dendra('verify', join(dir, 'missing.dimg'), '--pubkey', made.publicPath), /does not exist/);
    oneLineError(dendra('verify', payload, '--pubkey', made.publicPath), /magic|truncated/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
