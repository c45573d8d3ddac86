/**
 * Which model slot a model goes to (BEGIN type byte = (slot << 4) | format, docs/flash-protocol.md):
 * slot 0 the grid model, slot 2 the pack model. Chosen from the model's Dendra metadata kind, or
 * given by the operator (`dendra flash --slot grid|pack`), which must then agree with it.
 */
import { InputError } from '@dendra/core/errors.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { decodeDendraMeta } from '@dendra/core/tflite/metadata.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';

/** Slot names and their numbers in the BEGIN type byte. */
export const MODEL_SLOTS = { grid: 0, pack: 2 } as const;
/** A model slot name. */
export type ModelSlot = keyof typeof MODEL_SLOTS;

/**
 * The slot number for `model` (.tflite bytes, or the model already parsed; null: unreadable): its metadata kind ('pack' -> 2, otherwise 0; a
 * model without Dendra metadata, or bytes the host cannot read as a .tflite, go to the grid slot:
 * the board validates every model itself before it commits it), or `slot` when given.
 * @throws InputError `E_SLOT` when `slot` is not grid/pack or disagrees with the metadata kind.
 */
export function modelSlotFor(model: Uint8Array | QModel | null, slot?: string): number {
  if (slot !== undefined && !(slot in MODEL_SLOTS)) throw new InputError('E_SLOT', `slot must be grid or pack, got '${slot}'`);
  const kind = metadataKind(model);
  if (slot !== undefined && slot !== kind) throw new InputError('E_SLOT', `the model is a ${kind} model (its metadata kind) but --slot ${slot} was given`);
  return MODEL_SLOTS[kind];
}

/** The Dendra metadata kind of `model`, 'grid' when it has none or is not readable. Never throws. */
function metadataKind(model: Uint8Array | QModel | null): ModelSlot {
  try {
    if (model === null) return 'grid';
    const raw = (model instanceof Uint8Array ? readTflite(model) : model).metadata.dendra;
    return raw ? (decodeDendraMeta(raw).kind ?? 'grid') : 'grid';
  } catch {
    return 'grid';
  }
}
