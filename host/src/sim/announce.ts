/**
 * The retained `model` record for a simulated board: when the firmware logs that a model loaded
 * (at boot or after a flash), read the running model back from the board's flash file (the bank
 * the firmware boots, host/src/flash/slotimage.ts), and publish which model and firmware run, with
 * their hashes (docs/mqtt.md "model"). Operators see it at once because the broker retains it.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Board } from './board.ts';
import { readSlotImage } from '../flash/slotimage.ts';
import { readTflite } from '../tflite/reader.ts';
import { decodeDendraMeta } from '../tflite/metadata.ts';
import { publishModelInfo, type ModelInfo } from '../mqtt/device.ts';
import type { Publisher } from '../mqtt/device.ts';

/** The firmware's log line after a model loaded (firmware/assembly/app). */
export const MODEL_LOADED = 'model loaded';

/** Firmware version the sim reports (the package version; the .wasm hash identifies the build). */
const FIRMWARE_VERSION = '0.1.0';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The model record of the board whose flash is in `flashFile`, or null when no intact model is
 * committed or it has no Dendra metadata. Never throws for bad flash contents (untrusted bytes):
 * they give null.
 */
export function modelRecord(flashFile: string, board: Board, wasmFile: string): ModelInfo | null {
  try {
    const slot = readSlotImage(new Uint8Array(readFileSync(flashFile)), board.flash.regions.model);
    if (!slot.active) return null;
    const meta = decodeDendraMeta(readTflite(slot.image).metadata.dendra);
    return {
      model: `${meta.name}@${meta.modelVersion}`,
      model_sha256: sha256(slot.image),
      model_bytes: slot.image.length,
      firmware: FIRMWARE_VERSION,
      firmware_sha256: sha256(new Uint8Array(readFileSync(wasmFile))),
      board: board.name,
    };
  } catch {
    return null;
  }
}

/**
 * Wraps a board log callback: on {@link MODEL_LOADED} it publishes the retained model record via
 * `publisher` (after the line is logged). Publishing problems are reported through `onError`, never
 * thrown into the simulator.
 */
export function announcingLog(
  log: (level: number, text: string) => void, publisher: Publisher, flashFile: string, board: Board, wasmFile: string,
  onError: (e: Error) => void = () => {},
): (level: number, text: string) => void {
  return (level, text) => {
    log(level, text);
    if (text !== MODEL_LOADED) return;
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
