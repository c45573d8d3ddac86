import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainSelected } from './ship.ts';
import { predictRows } from './model.ts';
import type { Candidate, SelectData } from './select.ts';
import type { MaterialRow } from './features.ts';
import { mulberry32 } from '@dendra/core/random.ts';

const HEAD = { reducedComposition: 'x', z: 1, conductivity: '1e-4', spaceGroupNumber: 1, family: 'x', doi: '', line: 2 };

/** Rows Li_a O_b with a in 1..2 and b in 1..2 fixed lattice; y depends on the Li fraction. */
function data(): { d: SelectData; rows: MaterialRow[] } {
  const rand = mulberry32(2);
  const rows: MaterialRow[] = [];
  for (let i = 0; i < 60; i++) {
    const li = 1 + rand(), o = 1 + rand();
    const y = -8 + 6 * (li / (li + o)) + 0.1 * rand();
    rows.push({ ...HEAD, id: `r${i}`, doi: `10.1/${i}`, trueComposition: `Li${li.toFixed(4)}O${o.toFixed(4)}`, conductivity: String(10 ** y),
      cell: { a: 4, b: 4, c: 4, alpha: 90, beta: 90, gamma: 90 } } as unknown as MaterialRow);
  }
  return { rows, d: { rows, targets: rows.map((r) => ({ value: Math.log10(Number(r.conductivity)), censored: false })), hasCif: rows.map(() => false),
    X: { comp: [], struct: [], phys: [] } } };
}

test('trainSelected ships a model whose rows get per-row conformal intervals, wider far from the training rows', async () => {
  const { featureTable } = await import('./features.ts');
  const { rows, d } = data();
  const spec = { vocabulary: ['Li', 'O'], structure: false };
  const X = featureTable(rows, spec);
  const sd: SelectData = { ...d, X: { comp: X, struct: X, phys: X } };
  const cands: Candidate[] = [{ id: 'comp/gbt-cens/d3', features: 'comp', kind: 'gbt-cens', config: { gbtRounds: 20, gbtSubsample: 0.8 } },
    { id: 'phys/gbt-cens/d3', features: 'phys', kind: 'gbt-cens', config: { gbtRounds: 20, gbtSubsample: 0.8 } }];
  const { file, selection } = trainSelected(sd, cands, ['Li', 'O'], [], { k: 3, seed: 0, variant: 'selected' });
  assert.equal(selection.composition, 'comp/gbt-cens/d3');
  assert.ok(file.composition.conformal && file.composition.conformal.ref.length === 60);
  const near = { ...rows[0], id: 'near' };
  const far = { ...rows[0], id: 'far', trueComposition: 'Li9O1', cell: { a: 20, b: 4, c: 4, alpha: 90, beta: 90, gamma: 90 } };
  const [pn, pf] = predictRows(file, [near, far] as MaterialRow[], new Map());
  for (const p of [pn, pf]) {
    assert.equal(p.uncertaintyKind, 'conformal');
    assert.ok(p.interval68![0] < p.log10Sigma! && p.log10Sigma! < p.interval68![1] && p.interval90![1] - p.interval90![0] > p.interval68![1] - p.interval68![0]);
  }
  assert.ok(pf.uncertainty! > 1.5 * pn.uncertainty!, `far ${pf.uncertainty} vs near ${pn.uncertainty}`);
});
