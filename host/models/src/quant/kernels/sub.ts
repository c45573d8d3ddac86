/** SUB int8 -> int8: the ADD kernel with the second scaled input subtracted (see add.ts). */
import { prepareAddSub } from './add.ts';
import type { OpSite, PreparedOp } from './common.ts';

/**
 * Validates a SUB op; multipliers are computed in f32 as TFLite Micro's sub_common.cc does.
 *
 * @throws InputError (code `E_MODEL`) as {@link prepareAddSub}.
 */
export function prepareSub(site: OpSite): PreparedOp {
  return prepareAddSub(site, true);
}
