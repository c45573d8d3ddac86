/**
 * `dendra confirm` and `dendra rollback` (definitions; the work is in ../actions/flashfw.ts). Every
 * failure is one `dendra:` line and exit code 1 (FlashError / InputError).
 */
import type { Command } from 'commander';
import { FLASH_DEFAULTS } from '@dendra/device/flash/defaults.ts';
import { lazyAction } from '../lazy.ts';
import { serialPortOption } from '../options.ts';

/** Registers `dendra confirm` and `dendra rollback`. */
export function registerFlashFw(program: Command): void {
  for (const what of ['confirm', 'rollback'] as const) {
    program
      .command(what)
      .description(what === 'confirm'
        ? 'keep the firmware a board runs on its test boot (it normally confirms itself after its self-test)'
        : 'leave the running firmware slot (revoked unless on its test boot) and reset into the previous firmware')
      .addOption(serialPortOption())
      .option('--timeout <ms>', 'largest response timeout per attempt (it follows the measured round trip below)', String(FLASH_DEFAULTS.timeoutMs))
      .option('--retries <n>', 'retries per command', String(FLASH_DEFAULTS.retries))
      .option('--json', 'print the result as JSON')
      .action(lazyAction(() => import('../actions/flashfw.ts'), (m) => (opts: import('../actions/flashfw.ts').SlotCmdOpts) => m.slotCommand(opts, what)));
  }
}
