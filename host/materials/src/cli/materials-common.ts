/**
 * Shared by the `materials` commands: the --physics option, reading an earlier `--json` report
 * back (`--from`) and recording a report as one section of the model card (`--card`).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, UsageError } from '@dendra/core/errors.ts';
import { ALL_PHYSICS, type PhysicsGroup } from '../materials/physics.ts';
import { CARD_FILE } from '../materials/model.ts';

/**
 * Parse an earlier `--json` report and check it with `isReport`.
 * @throws InputError E_READ naming the file when it is unreadable, not JSON, or fails `isReport`
 *   (the message says which command's output was expected).
 */
export function readReport<T>(path: string, isReport: (x: unknown) => x is T, what: string): T {
  let r: unknown;
  try {
    r = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError('E_READ', `${path}: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ')}`, path);
  }
  if (!isReport(r)) throw new InputError('E_READ', `${path}: not the output of ${what}`, path);
  return r;
}

/**
 * Set field `field` of `<dir>/materials.card.json` to `value`, keeping every other field. The new
 * card is written beside the old one and renamed over it, so a crash leaves the old card whole.
 * @returns the card's path.
 * @throws InputError E_MODEL when the card does not exist (run `materials train` first) or is not a JSON object.
 */
export function mergeCardSection(dir: string, field: string, value: unknown): string {
  const path = join(dir, CARD_FILE);
  if (!existsSync(path)) throw new InputError('E_MODEL', `${path}: no card (run 'dendra materials train' first)`, path);
  let card: unknown;
  try {
    card = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError('E_MODEL', `${path}: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ')}`, path);
  }
  if (typeof card !== 'object' || card === null || Array.isArray(card)) throw new InputError('E_MODEL', `${path}: not a model card (a JSON object)`, path);
  (card as Record<string, unknown>)[field] = value;
  writeFileSync(`${path}.tmp`, JSON.stringify(card, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Default --physics: the groups the grouped-CV ablation supports (see docs/materials.md). */
export const DEFAULT_PHYSICS_OPT = 'bvse,ewald,packing';

/**
 * Physics groups from a comma list ('none' = no physics descriptors, 'all' = every group).
 * @throws UsageError naming an unknown group.
 */
export function physicsOpt(v: string): PhysicsGroup[] {
  if (v === 'none') return [];
  if (v === 'all') return [...ALL_PHYSICS];
  const gs = v.split(',').map((x) => x.trim());
  for (const g of gs) if (!(ALL_PHYSICS as readonly string[]).includes(g)) throw new UsageError(`--physics: unknown group '${g}' (none, all, or a list of ${ALL_PHYSICS.join(', ')})`);
  return gs as PhysicsGroup[];
}
