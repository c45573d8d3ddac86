// The retained `model` record (docs/mqtt.md "model", docs/schemas/model.schema.json): which models
// (grid, and pack when loaded) and which firmware the board runs, with their SHA-256s, and the
// board's name. The firmware publishes it itself (QoS 1, retained) whenever a model loads or is
// reflashed; the network stack keeps the last retained record and republishes it on net_announce.
// A record the stack refuses stays due and is published again on the next tick.

import { net_publish } from "../hal/net";
import { board_name } from "../hal/board";
import { boot_image_sha256 } from "../hal/boot";
import * as J from "./json";
import * as M from "./meta";
import * as P from "./pack/packmeta";
import * as X from "../texts";
import { slotGridLen, slotGridSha, slotPackLen, slotPackSha } from "./slot";

const fwSha: usize = memory.data(32);
const BOARD_CAP: u32 = 64;
const boardBuf: usize = memory.data(64);
let gridOk = false;
let packOk = false;
let due = false;

/**
 * Notes which models run after a (re)load: `grid` / `pack` true when that model loaded with
 * accepted metadata. `changed` (a model that was not running before) makes the record due.
 */
export function modelRecordNote(grid: bool, pack: bool, changed: bool): void {
  gridOk = grid;
  packOk = pack;
  if (changed && (grid || pack)) due = true;
}

/** `"<name>@<version>"`: the metadata's name, or `fallback` when the metadata has none. */
function nameAt(name: usize, n: u32, fallback: u32, version: u32): void {
  J.jsonByte(0x22);
  if (n > 0) J.jsonBytes(name, n);
  else J.jsonRaw(fallback);
  J.jsonByte(0x40);
  J.jsonInt(<i64>version);
  J.jsonByte(0x22);
}

/** The model fields: `model`..`model_bytes` (grid, else pack) and `pack_model*` beside a grid. */
function modelFields(): void {
  if (gridOk) {
    J.jsonKey(X.K_MODEL);
    nameAt(M.modelName, M.modelNameLen, X.GRID, M.modelVersion);
    J.jsonKey(X.K_MODEL_SHA256);
    J.jsonHex(slotGridSha(), 32);
    J.jsonKey(X.K_MODEL_BYTES);
    J.jsonInt(<i64>slotGridLen());
  }
  if (!packOk) return;
  J.jsonKey(gridOk ? X.K_PACK_MODEL : X.K_MODEL);
  nameAt(P.packName, P.packNameLen, X.PACK, P.packVersion);
  J.jsonKey(gridOk ? X.K_PACK_MODEL_SHA256 : X.K_MODEL_SHA256);
  J.jsonHex(slotPackSha(), 32);
  J.jsonKey(gridOk ? X.K_PACK_MODEL_BYTES : X.K_MODEL_BYTES);
  J.jsonInt(<i64>slotPackLen());
}

/**
 * Publishes the record when it is due (a model loaded since the last accepted publish). Returns 1
 * when it was handed to the stack, 0 when nothing was due or no model runs, <0 (still due) when
 * the stack refused it.
 */
export function modelRecordPump(): i32 {
  if (!due) return 0;
  if (!gridOk && !packOk) {
    due = false;
    return 0;
  }
  J.jsonReset();
  J.jsonByte(0x7b);
  J.jsonKey(X.K_V, true);
  J.jsonInt(1);
  modelFields();
  J.jsonKey(X.K_FIRMWARE);
  J.jsonStr(X.FIRMWARE_VERSION);
  if (boot_image_sha256(fwSha) == 0) {
    J.jsonKey(X.K_FIRMWARE_SHA256);
    J.jsonHex(fwSha, 32);
  }
  const b = board_name(boardBuf, BOARD_CAP);
  if (b > 0) {
    J.jsonKey(X.K_BOARD);
    J.jsonQuoted(boardBuf, <u32>b);
  }
  J.jsonByte(0x7d); // at most ~500 bytes (names <= 48, board <= 64): it always fits the buffer
  const id = net_publish(X.txPtr(X.K_MODEL), X.txLen(X.K_MODEL), J.jsonPtr(), J.jsonLen(), 1, 1);
  if (id < 0) return id;
  due = false;
  return 1;
}
