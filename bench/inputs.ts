/**
 * The inputs every engine benchmark feeds a model (the same choice as bench/run.ts): 16 real
 * ETTh1 windows for the grid model (tests/windows.ts realInputs), 16 seeded random int8 vectors
 * (mulberry32(17)) for any other model.
 */
import { readTflite } from '@dendra/core/tflite/reader.ts';
import { realInputs } from '../tests/windows.ts';
import { mulberry32 } from '@dendra/core/random.ts';

/** What the inputs of `name` are, in words (for the result tables). */
export function inputsKind(name: string): string {
  return name === 'grid' ? 'real ETTh1 windows' : 'seeded random int8 (mulberry32(17))';
}

/**
 * `n` inputs for model `name` (its .tflite `bytes`).
 * @throws whatever readTflite throws for a malformed model, or the ETT loader for missing data.
 */
export function benchInputs(name: string, bytes: Uint8Array, n = 16): Int8Array[] {
  const model = readTflite(bytes);
  if (name === 'grid') return realInputs(model, n);
  const inLen = model.tensors[model.inputs[0]].shape.reduce((a, b) => a * b, 1);
  const rand = mulberry32(17);
  return Array.from({ length: n }, () => Int8Array.from({ length: inLen }, () => Math.floor(rand() * 256) - 128));
}
