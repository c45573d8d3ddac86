// `status`: asks the network stack to republish the retained `status` and `model` records (HAL
// net_announce) and reports the model, the effective alert limit and its source, and the journal.
//   {"v":1,"id":"a2","op":"status"} -> {..,"ok":true,"announced":2,"model":"grid@3","limit_c":80.00,
//                                        "hysteresis_c":2.00,"limit_source":"model","pending":0,..}

import { net_announce } from "../../hal/net";
import * as J from "../json";
import * as M from "../meta";
import { outboxPending } from "../outbox";
import { siteIsSet } from "../site";
import { replyBegin, replyCounters, replyEffectiveLimits, replySend } from "./reply";
import * as S from "../../status";
import * as X from "../../texts";

/** Handles a parsed `status` (always answered ok; `announced` 0 when the stack could not republish). */
export function handleStatus(): void {
  const announced = net_announce();
  replyBegin(true, S.OK, true);
  J.jsonKey(X.K_ANNOUNCED);
  J.jsonInt(<i64>(announced < 0 ? 0 : min(announced, 2)));
  if (M.modelVersion > 0) {
    J.jsonKey(X.K_MODEL);
    J.jsonByte(0x22);
    J.jsonRaw(X.GRID_AT);
    J.jsonInt(<i64>M.modelVersion);
    J.jsonByte(0x22);
  }
  replyEffectiveLimits();
  J.jsonKey(X.K_LIMIT_SOURCE);
  J.jsonStr(siteIsSet() ? X.SITE : X.MODEL);
  J.jsonKey(X.K_PENDING);
  J.jsonInt(<i64>outboxPending());
  replyCounters();
  replySend();
}
