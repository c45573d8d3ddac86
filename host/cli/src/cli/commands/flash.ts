/**
 * `dendra flash` (definition; the work is in ../actions/flash.ts, loaded when it runs): a model
 * (.tflite), a signed model image (.dimg), or a firmware (.wasm / signed firmware image) to a board
 * over a serial port.
 */
import type { Command } from 'commander';
import { DEFAULT_WINDOW, FLASH_DEFAULTS } from '@dendra/device/flash/defaults.ts';
import { lazyAction } from '../lazy.ts';
import { profileOption, serialPortOption } from '../options.ts';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Registers the command. */
export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description('flash a .tflite model, a signed model image, or a firmware (.wasm / signed firmware image: A/B slots, test boot, confirm) to a board over a serial port')
    .argument('<file>', '.tflite model, signed image (dendra sign --type model|firmware), or firmware .wasm')
    .addOption(serialPortOption())
    .addOption(profileOption('--board <name>', 'board descriptor in boards/ (the model must fit its model region and arena)', 'board', { def: 'sim' }))
    .option('--baud <n|max>', 'transfer at this baud, or max (the board\'s): the board switches after HELLO (SET_BAUD) and back after FINISH; default: stay at the board\'s default baud')
    .option('--window <n>', 'WRITE frames in flight (1 = stop-and-wait, max 32)', String(DEFAULT_WINDOW))
    .option('--timeout <ms>', 'largest response timeout per attempt; below it the timeout follows the measured round trip', String(FLASH_DEFAULTS.timeoutMs))
    .option('--retries <n>', 'retries per command (HELLO, BEGIN, STATUS, FINISH)', String(FLASH_DEFAULTS.retries))
    .option('--resume', 'ask the board where an interrupted transfer of this model stopped and continue from there')
    .option('--budget <seconds>', 'time budget: resume automatically when the transfer breaks (line lost, board reset) until this much time is spent', String(FLASH_DEFAULTS.budgetS))
    .option('--resumes <n>', 'at most this many automatic resumes (default: as many as the budget allows)')
    .option('--chunk <bytes>', 'largest WRITE payload (default: the board\'s max frame - 4); frames shrink and grow below it with the line\'s losses')
    .option('--pubkey <file>', 'verify the signed image against this public key before sending (repeat for several)', collect)
    .option('--slot <grid|pack>', 'model slot: grid (0) or pack (2); default: the model\'s metadata kind')
    .option('--no-compress', 'send every chunk as a plain WRITE (default: WRITEZ, raw deflate, when smaller)')
    .option('--confirm-timeout <ms>', 'firmware: how long to wait for the board to come back and confirm the new firmware', '10000')
    .option('--json', 'print the result as JSON (no progress bar)')
    .action(lazyAction(() => import('../actions/flash.ts'), (m) => m.flashAction));
}
