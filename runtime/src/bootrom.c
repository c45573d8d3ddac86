/*
 * The boot ROM's role (MCUboot / a SoC ROM bootloader), as host/device/src/sim/bootrom.ts: at every boot it
 * reads the A/B slot headers (write-once state words, gen/fwslot.h from firmware/assembly/boot/
 * fwslot.ts), checks each image (SHA-256 of the .wasm; the Ed25519 signature of a signed image
 * against the key table when the board has keys; a raw image only on a board without keys) and picks:
 *  1. a PENDING slot never TRIED (nor CONFIRMED/REVOKED): writes TRIED, boots it in test mode;
 *  2. else the CONFIRMED, not REVOKED slot with the highest generation (TRIED without CONFIRMED is
 *     skipped: that is the rollback);
 *  3. else the factory image (--firmware, default build/firmware.wasm).
 * Also the HAL group boot_* (firmware/assembly/hal/boot.ts). Bad ranges return E_BOUNDS (-1).
 */
#include <stdlib.h>
#include <string.h>
#include "fwslot.h"
#include "rt_core.h"

rt_boot_pick_t rt_boot_current = { .slot = -1 };
bool rt_boot_reset_requested;

typedef struct slot { int index; uint32_t addr, cap, state, gen, len, data_off; const uint8_t *sha; } slot_t;

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Slot i's header; an erased or unreadable slot reads as state 0. */
static slot_t read_slot(int i) {
  const rt_board_t *b = &rt_board;
  int r = i == 0 ? RT_REGION_SLOT_A : RT_REGION_SLOT_B;
  slot_t s = { .index = i, .addr = b->region[r].addr, .cap = b->region[r].size - GEN_FW_HEADER_BYTES };
  const uint8_t *h = rt_flash_view() + s.addr;
  if (!b->region[r].present || b->region[r].size <= GEN_FW_HEADER_BYTES || le32(h) != GEN_FW_MAGIC) return s;
  s.state = GEN_ST_IMAGE;
  if (le32(h + GEN_FW_COMMITTED) == GEN_FW_MARK) s.state |= GEN_ST_COMMITTED;
  if (le32(h + GEN_FW_PENDING) == GEN_FW_MARK) s.state |= GEN_ST_PENDING;
  if (le32(h + GEN_FW_TRIED) == GEN_FW_MARK) s.state |= GEN_ST_TRIED;
  if (le32(h + GEN_FW_CONFIRMED) == GEN_FW_MARK) s.state |= GEN_ST_CONFIRMED;
  if (le32(h + GEN_FW_REVOKED) == GEN_FW_MARK) s.state |= GEN_ST_REVOKED;
  s.gen = le32(h + GEN_FW_GEN) == 0xffffffffu ? 0 : le32(h + GEN_FW_GEN);
  s.len = le32(h + 4);
  s.sha = h + 8;
  s.data_off = le32(h + GEN_FW_DATA_OFF) == GEN_IMG_HEADER ? GEN_IMG_HEADER : 0;
  return s;
}

/* A signed image [0, 80+len) + sig verifies with a trusted key whose SHA-256[0..8] is its key id. */
static bool signed_ok(const uint8_t *data, uint32_t len) {
  rt_keys_t keys;
  if (rt_keys_read(&keys) <= 0) return false;
  for (int k = 0; k < keys.count; k++) {
    uint8_t kid[32];
    rt_sha256(keys.key[k], 32, kid);
    if (memcmp(kid, data + 68, 8) == 0 && rt_ed25519_verify(data + GEN_IMG_HEADER + len, data, GEN_IMG_HEADER + len, keys.key[k]) == 1) return true;
  }
  return false;
}

/* Slot s's .wasm when it checks out (hash, and signature or development mode), else NULL. */
static const uint8_t *slot_image(const slot_t *s) {
  uint32_t sig = s->data_off ? GEN_IMG_SIG : 0;
  if (!(s->state & GEN_ST_COMMITTED) || s->len == 0 || (uint64_t)s->data_off + s->len + sig > s->cap) return NULL;
  const uint8_t *data = rt_flash_view() + s->addr + GEN_FW_HEADER_BYTES;
  uint8_t d[32];
  rt_sha256(data + s->data_off, s->len, d);
  if (memcmp(d, s->sha, 32) != 0) return NULL;
  rt_keys_t keys;
  if (s->data_off == 0) return rt_keys_read(&keys) < 0 ? data : NULL;
  return signed_ok(data, s->len) ? data + s->data_off : NULL;
}

static bool has(const slot_t *s, uint32_t bit) { return (s->state & bit) != 0; }

