/**
 * Lazy command actions: a command's definition (name, description, options) is registered at
 * start-up from a light module, and the module that does the work is imported only when the command
 * runs. So `dendra --help` and `dendra flash --help` load commander and the definitions, never
 * TensorFlow.js, serialport, mqtt or aedes.
 */
import { action } from '@dendra/core/run.ts';

/**
 * A commander action that imports its module on first use and calls the function `pick` selects,
 * with commander's arguments. Errors (also a module that fails to load) are reported as by
 * {@link action}: one line, the error's exit code.
 */
export function lazyAction<M, A extends unknown[]>(load: () => Promise<M>, pick: (m: M) => (...args: A) => unknown): (...args: A) => Promise<void> {
  return action(async (...args: A) => {
    const m = await load();
    await pick(m)(...args);
  });
}
