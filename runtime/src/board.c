/*
 * Boards are data: loads boards/<name>.json (or a path to a board JSON) with its `inherits` chain
 * (a board in the same directory, else boards/soc/<name>.json), deep-merged as the host's
 * host/device/src/boards/board.ts does (the child wins; objects merge, arrays and scalars replace), into
 * rt_board. The root SoC's name is the family unless a file sets "family". Any missing or bad
 * field fails the load with one line naming it (the host's validateBoard is the full check).
 */
#include <cjson/cJSON.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt_core.h"

rt_board_t rt_board;
static const char *REGION_NAMES[RT_REGION_COUNT] = { "boot", "slotA", "slotB", "model", "journal", "packModel" };

static cJSON *read_json(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) { rt_fail("cannot read board file %s", path); return NULL; }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *text = (n >= 0 && n < (1 << 20)) ? malloc((size_t)n + 1) : NULL;
  size_t got = text ? fread(text, 1, (size_t)n, f) : 0;
  fclose(f);
  if (text == NULL || got != (size_t)n) { free(text); rt_fail("cannot read board file %s", path); return NULL; }
  text[n] = 0;
  cJSON *j = cJSON_Parse(text);
  free(text);
  if (!cJSON_IsObject(j)) { cJSON_Delete(j); rt_fail("board file %s is not a JSON object", path); return NULL; }
  return j;
}

/* Merges child into parent (parent is modified; child is consumed). */
static void merge(cJSON *parent, cJSON *child) {
  cJSON *c = child->child;
  while (c != NULL) {
    cJSON *next = c->next;
    cJSON *p = cJSON_GetObjectItemCaseSensitive(parent, c->string);
    cJSON_DetachItemViaPointer(child, c);
    if (cJSON_IsObject(p) && cJSON_IsObject(c)) { merge(p, c); cJSON_Delete(c); }
    else if (p != NULL) cJSON_ReplaceItemViaPointer(parent, p, c);
    else cJSON_AddItemToObject(parent, c->string, c);
    c = next;
  }
}

/* `name` as a board in dir, a SoC in dir/soc, then the same in --boards-dir (a board file given by
 * path may inherit the repository's SoCs). 0, or -1 when none exists. */
static int parent_path(const char *dir, const char *name, char *out, size_t cap) {
  const char *dirs[2] = { dir, rt_cfg.boards_dir };
  for (int d = 0; d < 2; d++) {
    if (dirs[d] == NULL) continue;
    snprintf(out, cap, "%s/%s.json", dirs[d], name);
    if (access(out, R_OK) == 0) return 0;
    snprintf(out, cap, "%s/soc/%s.json", dirs[d], name);
    if (access(out, R_OK) == 0) return 0;
  }
  return -1;
}

/* The merged chain from `path` (depth-limited against cycles), or NULL after a message. */
static cJSON *load_chain(const char *dir, const char *path, int depth) {
  if (depth > 8) { rt_fail("board inheritance too deep (a cycle?) at %s", path); return NULL; }
  cJSON *own = read_json(path);
  if (own == NULL) return NULL;
  cJSON *inh = cJSON_DetachItemFromObjectCaseSensitive(own, "inherits");
  if (inh == NULL) {
    cJSON *kind = cJSON_GetObjectItemCaseSensitive(own, "kind");
    cJSON *name = cJSON_GetObjectItemCaseSensitive(own, "name");
    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "soc") == 0 && cJSON_IsString(name) && !cJSON_HasObjectItem(own, "family"))
      cJSON_AddStringToObject(own, "family", name->valuestring);
    return own;
  }
  char pp[1024];
  if (!cJSON_IsString(inh) || parent_path(dir, inh->valuestring, pp, sizeof pp) != 0) {
    rt_fail("board file %s inherits unknown '%s'", path, cJSON_IsString(inh) ? inh->valuestring : "?");
    cJSON_Delete(inh); cJSON_Delete(own);
    return NULL;
  }
  cJSON_Delete(inh);
  cJSON *base = load_chain(dir, pp, depth + 1);
  if (base != NULL) merge(base, own);
  cJSON_Delete(own);
  return base;
}

/* The number at dotted path, or -1 after a message when missing / below min. */
static double num(cJSON *j, const char *path, double min) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  cJSON *v = j;
  for (char *k = strtok(buf, "."); k != NULL && v != NULL; k = strtok(NULL, ".")) v = cJSON_GetObjectItemCaseSensitive(v, k);
  if (!cJSON_IsNumber(v) || v->valuedouble < min) {
    rt_fail("board '%s': field %s must be a number >= %g", rt_board.name, path, min);
    return -1;
  }
  return v->valuedouble;
}

