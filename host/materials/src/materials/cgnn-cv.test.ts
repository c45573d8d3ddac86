import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runGnnCv } from './cgnn-cv.ts';
import { loadDatasets, type Dataset } from './evaluate.ts';
import { OBELIX_DIR } from '@dendra/core/paths.ts';

const haveData = existsSync(`${OBELIX_DIR}train.csv`);
const skip = haveData ? false : `OBELiX data not found at ${OBELIX_DIR}`;

/** The 48 smallest CIFs of the CIF subset (with the bvse/ewald/packing descriptors), as a data set. */
function smallSubset(): Dataset {
  const { cif } = loadDatasets(OBELIX_DIR, () => {}, { physics: ['bvse', 'ewald', 'packing'] });
  const size = (id: string): number => statSync(join(OBELIX_DIR, 'cifs', `${id}.cif`)).size;
  const idx = cif.rows.map((r, i) => [size(r.id), i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, 48).map((x) => x[1]).sort((a, b) => a - b);
  return { ...cif, rows: idx.map((i) => cif.rows[i]), X: idx.map((i) => cif.X[i]), targets: idx.map((i) => cif.targets[i]) };
}

test('GNN CV on real CIFs: every variant and baseline is scored on the same rows, and a rerun is identical', { skip }, async () => {
  const data = smallSubset();
  const o = {
    cifDir: join(OBELIX_DIR, 'cifs'), ensemble: 2, baselines: ['rf' as const], nBoot: 50,
    cfg: { maxEpochs: 2, hidden: 8, patience: 2 }, graph: { cutoff: 4, maxNeighbors: 8 },
  };
  const a = await runGnnCv(data, o);
  assert.deepEqual(a.rows.map((r) => r.model), ['gnn-cens', 'gnn-state-cens', 'gnn-resid-gbt-cens', 'rf', 'gbt-cens']);
  assert.equal(a.epochs.length, 5 * 3 * 2, 'folds x variants x ensemble networks');
  for (const r of a.rows) {
    assert.equal(r.all.n, data.rows.length, `${r.model} scores every row`);
    assert.ok(Number.isFinite(r.all.mae.value) && r.all.mae.value > 0, `${r.model} MAE ${r.all.mae.value}`);
  }
  const b = await runGnnCv(data, o);
  assert.deepEqual(b.rows.map((r) => r.all.mae.value), a.rows.map((r) => r.all.mae.value), 'seeded: same numbers twice');
});
