/** Well-known paths of the repository, resolved from this file (not from the working directory). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** ETTh1 as shipped in ../shared/data (read only). */
export const DEFAULT_ETT = path.resolve(REPO_ROOT, '../shared/data/ett/ETTh1.csv');
/** The committed grid model. */
export const GRID_MODEL = path.join(REPO_ROOT, 'models', 'grid', 'grid.tflite');