static void set_pick(rt_boot_pick_t *out, const slot_t *s, const uint8_t *wasm, bool test) {
  out->slot = s->index;
  out->test = test;
  out->wasm_len = s->len;
  out->wasm = malloc(s->len);
  if (out->wasm) memcpy(out->wasm, wasm, s->len);
  memcpy(out->sha256, s->sha, 32);
}

/* The two slots in descending generation order among those `want` accepts. */
static int ordered(slot_t sl[2], int want_test, const slot_t *out[2]) {
  int n = 0;
  for (int i = 0; i < 2; i++) {
    const slot_t *s = &sl[i];
    bool t = has(s, GEN_ST_PENDING) && !has(s, GEN_ST_TRIED) && !has(s, GEN_ST_CONFIRMED) && !has(s, GEN_ST_REVOKED);
    bool good = has(s, GEN_ST_CONFIRMED) && !has(s, GEN_ST_REVOKED);
    if (want_test ? t : good) out[n++] = s;
  }
  if (n == 2 && out[1]->gen > out[0]->gen) { const slot_t *x = out[0]; out[0] = out[1]; out[1] = x; }
  return n;
}

void rt_boot_pick(const uint8_t *factory, uint32_t factory_len, rt_boot_pick_t *out) {
  free(out->wasm);
  memset(out, 0, sizeof *out);
  slot_t sl[2] = { read_slot(0), read_slot(1) };
  const slot_t *c[2];
  int n = ordered(sl, 1, c);
  for (int i = 0; i < n; i++) {
    const uint8_t *w = slot_image(c[i]);
    uint8_t mark[4] = { GEN_FW_MARK & 0xff, (GEN_FW_MARK >> 8) & 0xff, 0, 0 };
    if (w == NULL || rt_flash_write(c[i]->addr + GEN_FW_TRIED, mark, 4) != 0) continue;
    set_pick(out, c[i], w, true);
    return;
  }
  n = ordered(sl, 0, c);
  for (int i = 0; i < n; i++) {
    const uint8_t *w = slot_image(c[i]);
    if (w != NULL) { set_pick(out, c[i], w, false); return; }
  }
  out->slot = -1;
  rt_sha256(factory, factory_len, out->sha256);
}

/* --- natives --- */

static int32_t n_boot_slot(wasm_exec_env_t env) { return rt_boot_current.slot; }
static int32_t n_boot_test(wasm_exec_env_t env) { return rt_boot_current.test ? 1 : 0; }

/* Unwinds the instance with an exception; the main loop sees the flag and reboots (not a trap). */
static void n_boot_reset(wasm_exec_env_t env) {
  rt_boot_reset_requested = true;
  wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), "boot_reset");
}

static const uint8_t *flash_bytes(uint32_t addr, uint32_t len) {
  return (uint64_t)addr + len <= rt_flash_size() ? rt_flash_view() + addr : NULL;
}

static int32_t n_boot_flash_sha256(wasm_exec_env_t env, uint32_t addr, uint32_t len, uint32_t dst) {
  const uint8_t *src = flash_bytes(addr, len);
  uint8_t *out = rt_span(env, dst, 32);
  if (src == NULL || out == NULL) return RT_E_BOUNDS;
  uint8_t d[32];
  rt_sha256(src, len, d);
  memcpy(out, d, 32);
  return 0;
}

static int32_t n_boot_flash_ed25519_verify(wasm_exec_env_t env, uint32_t addr, uint32_t len, uint32_t sig, uint32_t pub) {
  const uint8_t *m = flash_bytes(addr, len);
  uint8_t *s = rt_span(env, sig, 64), *p = rt_span(env, pub, 32);
  if (m == NULL || s == NULL || p == NULL) return RT_E_BOUNDS;
  return rt_ed25519_verify(s, m, len, p);
}

static int32_t n_boot_image_sha256(wasm_exec_env_t env, uint32_t dst) {
  uint8_t *out = rt_span(env, dst, 32);
  if (out == NULL) return RT_E_BOUNDS;
  memcpy(out, rt_boot_current.sha256, 32);
  return 0;
}

static NativeSymbol natives[] = {
  { "boot_slot", (void *)n_boot_slot, "()i", NULL },
  { "boot_test", (void *)n_boot_test, "()i", NULL },
  { "boot_reset", (void *)n_boot_reset, "()", NULL },
  { "boot_flash_sha256", (void *)n_boot_flash_sha256, "(iii)i", NULL },
  { "boot_flash_ed25519_verify", (void *)n_boot_flash_ed25519_verify, "(iiii)i", NULL },
  { "boot_image_sha256", (void *)n_boot_image_sha256, "(i)i", NULL },
};

rt_group_t hal_boot_group(void) { return (rt_group_t){ "boot", natives, sizeof natives / sizeof natives[0] }; }
