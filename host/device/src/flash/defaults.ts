/** Defaults of the flasher that the CLI's option definitions show (light: no serialport). */

/** Default WRITE window of flashModel / flashFirmware (frames in flight). */
export const DEFAULT_WINDOW = 4;
