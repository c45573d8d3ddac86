/**
 * Well-known paths of the repository, resolved from this file (not from the working directory):
 * the one home for the repository root, the shared read-only data, the firmware build and the
 * committed models. Nothing here touches the file system; a missing file is the caller's error.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is host/core/src/paths.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The shared read-only data (ETTh1, OBELiX, vendor sources): `$DENDRA_SHARED` when set, else
 * `<repo>/../shared` (a worktree's or CI clone's sibling).
 */
export const SHARED_DIR = process.env.DENDRA_SHARED ? path.resolve(process.env.DENDRA_SHARED) : path.resolve(REPO_ROOT, '../shared');
/** ETTh1 as shipped in the shared data (read only). */
export const DEFAULT_ETT = path.join(SHARED_DIR, 'data', 'ett', 'ETTh1.csv');
/** The OBELiX data set as shipped in the shared data (read only; trailing separator). */
export const OBELIX_DIR = path.join(SHARED_DIR, 'data', 'obelix') + path.sep;

/** Firmware build output (`node firmware/build.mjs`). */
export const BUILD_DIR = path.join(REPO_ROOT, 'build');
/** The board firmware, reference kernels. */
export const FIRMWARE_WASM = path.join(BUILD_DIR, 'firmware.wasm');
/** The board firmware with the SIMD kernels. */
export const FIRMWARE_SIMD_WASM = path.join(BUILD_DIR, 'firmware-simd.wasm');

/** The firmware's interpreter alone (build/engine.wasm), or its SIMD build. */
export function engineWasm(simd = false): string {
  return path.join(BUILD_DIR, simd ? 'engine-simd.wasm' : 'engine.wasm');
}

/** The board descriptions (boards/). */
export const BOARDS_DIR = path.join(REPO_ROOT, 'boards');
/** The committed models (models/). */
export const MODELS_DIR = path.join(REPO_ROOT, 'models');
/** The committed grid model. */
export const GRID_MODEL = path.join(MODELS_DIR, 'grid', 'grid.tflite');
/** The committed pack model. */
export const PACK_MODEL = path.join(MODELS_DIR, 'pack', 'pack.tflite');
/** The JSON schemas of the MQTT payloads (docs/schemas/). */
export const SCHEMAS_DIR = path.join(REPO_ROOT, 'docs', 'schemas');
/** Local working state: caches, trained models, flash files (.dendra/, not committed). */
export const DOT_DENDRA = path.join(REPO_ROOT, '.dendra');
