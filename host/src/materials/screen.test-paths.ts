/** Test helper: the committed materials model directory (models/materials). */
import { fileURLToPath } from 'node:url';

/** Absolute path of models/materials in this repository. */
export const MATERIALS_MODEL_DIR = fileURLToPath(new URL('../../../models/materials/', import.meta.url));
