// `set-limit`: the site's top-oil limit and hysteresis for overload.warning, stored in flash
// (app/site.ts) and effective from the next forecast window, also after a reboot.
//   {"v":1,"id":"a3","op":"set-limit","limit_c":85,"hysteresis_c":3}
//     -> {..,"ok":true,"old":{"limit_c":80.00,"hysteresis_c":2.00},"new":{"limit_c":85.00,"hysteresis_c":3.00}}
// Refused (nothing changes): a value missing (E_COMMAND), out of range (E_RANGE), no settings
// sector on the board (E_STATE), a flash write that failed (E_FLASH).

import { cmdLimitC, cmdHysteresisC } from "../cmdparse";
import { siteLimitC, siteHysteresisC, siteSet } from "../site";
import { replyBegin, replyLimits, replyRefuse, replySend } from "./reply";
import * as S from "../../status";
import * as X from "../../texts";

/** The error text of a failed siteSet status. */
function why(st: i32): u32 {
  if (st == S.E_RANGE) return X.OUT_OF_RANGE;
  if (st == S.E_STATE) return X.NO_SETTINGS_STORAGE;
  return X.FLASH_WRITE_FAILED;
}

/** Handles a parsed `set-limit`. */
export function handleSetLimit(): void {
  const limitC = cmdLimitC(), hystC = cmdHysteresisC();
  if (isNaN(limitC) || isNaN(hystC)) {
    replyRefuse(S.E_COMMAND, X.SET_LIMIT_NEEDS, true);
    return;
  }
  const oldL = siteLimitC(), oldH = siteHysteresisC();
  const st = siteSet(limitC, hystC);
  if (st != S.OK) {
    replyRefuse(st, why(st), true);
    return;
  }
  replyBegin(true, S.OK, true);
  replyLimits(X.K_OLD, oldL, oldH);
  replyLimits(X.K_NEW, siteLimitC(), siteHysteresisC());
  replySend();
}
