/** Reading a model file for the CLI, with one-line errors for every way it can be wrong. */
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '@dendra/core/errors.ts';
import { readTflite } from '@dendra/core/tflite/reader.ts';
import type { QModel } from '@dendra/core/tflite/ir.ts';

/** Largest model file the CLI will read (the biggest board model slot is far smaller). */
export const MAX_MODEL_BYTES = 16 * 1024 * 1024;

/**
 * Reads a model file whole. Throws InputError `E_MODEL` when the file is missing, a directory or
 * too large (the message names the problem).
 */
export function readModelBytes(file: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError('E_MODEL', `${file} is not a file`, file);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('E_MODEL', `model file ${file} does not exist`, file);
  }
  if (size > MAX_MODEL_BYTES) throw new InputError('E_MODEL', `${file} is ${size} bytes: too large for a model`, file);
  return new Uint8Array(readFileSync(file));
}

/**
 * Parses model bytes read from `file`. Throws InputError `E_MODEL` when they are not a TFLite
 * flatbuffer ("TFL3" identifier), and readTflite's InputError when they do not decode.
 */
export function parseModelBytes(bytes: Uint8Array, file: string): QModel {
  if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
    throw new InputError('E_MODEL', `${file} is not a .tflite model (no TFL3 identifier)`, file);
  }
  return readTflite(bytes);
}

/**
 * Reads and parses a .tflite file. Throws InputError when the file is missing, a directory, too
 * large, or not a valid TFLite flatbuffer (the message names the problem).
 */
export function loadModelFile(file: string): { model: QModel; bytes: Uint8Array } {
  const bytes = readModelBytes(file);
  return { model: parseModelBytes(bytes, file), bytes };
}
