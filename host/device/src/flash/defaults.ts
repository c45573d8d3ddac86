/**
 * Defaults of the flasher that the CLI's option definitions show and `dendra flash` runs with
 * (light: no serialport, no imports). adaptive.ts, loader.ts and flash.ts take theirs from here.
 */

/** Default WRITE window of flashModel / flashFirmware (frames in flight). */
export const DEFAULT_WINDOW = 24;
/** Default largest response timeout, ms (`dendra flash --timeout`); below it the timeout follows the round trip. */
export const RTO_CEILING_MS = 2000;
/**
 * Default retries per command (the timeouts follow the round trip, so a retry is cheap): 13
 * attempts get the first HELLO through a line losing half its frames with odds of 1 in 8000.
 */
export const DEFAULT_RETRIES = 12;
/** Default time budget of a flash, s: it resumes after interruptions until this much time is spent. */
export const DEFAULT_BUDGET_S = 300;

/**
 * The defaults `dendra flash` runs with (the CLI reads its option defaults from here, the fault
 * suite and the bench use them as they are).
 */
export const FLASH_DEFAULTS = { windowSize: DEFAULT_WINDOW, timeoutMs: RTO_CEILING_MS, retries: DEFAULT_RETRIES, budgetS: DEFAULT_BUDGET_S } as const;
