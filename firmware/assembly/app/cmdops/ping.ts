// `ping`: proves the board reads its cmd topic and answers; reports uptime and the command counters.
//   {"v":1,"id":"a1","op":"ping"} -> {"v":1,"id":"a1","op":"ping","ok":true,"status":0,"boot":3,"ts":..,
//                                      "uptime_ms":..,"cmd_ok":1,"cmd_errors":0,"pts":..}

import { replyBegin, replyCounters, replySend } from "./reply";
import * as S from "../../status";

/** Handles a parsed `ping` (always answered ok). */
export function handlePing(): void {
  replyBegin(true, S.OK, true);
  replyCounters();
  replySend();
}
