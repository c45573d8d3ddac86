/** Test helper: the committed materials model directory (models/materials). */
import { join, sep } from 'node:path';
import { MODELS_DIR } from '@dendra/core/paths.ts';

/** Absolute path of models/materials in this repository. */
export const MATERIALS_MODEL_DIR = join(MODELS_DIR, 'materials') + sep;
