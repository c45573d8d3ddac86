// Fault suite: seeded randomized flashes over the real path (serialport <-> socat pty <-> sim UART
// HAL <-> the real app firmware: main.ts, app/slot.ts, boot/*, with the stub interpreter), with
// line faults (drops and bit flips, up to 1% each per byte) and a disconnect or a power cut at a
// random point of a random phase, flashed with the CLI's defaults (flash.ts FLASH_DEFAULTS: no
// tuned chunk, retries or timeout). Line faults are a rate p of drops plus p of bit flips per
// byte, p in {0.1%, 0.5%, 1%} (issue 20's goals), the same number of runs per rate. Every run
// must end with the slot holding exactly the old or the new image (never anything else, every
// committed bank intact), a board that still ticks, and a clean resume/reflash that lands the new
// image; a run without a disconnect must flash under the faults. Then as many A/B firmware runs
// (fwfaultrun.ts): faults in every phase of a firmware flash and switch, including the slot erase,
// ACTIVATE, the RESET into the test boot and the confirm, plus firmwares that fail their self-test;
// every run must end on the old or the new firmware, verified by hash, with rollback when the test
// boot does not confirm. Each run ends with a cold boot of a fresh board on its flash file. The
// runs live in host/device/test/{modelfaultrun,fwfaultrun}.ts, shared with `make soak`
// (bench/soak.ts: 200 runs per rate, paced at 921600 baud, with a report). DENDRA_SOAK_RUNS sets
// the number of runs per rate and of firmware runs here; without it CI runs a short seeded set: 2
// model runs per rate and 2 firmware runs, each bounded in time. DENDRA_FAULT_SEED sets the base seed.
import { test, before, after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildAppFirmwareWithStubInterpreter } from '../../test/testfw.ts';
import { modelFaultRun, modelTally, type ModelFaultContext } from '../../test/modelfaultrun.ts';
import { buildFirmwareVariants, firmwareFaultRun, fwTally, type FwFaultContext } from '../../test/fwfaultrun.ts';

const SOAK = process.env.DENDRA_SOAK_RUNS === undefined ? null : Math.max(1, Number(process.env.DENDRA_SOAK_RUNS) | 0);
/** Per-byte drop rate = flip rate of each run group (issue 20: "p drops plus p flips"). */
const RATES = [0.001, 0.005, 0.01];
const RUNS = SOAK ?? 2;
const FW_RUNS = SOAK ?? 2;
const BASE_SEED = Number(process.env.DENDRA_FAULT_SEED ?? 0x5eed) | 0;

let ctx: ModelFaultContext | null = null;
let fwCtx: FwFaultContext | null = null;

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'dendra-faults-'));
  const wasm = buildAppFirmwareWithStubInterpreter(dir);
  const rows = ['date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT'];
  for (let i = 0; i < 200; i++) rows.push(`2016-07-01 00:00:00,${i % 9},1,2,3,4,5,${30 + (i % 17) / 10}`);
  const csv = join(dir, 'ett.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  ctx = { dir, csv, wasm };
  fwCtx = buildFirmwareVariants(dir, csv, wasm);
});

after(() => {
  if (ctx) rmSync(ctx.dir, { recursive: true, force: true });
  process.stdout.write(`# fault suite: ${JSON.stringify(modelTally)}\n`);
  process.stdout.write(`# firmware fault suite: ${JSON.stringify(fwTally)}\n`);
});

for (let run = 0; run < RUNS * RATES.length; run++) {
  const seed = (BASE_SEED + run * 7919) >>> 0;
  const rate = RATES[run % RATES.length];
  test(`fault run ${run} (seed ${seed}, ${rate * 100}% drops + ${rate * 100}% flips)`, { timeout: 300_000 }, async (t) => {
    t.diagnostic(await modelFaultRun(ctx!, run, seed, rate));
  });
}

for (let run = 0; run < FW_RUNS; run++) {
  const seed = (BASE_SEED + 0x4649 + run * 104729) >>> 0;
  test(`firmware fault run ${run} (seed ${seed})`, { timeout: 300_000 }, async (t) => {
    t.diagnostic(await firmwareFaultRun(fwCtx!, run, seed));
  });
}
