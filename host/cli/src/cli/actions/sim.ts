/**
 * `dendra sim` (the work; the definition is ../commands/sim.ts): the simulated board (real firmware .wasm, UART on a pty, flash in a file).
 * `--trust KEYFILE` (repeatable) provisions the board's trusted Ed25519 keys in its flash: it then
 * runs only models signed by one of them. A board without keys is in development mode (accepts
 * unsigned .tflite models); the command warns about it on stderr.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { intOpt, printJsonLine } from '@dendra/core/run.ts';
import { startSim, type SimOptions } from '@dendra/device/sim/sim.ts';
import { DendraError } from '@dendra/core/errors.ts';
import type { ElectrolyteId } from '@dendra/models/physics/electrolytes.ts';
import type { Duty } from '@dendra/models/pack/profiles.ts';
import { loadBoard } from '@dendra/device/boards/board.ts';
import { connectDevice, type DeviceClient } from '@dendra/ops/mqtt/device.ts';
import { retainedStatus } from '@dendra/ops/mqtt/presence.ts';
import { linkPty, lockFlashFile } from '@dendra/device/sim/lock.ts';
import { REPO_ROOT } from '@dendra/core/paths.ts';
import { readPublicKeyFile } from '@dendra/device/image/keys.ts';
import { boardFamily } from '@dendra/device/sim/hal.ts';
import { caOption } from '../caopt.ts';

/** Options of `dendra sim`. */
export interface SimOpts {
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
  link?: string;
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

/**
 * `dendra sim`: runs the simulated board until SIGINT/SIGTERM.
 * @throws DendraError (one line): bad option, unknown board, unreadable key, broker unreachable.
 */
export async function simAction(opts: SimOpts): Promise<void> {
  const board = loadBoard(opts.board);
  const trustedKeys = opts.trust?.map((f) => readPublicKeyFile(f));
  const flashFile = opts.flash ?? path.join(REPO_ROOT, '.dendra', `${board.name}-${opts.device}.flash`);
  mkdirSync(path.dirname(flashFile), { recursive: true });
  const instance = randomBytes(8).toString('hex');
  const id = `${opts.site}/${opts.device}`;
  const cleanups: (() => unknown)[] = [lockFlashFile(flashFile, { pid: process.pid, instance, device: id })];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    let publisher: DeviceClient | undefined;
    if (opts.broker) {
      const auth = opts.username !== undefined ? { username: opts.username, password: process.env.DENDRA_MQTT_PASSWORD } : {};
      const ca = caOption(opts.ca);
      const seen = await retainedStatus({ url: opts.broker, site: opts.site, device: opts.device, ...auth, ...ca });
      if (seen?.state === 'online') {
        const who = typeof seen.instance === 'string' ? ` (instance ${seen.instance})` : '';
        throw new DendraError('E_DUPLICATE', `device id ${id} is online on ${opts.broker}${who}: another simulator or board uses it; give another --device (a killed simulator goes offline when the broker's keepalive runs out)`);
      }
      publisher = await connectDevice({
        url: opts.broker, site: opts.site, device: opts.device, keepRetrying: false, ...auth, ...ca,
        statusExtra: { instance },
        onError: (e) => process.stderr.write(`sim: mqtt: ${e.message}\n`),
      });
      cleanups.push(() => publisher?.close());
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
      log: (_level, text) => process.stderr.write(`board: ${text}\n`), // the firmware publishes the model record itself
    });
    cleanups.push(() => sim.stop());
    if (opts.link) cleanups.push(linkPty(path.resolve(opts.link), sim.ptyPath));
    if (!sim.trust.provisioned) {
      process.stderr.write('sim: warning: no trusted keys in this board\'s flash: development mode, it runs unsigned models (provision keys with --trust KEYFILE)\n');
    } else {
      process.stderr.write(`sim: board trusts ${sim.trust.keys} key(s); it runs only signed images for family '${boardFamily(board)}'\n`);
    }
    const link = opts.link ? path.resolve(opts.link) : null;
    if (opts.json) printJsonLine({ pty: sim.ptyPath, link, board: board.name, flash: flashFile, family: boardFamily(board), trustedKeys: sim.trust.provisioned ? sim.trust.keys : null, instance });
    else console.log(`pty: ${sim.ptyPath}${link ? ` (link ${link})` : ''}  (board ${board.name}, flash ${flashFile}; Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await cleanup();
  }
}
