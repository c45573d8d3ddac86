/**
 * `dendra sim`: the simulated board (real firmware .wasm, UART on a pty, flash in a file).
 * `--trust KEYFILE` (repeatable) provisions the board's trusted Ed25519 keys in its flash: it then
 * runs only models signed by one of them. A board without keys is in development mode (accepts
 * unsigned .tflite models); the command warns about it on stderr.
 */
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { action, intOpt, printJsonLine } from '@dendra/core/run.ts';
import { startSim, type SimOptions } from '@dendra/device/sim/sim.ts';
import { DendraError } from '@dendra/core/errors.ts';
import type { ElectrolyteId } from '@dendra/models/physics/electrolytes.ts';
import type { Duty } from '@dendra/models/pack/profiles.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { DEFAULT_ETT, REPO_ROOT, FIRMWARE_WASM } from '@dendra/core/paths.ts';
import { readPublicKeyFile } from '@dendra/device/image/keys.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';
import { announcingLog } from '@dendra/device/sim/announce.ts';
import { CA_OPTION, caOption } from '../caopt.ts';
import type { Board } from '@dendra/device/boards/board.ts';

/** With a broker, the board's log also publishes the retained `model` record whenever a model loads. */
function withModelRecord(log: (level: number, text: string) => void, publisher: DeviceClient | undefined, flashFile: string, board: Board) {
  return publisher
    ? announcingLog(log, publisher, flashFile, board, FIRMWARE_WASM, (e) => process.stderr.write(`sim: mqtt: ${e.message}\n`))
    : log;
}

interface SimOpts {
  board: string;
  flash?: string;
  data: string;
  start: string;
  msPerHour: string;
  broker?: string;
  site: string;
  device: string;
  username?: string;
  ca?: string;
  json?: boolean;
  trust?: string[];
  pace: boolean;
  pack: boolean;
  packSeed: string;
  electrolyte: string;
  packDuty: string;
  packCcd: string;
  packHours: string;
}

/** A number option > 0 (and <= max), or a one-line usage error naming it. */
function posNum(name: string, v: string, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n <= max)) throw new DendraError('E_USAGE', `option ${name} must be a number in (0, ${max}], got '${v}'`, 2);
  return n;
}

/** The pack replay on DMA channel 1 from the options (host/models/src/pack/replay.ts checks the rest). */
function packOptions(o: SimOpts): SimOptions['pack'] {
  if (!o.pack) return undefined;
  return {
    seed: intOpt('--pack-seed', o.packSeed, 1), electrolyte: o.electrolyte as ElectrolyteId, duty: o.packDuty as Duty,
    ccdFraction: posNum('--pack-ccd', o.packCcd, 3), hoursPerCycle: posNum('--pack-hours', o.packHours, 24 * 365),
  };
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Registers the command. */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run a simulated board: firmware .wasm in Node, UART on a pseudo-terminal, flash in a file, ETT replay on DMA')
    .option('--board <name>', 'board from boards/', 'sim')
    .option('--flash <file>', 'flash image file (kept across restarts)')
    .option('--data <csv>', 'ETT-layout CSV replayed by the sensors', DEFAULT_ETT)
    .option('--start <row>', 'first CSV row of window 0 (default: the ETTh1 test split)', '11520')
    .option('--ms-per-hour <ms>', 'real milliseconds per simulated hour', '1000')
    .option('--broker <url>', 'MQTT broker the board publishes to, or a comma-separated list of cluster nodes to fail over between (default $DENDRA_BROKER; none: publishes are dropped)', process.env.DENDRA_BROKER)
    .option('--site <id>', 'site id in topics', 'site1')
    .option('--device <id>', 'device id in topics', 'board1')
    .option('--username <name>', 'device account on a secured broker, <site>/<device> (password from $DENDRA_MQTT_PASSWORD)')
    .option(...CA_OPTION)
    .option('--trust <keyfile>', 'provision a trusted public key (dendra keys new) in the board\'s flash; repeat for several (max 8). Without: keys already in the flash file are kept', collect)
    .option('--no-pack', 'no pack front-end on DMA channel 1 (default: replay a simulated pack, one cycle per --pack-hours)')
    .option('--pack-seed <n>', 'seed of the simulated pack replayed on DMA channel 1', '1')
    .option('--electrolyte <id>', 'electrolyte of the replayed pack: llzo, lgps, argyrodite, peo', 'llzo')
    .option('--pack-duty <duty>', 'grid duty of the replayed pack: peak-shaving, solar-smoothing, constant', 'peak-shaving')
    .option('--pack-ccd <fraction>', 'nominal current density of the replayed pack as a fraction of its critical current density (higher: cells fail sooner)', '0.5')
    .option('--pack-hours <h>', 'simulated hours per pack cycle (one DMA frame each)', '1')
    .option('--no-pace', 'do not pace the UART at its baud (default: bytes cross the pty at baud/10 bytes/s each way, following SET_BAUD)')
    .option('--json', 'print the pty path as one JSON line (NDJSON)')
    .action(action(async (opts: SimOpts) => {
      const board = loadBoard(opts.board);
      const trustedKeys = opts.trust?.map((f) => readPublicKeyFile(f));
      const flashFile = opts.flash ?? path.join(REPO_ROOT, '.dendra', `${board.name}-${opts.device}.flash`);
      mkdirSync(path.dirname(flashFile), { recursive: true });
      let publisher: DeviceClient | undefined;
      if (opts.broker) {
        publisher = await connectDevice({
          url: opts.broker,
          site: opts.site,
          device: opts.device,
          keepRetrying: false,
          ...(opts.username !== undefined ? { username: opts.username, password: process.env.DENDRA_MQTT_PASSWORD } : {}),
          ...caOption(opts.ca),
          onError: (e) => process.stderr.write(`sim: mqtt: ${e.message}\n`),
        });
      }
      const sim = await startSim({
        board,
        flashFile,
        dataCsv: opts.data,
        start: intOpt('--start', opts.start, 11520),
        msPerHour: intOpt('--ms-per-hour', opts.msPerHour, 1000),
        publisher,
        trustedKeys,
        pace: opts.pace,
        pack: packOptions(opts),
        log: withModelRecord((_level, text) => process.stderr.write(`board: ${text}\n`), publisher, flashFile, board),
      });
      if (!sim.trust.provisioned) {
        process.stderr.write('sim: warning: no trusted keys in this board\'s flash: development mode, it runs unsigned models (provision keys with --trust KEYFILE)\n');
      } else {
        process.stderr.write(`sim: board trusts ${sim.trust.keys} key(s); it runs only signed images for family '${boardFamily(board)}'\n`);
      }
      if (opts.json) printJsonLine({ pty: sim.ptyPath, board: board.name, flash: flashFile, family: boardFamily(board), trustedKeys: sim.trust.provisioned ? sim.trust.keys : null });
      else console.log(`pty: ${sim.ptyPath}  (board ${board.name}, flash ${flashFile}; Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = async () => {
          await sim.stop();
          await publisher?.close();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }));
}
