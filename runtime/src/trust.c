/*
 * The board's trust anchor in flash, as host/device/src/sim/trust.ts and firmware/assembly/boot/keys.ts:
 * a key table in the journal region's sector after the boot counter (offset KEYS_OFFSET rounded up
 * to the erase sector): u32 magic "DKEY" | u32 count (1..8) | count x 32-byte Ed25519 public key.
 * Erased: no keys (development mode). --trust KEYFILE provisions it like `dendra sim --trust`
 * (the public key JSON of `dendra keys new`: {"public": "<64 hex>"}).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fwslot.h"
#include "rt_core.h"

/* Flash address of the key table, or 0 when the journal has no room for one (trust.ts keyTableAddr). */
static uint32_t table_addr(void) {
  uint32_t sector = rt_board.sector_bytes;
  uint32_t off = (GEN_KEYS_OFFSET + sector - 1) / sector * sector;
  if (sector < 8 + GEN_KEYS_MAX * 32 || off + sector > rt_board.region[RT_REGION_JOURNAL].size) return 0;
  return rt_board.region[RT_REGION_JOURNAL].addr + off;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

int rt_keys_read(rt_keys_t *out) {
  out->count = 0;
  uint32_t a = table_addr();
  const uint8_t *f = rt_flash_view();
  if (a == 0 || f == NULL) return -1;
  uint32_t magic = le32(f + a), n = le32(f + a + 4);
  if (magic == 0xffffffffu) return -1;
  if (magic != GEN_KEYS_MAGIC || n < 1 || n > GEN_KEYS_MAX) return 0;
  for (uint32_t i = 0; i < n; i++) memcpy(out->key[i], f + a + 8 + i * 32, 32);
  out->count = (int)n;
  return out->count;
}

/* The 32-byte "public" of a key file into key; <0 after a message. */
static int read_key_file(const char *path, uint8_t key[32]) {
  FILE *fp = fopen(path, "rb");
  char text[8192];
  size_t n = fp ? fread(text, 1, sizeof text - 1, fp) : 0;
  if (fp) fclose(fp);
  text[n] = 0;
  cJSON *j = fp ? cJSON_Parse(text) : NULL;
  cJSON *pub = cJSON_GetObjectItemCaseSensitive(j, "public");
  int ok = cJSON_IsString(pub) && strlen(pub->valuestring) == 64;
  for (int i = 0; ok && i < 32; i++) {
    unsigned v;
    ok = sscanf(pub->valuestring + 2 * i, "%2x", &v) == 1;
    key[i] = (uint8_t)v;
  }
  cJSON_Delete(j);
  if (!ok) rt_fail("--trust %s: not a public key file (needs \"public\": 64 hex digits)", path);
  return ok ? 0 : -1;
}

int rt_keys_provision(void) {
  if (rt_opts.trust_count == 0) return 0;
  uint32_t a = table_addr();
  if (a == 0) { rt_fail("board %s has no room for a key table in its journal region", rt_board.name); return -1; }
  uint8_t table[8 + 8 * 32];
  uint32_t n = (uint32_t)rt_opts.trust_count;
  for (uint32_t i = 0; i < n; i++) if (read_key_file(rt_opts.trust[i], table + 8 + 32 * i) != 0) return -1;
  for (int i = 0; i < 4; i++) { table[i] = (uint8_t)(GEN_KEYS_MAGIC >> (8 * i)); table[4 + i] = (uint8_t)(n >> (8 * i)); }
  if (rt_flash_erase(a, rt_board.sector_bytes) != 0 || rt_flash_write(a, table, 8 + 32 * n) != 0) {
    rt_fail("cannot write the key table to the flash file");
    return -1;
  }
  return 0;
}
