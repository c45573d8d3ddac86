// Firmware A/B flashing through the real CLI, on every target (tests/support/targets.ts: `dendra sim`
// with the simulator's boot ROM, and build/dendra-runtime with its native boot ROM): `dendra sign
// --type firmware` of the real firmware build -> a board started with `--trust` (real firmware .wasm,
// UART on a pty) -> `dendra flash` with serialport: the image goes to the inactive slot, the board
// boots it on a test boot, its self-test reproduces an inference on the real grid model (also after
// a pack model flash), it confirms itself. A firmware that cannot reproduce the inference (the
// bootloader test firmware: no interpreter) fails its self-test and the board rolls back to slot A.
// `dendra info --port` reads the slot table, refusals are one line with exit 1, `dendra rollback`
// returns to the factory image, `dendra boards` lists the slots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, ROOT, type RunResult } from './proc.ts';
import { startTarget, targets, type Target } from './support/targets.ts';
import { buildBootTestFirmware } from '@dendra/device/test/testfw.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'dendra-fw-cli-'));
const FIRMWARE = path.join(ROOT, 'build/firmware.wasm');
const MODEL = path.join(ROOT, 'models/grid/grid.tflite');
const boards: Target[] = [];

after(async () => {
  for (const b of boards) await b.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function oneLineError(r: RunResult, re: RegExp): void {
  assert.notEqual(r.code, 0, r.stdout);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('dendra: '));
  assert.equal(errors.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(errors[0]!, re);
}

async function ok(args: string[]): Promise<RunResult> {
  const r = await runCli(args, 120_000);
  assert.equal(r.code, 0, `dendra ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function sign(key: string, file: string, type: 'model' | 'firmware', version: string, out: string): Promise<string> {
  const o = path.join(tmp, out);
  await ok(['sign', file, '--key', key, '--type', type, '--family', 'sim-soc', '--version', version, '--out', o]);
  return o;
}

interface InfoJson {
  firmware: { running: number; test: boolean; slots: { name: string; version: string | null; state: Record<string, boolean> }[] };
}

/** Keys and signed images, made once for every target. */
interface Images { keys: { publicPath: string; privatePath: string }; fw: string; wasm: string; old: string; bad: string; model: string; pack: string }
let img: Images;

before(async () => {
  const keys = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys'), '--name', 'ops', '--json'])).stdout) as { publicPath: string; privatePath: string };
  const fw = await sign(keys.privatePath, FIRMWARE, 'firmware', '1.0.0', 'fw-1.0.0.dimg'); // the factory build, signed
  // Another build of it (a custom section "dendra.build" appended: new bytes, same code) for the refusals.
  const tag = new TextEncoder().encode('\x0cdendra.buildrefused');
  const wasm = path.join(tmp, 'firmware-b.wasm');
  writeFileSync(wasm, Buffer.concat([readFileSync(FIRMWARE), Buffer.from([0, tag.length]), tag]));
  const old = await sign(keys.privatePath, wasm, 'firmware', '0.9.0', 'fw-0.9.0.dimg');
  // The bootloader test firmware (host/device test support): a newer, well-signed image that has no
  // interpreter, so its self-test cannot reproduce the inference.
  const bad = await sign(keys.privatePath, buildBootTestFirmware(tmp), 'firmware', '1.1.0', 'fw-nointerp-1.1.0.dimg');
  const model = await sign(keys.privatePath, MODEL, 'model', '1.0.0', 'grid.dimg');
  const pack = await sign(keys.privatePath, path.join(ROOT, 'models/pack/pack.tflite'), 'model', '1.0.0', 'pack.dimg');
  const tampered = new Uint8Array(readFileSync(await sign(keys.privatePath, wasm, 'firmware', '1.1.0', 'fw-1.1.0.dimg')));
  tampered[tampered.length - 5] ^= 0x10;
  writeFileSync(path.join(tmp, 'tampered.dimg'), tampered);
  img = { keys, fw, wasm, old, bad, model, pack };
}, { timeout: 300_000 });

for (const kind of targets()) {
  test(`${kind}: dendra flash <signed firmware>: inactive slot, test boot, self-test on the real model, confirmed; a failing self-test rolls back; info, refusals, rollback, boards`, async () => {
    const { keys, fw, wasm, old, bad, model, pack } = img;
    const board = await startTarget(kind, { flash: path.join(tmp, `${kind}.flash`), trust: [keys.publicPath] });
    boards.push(board);
    const pty = board.pty;

    await ok(['flash', '--port', pty, model]);
    // The pack model last: the bootloader's last transfer is slot 2, and the self-test must still
    // take the grid model (slot 0), the one resident in the interpreter.
    await ok(['flash', '--port', pty, pack]);
    const r = await ok(['flash', '--port', pty, fw, '--pubkey', keys.publicPath]);
    assert.match(r.stdout, /flashed signed firmware, \d+ B, to firmware slot A of board .*booted and confirmed/);
    assert.match(r.stderr, /activate: .*\n.*reset: .*\n.*confirm: /);

    const info = JSON.parse((await ok(['info', '--port', pty, '--json'])).stdout) as InfoJson;
    assert.equal(info.firmware.running, 0);
    assert.equal(info.firmware.test, false);
    assert.equal(info.firmware.slots[0].version, '1.0.0');
    assert.equal(info.firmware.slots[0].state.confirmed, true);
    assert.match((await ok(['info', '--port', pty])).stdout, /firmware {2}runs slot A\n {2}slot A {2}committed\+pending\+tried\+confirmed, v1\.0\.0/);
    await board.waitLog(/self-test passed: confirmed/, 15_000); // the new firmware ran the self-test inference

    // A newer image that fails its self-test: test boot in slot B, no confirm, back on slot A.
    oneLineError(await runCli(['flash', '--port', pty, bad, '--pubkey', keys.publicPath], 120_000), /rolled back from slot B/);
    await board.waitLog(/self-test failed: rolling back/, 15_000);
    const back = JSON.parse((await ok(['info', '--port', pty, '--json'])).stdout) as InfoJson;
    assert.deepEqual([back.firmware.running, back.firmware.test, back.firmware.slots[0].version], [0, false, '1.0.0'], 'slot A runs again, confirmed');
    assert.deepEqual([back.firmware.slots[1].version, back.firmware.slots[1].state.tried, back.firmware.slots[1].state.confirmed], ['1.1.0', true, false]);

    oneLineError(await runCli(['flash', '--port', pty, path.join(tmp, 'tampered.dimg')], 120_000), /board refused FINISH: .*status -20/);
    // A downgrade is refused by the host after INFO, before anything is sent (the board would refuse it at FINISH, -23).
    oneLineError(await runCli(['flash', '--port', pty, old], 120_000), /firmware 0\.9\.0 is older than the board's confirmed 1\.0\.0: the board refuses a downgrade \(nothing sent\)/);
    oneLineError(await runCli(['flash', '--port', pty, wasm], 120_000), /board refused BEGIN: .*status -20/);

    assert.match((await ok(['rollback', '--port', pty])).stdout, /rolled back: the board leaves slot A/);
    let after: InfoJson | null = null;
    for (let i = 0; i < 20; i++) {
      after = JSON.parse((await ok(['info', '--port', pty, '--json'])).stdout) as InfoJson;
      if (after.firmware.running === -1) break;
    }
    assert.equal(after!.firmware.running, -1, 'back on the factory image');
    assert.equal(after!.firmware.slots[0].state.revoked, true);
    assert.equal(await board.stop(), 0, `${kind} stops cleanly: ${board.stderr().slice(-500)}`);
  });
}

test('dendra boards lists the firmware slots', async () => {
  const boards = JSON.parse((await ok(['boards', '--json'])).stdout) as { name: string; slots: { slot: string; imageBytes: number }[] }[];
  const simBoard = boards.find((b) => b.name === 'sim')!;
  assert.deepEqual(simBoard.slots.map((s) => s.slot).slice(0, 2), ['firmware A', 'firmware B']);
  assert.ok(simBoard.slots.every((s) => s.imageBytes > 0));
});

test('dendra flash <firmware>: bad input is one line and exit 1, before any port is opened', async () => {
  const keys = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys2'), '--name', 'k', '--json'])).stdout) as { publicPath: string; privatePath: string };
  const other = JSON.parse((await ok(['keys', 'new', '--out', path.join(tmp, 'keys2'), '--name', 'other', '--json'])).stdout) as { publicPath: string };
  const fw = await sign(keys.privatePath, FIRMWARE, 'firmware', '1.0.0', 'fw-k.dimg');
  const nowhere = path.join(tmp, 'no-such-tty');
  oneLineError(await runCli(['flash', '--port', nowhere, FIRMWARE]), /port .*no-such-tty does not exist/);
  oneLineError(await runCli(['flash', '--port', nowhere, FIRMWARE, '--pubkey', keys.publicPath]), /unsigned firmware/);
  oneLineError(await runCli(['flash', '--port', nowhere, fw, '--pubkey', other.publicPath]), /not trusted|trusted key/);
  const notWasm = path.join(tmp, 'not-a-firmware.dimg');
  writeFileSync(notWasm, Buffer.concat([readFileSync(fw).subarray(0, 6), Buffer.from([2]), readFileSync(fw).subarray(7)]));
  oneLineError(await runCli(['flash', '--port', nowhere, notWasm]), /payload is not a TFLite model/); // type byte says model
  oneLineError(await runCli(['sign', MODEL, '--key', keys.privatePath, '--type', 'firmware', '--family', 'sim-soc', '--version', '1.0.0', '--out', path.join(tmp, 'x.dimg')]),
    /not a WebAssembly module/);
});
