/** CSV export of a simulated pack: one row per (cell, cycle) with the cell's labels repeated. */
import type { PackResult } from './simulator.ts';

/** Column names of {@link packToCsv}, in order. */
export const CSV_COLUMNS = [
  'cell', 'row', 'col', 'cycle', 'iPeak', 'iRms', 'vMax', 'vMin', 'tMean', 'tMax', 'rInt', 'soc',
  'initiationCycle', 'shortCycle', 'dendrite', 'shorted',
] as const;

/**
 * Renders a pack as CSV (header + rows, `\n` line ends). Label columns: initiationCycle and
 * shortCycle are empty when not reached; `dendrite` / `shorted` are 1 from that cycle on, else 0.
 */
export function packToCsv(pack: PackResult): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const c of pack.cells) {
    const s = c.series;
    for (let j = 0; j < s.iPeak.length; j++) {
      const cycle = j + 1;
      const dendrite = c.initiationCycle !== null && cycle >= c.initiationCycle ? 1 : 0;
      const shorted = c.shortCycle !== null && cycle >= c.shortCycle ? 1 : 0;
      lines.push([c.id, c.row, c.col, cycle, s.iPeak[j], s.iRms[j], s.vMax[j], s.vMin[j], s.tMean[j], s.tMax[j], s.rInt[j], s.soc[j],
        c.initiationCycle ?? '', c.shortCycle ?? '', dendrite, shorted].join(','));
    }
  }
  return lines.join('\n') + '\n';
}
