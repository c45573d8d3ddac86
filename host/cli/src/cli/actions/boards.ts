/**
 * `dendra boards`: the boards described in boards/ (data only: adding a board adds a file), and
 * for each board whether every model in models/ fits, with estimated latency and energy per
 * inference (see host/device/src/boards/fit.ts for the formulas; the estimates are not measurements).
 */
import { printJson } from '@dendra/core/run.ts';
import { listBoards, loadBoard, type Board } from '@dendra/device/boards/board.ts';
import { firmwareSize, fitModel, listModelCards, readModelCard, modelBankBytes, type FitCheck, type FitReport, type ModelFacts } from '@dendra/device/boards/fit.ts';

/** Options of `dendra boards`. */
export interface BoardsOpts {
  json?: boolean;
  firmware?: string;
}

const kib = (n: number): string => `${Math.round(n / 1024)} KiB`;

function checkText(label: string, c: FitCheck): string {
  if (c.need === null) return `${label} ? / ${c.have}`;
  return `${label} ${c.need} / ${c.have} ${c.ok ? 'ok' : 'TOO BIG'}`;
}

function fitLine(f: FitReport & { slot?: string }): string {
  const est = f.latencyMs === null
    ? 'latency n/a (no cyclesPerMac)'
    : `~${f.latencyMs.toPrecision(3)} ms, ~${f.energyUj!.toPrecision(3)} uJ per inference (estimate, ${f.runtime}, ${f.cyclesPerMac} cycles/MAC)`;
  return `  model ${f.model}${f.slot === 'pack' ? ' (pack slot)' : ''}: ${f.fits ? 'FITS' : 'DOES NOT FIT'} | ${checkText('weights', f.weights)}, ${checkText('arena', f.arena)}, ${checkText('firmware', f.firmware)} | ${est}`;
}

/** A slot a flash can target: what it holds, its region and the image bytes it takes. */
export interface SlotRow {
  slot: string;
  region: string;
  /** BEGIN type byte(s) that write it, (slot << 4) | format (docs/flash-protocol.md). */
  beginTypes: string;
  imageBytes: number;
}

/**
 * The board's flash slots: firmware A and B (each region less its 4096-byte header sector) and
 * the model banks of the grid slot (region `model`) and, when the board has one, the pack slot
 * (region `packModel`), each region split in two sector-aligned banks, each less its header.
 */
export function slotTable(b: Board): SlotRow[] {
  const r = b.flash.regions;
  const bank = Math.floor(r.model.size / 2 / b.flash.sectorBytes) * b.flash.sectorBytes - 4096;
  const rows = [
    { slot: 'firmware A', region: 'slotA', beginTypes: '0x11 raw .wasm (no keys), 0x12 signed', imageBytes: r.slotA.size - 4096 },
    { slot: 'firmware B', region: 'slotB', beginTypes: '0x11 raw .wasm (no keys), 0x12 signed', imageBytes: r.slotB.size - 4096 },
    { slot: 'grid model (2 banks)', region: 'model', beginTypes: '0x01 raw .tflite (no keys), 0x02 signed', imageBytes: bank },
  ];
  if (r.packModel) {
    rows.push({ slot: 'pack model (2 banks)', region: 'packModel', beginTypes: '0x21 raw .tflite (no keys), 0x22 signed', imageBytes: modelBankBytes(b, 'pack') - 4096 });
  }
  return rows;
}

function printBoard(b: Board, fits: (FitReport & { slot?: string })[]): void {
  console.log(`${b.name}: ${b.description ?? ''}`);
  console.log(`  ${b.cpu.arch} ${b.cpu.clockMHz} MHz, RAM ${kib(b.ramBytes)}, arena limit ${kib(b.arenaLimitBytes)}, flash ${kib(b.flash.sizeBytes)}, UART ${b.uart.defaultBaud}..${b.uart.maxBaud} baud`);
  for (const [name, r] of Object.entries(b.flash.regions)) {
    console.log(`  ${name.padEnd(8)} 0x${r.addr.toString(16).padStart(6, '0')} ${kib(r.size)}`);
  }
  for (const s of slotTable(b)) console.log(`  slot ${s.slot}: ${s.imageBytes} B per image in ${s.region} (BEGIN ${s.beginTypes})`);
  for (const f of fits) console.log(fitLine(f));
}

/**
 * The board models in models/: cards with a .tflite next to them (host-only models such as the
 * materials screen have none and are skipped), each with the slot its metadata kind selects.
 * @throws InputError `E_MODEL_CARD` for a malformed card (readModelCard).
 */
async function boardModels(): Promise<ModelFacts[]> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { modelSlotFor, MODEL_SLOTS } = await import('@dendra/device/flash/modelslot.ts');
  return listModelCards().flatMap((card) => {
    const tflite = card.replace(/\.card\.json$/, '.tflite');
    if (!existsSync(tflite)) return [];
    const slot = modelSlotFor(new Uint8Array(readFileSync(tflite))) === MODEL_SLOTS.pack ? 'pack' as const : 'grid' as const;
    return [{ ...readModelCard(card), slot }];
  });
}

/** `dendra boards`: prints every board and the fit of every model. @throws InputError (one line) for a bad board or card. */
export async function boardsAction(opts: BoardsOpts): Promise<void> {
  const boards = listBoards().map((n) => loadBoard(n));
  const models = await boardModels();
  const fw = firmwareSize(opts.firmware);
  const rows = boards.map((b) => ({ board: b, fits: models.map((m) => ({ ...fitModel(b, m, fw), slot: m.slot ?? 'grid' })) }));
  if (opts.json) return printJson(rows.map((r) => ({ ...r.board, slots: slotTable(r.board), fits: r.fits })));
  if (fw === undefined) console.log('(no firmware .wasm found: firmware size not checked; run `npm run asbuild`)');
  for (const r of rows) printBoard(r.board, r.fits);
}
