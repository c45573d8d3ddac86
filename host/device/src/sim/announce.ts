/**
 * The retained `model` record for a simulated board: when the firmware logs that a model loaded
 * (at boot or after a flash), read the running model back from the board's flash file (the bank
 * the firmware boots, host/device/src/image/slotimage.ts), and publish which model and firmware run, with
 * their hashes (docs/mqtt.md "model"). Operators see it at once because the broker retains it.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Board } from '../boards/board.ts';
import { readSlotImage } from '../image/slotimage.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import { publishModelInfo, type ModelInfo } from '@dendra/ops/mqtt/device.ts';
import type { Publisher } from '@dendra/ops/mqtt/device.ts';
import { DENDRA_VERSION } from '@dendra/core/version.ts';

/** The firmware's log line after the grid model loaded (firmware/assembly/main.ts). */
export const MODEL_LOADED = 'model loaded';
/** The firmware's log line after the pack model loaded (firmware/assembly/main.ts). */
export const PACK_MODEL_LOADED = 'pack model loaded';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The committed model of one flash region: its record fields, or null when none is intact. */
function regionModel(flash: Uint8Array, region: { addr: number; size: number } | undefined): { model: string; sha: string; bytes: number } | null {
  if (!region) return null;
  const slot = readSlotImage(flash, region);
  if (!slot.active) return null;
  const meta = decodeDendraMeta(readTflite(slot.image).metadata.dendra);
  return { model: `${meta.name}@${meta.modelVersion}`, sha: sha256(slot.image), bytes: slot.image.length };
}

/**
 * The model record of the board whose flash is in `flashFile`: the grid model (`model`, its hash
 * and size) and, when the board has a pack model slot with a committed model, `pack_model`,
 * `pack_model_sha256` and `pack_model_bytes`. A board that runs only a pack model reports it as
 * `model` too. Null when no intact model with Dendra metadata is committed. Never throws for bad
 * flash contents (untrusted bytes): a region that cannot be read counts as empty.
 */
export function modelRecord(flashFile: string, board: Board, wasmFile: string): ModelInfo | null {
  try {
    const flash = new Uint8Array(readFileSync(flashFile));
    const read = (region: { addr: number; size: number } | undefined) => {
      try { return regionModel(flash, region); } catch { return null; }
    };
    const grid = read(board.flash.regions.model);
    const pack = read(board.flash.regions.packModel);
    const main = grid ?? pack;
    if (!main) return null;
    return {
      model: main.model,
      model_sha256: main.sha,
      model_bytes: main.bytes,
      ...(pack ? { pack_model: pack.model, pack_model_sha256: pack.sha, pack_model_bytes: pack.bytes } : {}),
      firmware: DENDRA_VERSION,
      firmware_sha256: sha256(new Uint8Array(readFileSync(wasmFile))),
      board: board.name,
    };
  } catch {
    return null;
  }
}

/**
 * Wraps a board log callback: on {@link MODEL_LOADED} or {@link PACK_MODEL_LOADED} it publishes the retained model record via
 * `publisher` (after the line is logged). Publishing problems are reported through `onError`, never
 * thrown into the simulator.
 */
export function announcingLog(
  log: (level: number, text: string) => void, publisher: Publisher, flashFile: string, board: Board, wasmFile: string,
  onError: (e: Error) => void = () => {},
): (level: number, text: string) => void {
  return (level, text) => {
    log(level, text);
    if (text !== MODEL_LOADED && text !== PACK_MODEL_LOADED) return;
    // The commit is on flash before the firmware logs; read it on the next turn, off the HAL call.
    setImmediate(() => {
      const rec = modelRecord(flashFile, board, wasmFile);
      if (!rec) return;
      try {
        publishModelInfo(publisher, rec);
      } catch (e) {
        onError(e as Error);
      }
    });
  };
}