static int fill_regions(cJSON *j) {
  cJSON *regions = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "flash"), "regions");
  for (int i = 0; i < RT_REGION_COUNT; i++) {
    cJSON *r = cJSON_GetObjectItemCaseSensitive(regions, REGION_NAMES[i]);
    if (r == NULL && i == RT_REGION_PACK_MODEL) continue; /* optional */
    char p[64];
    snprintf(p, sizeof p, "flash.regions.%s.addr", REGION_NAMES[i]);
    double a = num(j, p, 0);
    snprintf(p, sizeof p, "flash.regions.%s.size", REGION_NAMES[i]);
    double s = num(j, p, 1);
    if (a < 0 || s < 0 || a + s > rt_board.flash_size) {
      if (a >= 0 && s >= 0) rt_fail("board '%s': flash region %s ends past the end of flash", rt_board.name, REGION_NAMES[i]);
      return -1;
    }
    rt_board.region[i].addr = (uint32_t)a;
    rt_board.region[i].size = (uint32_t)s;
    rt_board.region[i].present = true;
  }
  return 0;
}

static int fill_dma(cJSON *j) {
  cJSON *ch = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "dma"), "channels");
  cJSON *c;
  cJSON_ArrayForEach(c, ch) {
    if (rt_board.dma_count == 4) break;
    cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id"), *fb = cJSON_GetObjectItemCaseSensitive(c, "frameBytes");
    cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (!cJSON_IsNumber(id) || !cJSON_IsNumber(fb)) { rt_fail("board '%s': dma.channels needs id and frameBytes", rt_board.name); return -1; }
    rt_board.dma[rt_board.dma_count].id = (uint32_t)id->valuedouble;
    rt_board.dma[rt_board.dma_count].frame_bytes = (uint32_t)fb->valuedouble;
    snprintf(rt_board.dma[rt_board.dma_count].name, 32, "%s", cJSON_IsString(nm) ? nm->valuestring : "");
    rt_board.dma_count++;
  }
  if (rt_board.dma_count == 0) { rt_fail("board '%s': dma.channels must list at least one channel", rt_board.name); return -1; }
  return 0;
}

static int fill(cJSON *j) {
  static const struct { const char *path; double min; } f[10] = {
    { "ramBytes", 1 }, { "arenaLimitBytes", 1 }, { "flash.sizeBytes", 1 }, { "flash.sectorBytes", 1 },
    { "uart.defaultBaud", 1 }, { "uart.maxBaud", 1 }, { "uart.maxFramePayload", 64 },
    { "pmu.supplyV", 0 }, { "pmu.modes.active.currentMa", 0 }, { "pmu.modes.sleep.currentMa", 0 },
  };
  double v[10];
  for (int i = 0; i < 10; i++) if ((v[i] = num(j, f[i].path, f[i].min)) < 0) return -1; /* first bad field only */
  if (v[2] > 0xffffffffu || v[0] > 0xffffffffu || (uint32_t)v[3] == 0 || ((uint32_t)v[3] & ((uint32_t)v[3] - 1)) != 0) {
    rt_fail("board '%s': ramBytes and flash.sizeBytes must fit 32 bits, flash.sectorBytes must be a power of two", rt_board.name);
    return -1;
  }
  rt_board.ram_bytes = (uint32_t)v[0]; rt_board.arena_limit = (uint32_t)v[1];
  rt_board.flash_size = (uint32_t)v[2]; rt_board.sector_bytes = (uint32_t)v[3];
  rt_board.default_baud = (uint32_t)v[4]; rt_board.max_baud = (uint32_t)v[5]; rt_board.max_frame = (uint32_t)v[6];
  rt_board.supply_v = v[7]; rt_board.active_ma = v[8]; rt_board.sleep_ma = v[9];
  cJSON *fam = cJSON_GetObjectItemCaseSensitive(j, "family");
  snprintf(rt_board.family, sizeof rt_board.family, "%.16s", cJSON_IsString(fam) ? fam->valuestring : rt_board.name);
  return fill_regions(j) == 0 && fill_dma(j) == 0 ? 0 : -1;
}

/* A name (boards_dir/<name>.json) or a path (contains '/' or ends in .json). */
int rt_board_load(const char *arg, const char *boards_dir) {
  char path[1024], dir[1024];
  bool is_path = strchr(arg, '/') != NULL || (strlen(arg) > 5 && strcmp(arg + strlen(arg) - 5, ".json") == 0);
  if (is_path) {
    snprintf(path, sizeof path, "%s", arg);
    snprintf(dir, sizeof dir, "%s", arg);
    snprintf(dir, sizeof dir, "%s", dirname(dir));
    char base[256];
    snprintf(base, sizeof base, "%s", basename(path));
    if (strlen(base) > 5 && strcmp(base + strlen(base) - 5, ".json") == 0) base[strlen(base) - 5] = 0;
    snprintf(rt_board.name, sizeof rt_board.name, "%s", base);
  } else {
    for (const char *c = arg; *c; c++)
      if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') || ((*c | 32) >= 'a' && (*c | 32) <= 'z'))) {
        rt_fail("unknown board '%s'", arg);
        return -1;
      }
    snprintf(path, sizeof path, "%s/%s.json", boards_dir, arg);
    snprintf(dir, sizeof dir, "%s", boards_dir);
    snprintf(rt_board.name, sizeof rt_board.name, "%s", arg);
    if (access(path, R_OK) != 0) { rt_fail("unknown board '%s' (no %s)", arg, path); return -1; }
  }
  cJSON *j = load_chain(dir, path, 0);
  if (j == NULL) return -1;
  int st = fill(j);
  cJSON_Delete(j);
  return st;
}
