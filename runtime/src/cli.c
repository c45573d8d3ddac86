/*
 * Command line of dendra-runtime into rt_cfg (rt.h) and rt_opts (rt_core.h). Usage errors print
 * one line (JSON {"error": ...} with --json) and give exit code 2.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rt_core.h"

rt_config_t rt_cfg;
rt_core_opts_t rt_opts;
static char repo[1024], boards_dir[1100], firmware[1100], flash_default[1200], ett_default[1200];

static const char *USAGE =
  "usage: dendra-runtime [options]\n"
  "Runs the Dendra firmware (.wasm) on WAMR with a native HAL: UART on a tty or pty, flash in a file.\n"
  "  --board NAME|PATH      board from boards/ (default sim), or a board JSON file\n"
  "  --boards-dir DIR       boards directory (default <repo>/boards)\n"
  "  --flash FILE           flash image file, created 0xFF when absent (default <repo>/.dendra/<board>-<device>.flash)\n"
  "  --pty                  UART on a new pseudo-terminal (default when --uart is not given)\n"
  "  --uart DEVICE          UART on a serial device (/dev/ttyUSB0, /dev/ttyS0)\n"
  "  --link PATH            symlink PATH to the UART device\n"
  "  --firmware FILE        factory image (default <repo>/build/firmware.wasm)\n"
  "  --trust KEYFILE        provision a trusted public key (dendra keys new); repeat for several (max 8)\n"
  "  --broker URL           MQTT broker mqtt://host:port or mqtts://host:port (none: publishes dropped)\n"
  "  --ca FILE              CA certificate for mqtts\n"
  "  --username NAME        broker account (password from $DENDRA_MQTT_PASSWORD)\n"
  "  --site ID --device ID  topic ids (default site1, board1)\n"
  "  --data CSV             ETT-layout CSV replayed on DMA channel 0 (default <repo>/../shared/data/ett/ETTh1.csv when present)\n"
  "  --start ROW            first CSV row of window 0 (default 11520)\n"
  "  --pack-frames CSV      pack frames on DMA channel 1, one per line\n"
  "  --pack-hours H         board hours per pack frame (default 1)\n"
  "  --live PATH            unix socket for live sensor input: hours on channel 0, frames on 1 (docs/runtime-live-input.md)\n"
  "  --ms-per-hour MS       real ms per board hour (default 3600000: real time)\n"
  "  --json                 print the ready line as one JSON line\n"
  "  --help                 this text\n";

void rt_fail(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!rt_cfg.json) { fprintf(stderr, "dendra-runtime: %s\n", msg); return; }
  fputs("{\"error\": \"", stdout);
  for (const char *c = msg; *c; c++) {
    if (*c == '"' || *c == '\\') printf("\\%c", *c);
    else if ((unsigned char)*c < 0x20) printf("\\u%04x", *c);
    else putchar(*c);
  }
  fputs("\"}\n", stdout);
  fflush(stdout);
}

/* The repository root: the executable's directory's parent (build/dendra-runtime), or $DENDRA_REPO. */
static void find_repo(void) {
  const char *env = getenv("DENDRA_REPO");
  if (env) { snprintf(repo, sizeof repo, "%s", env); return; }
  char exe[1024];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) { snprintf(repo, sizeof repo, "."); return; }
  exe[n] = 0;
  snprintf(repo, sizeof repo, "%s", dirname(dirname(exe)));
}

static void defaults(void) {
  find_repo();
  snprintf(boards_dir, sizeof boards_dir, "%s/boards", repo);
  snprintf(firmware, sizeof firmware, "%s/build/firmware.wasm", repo);
  const char *shared = getenv("DENDRA_SHARED");
  if (shared) snprintf(ett_default, sizeof ett_default, "%s/data/ett/ETTh1.csv", shared);
  else snprintf(ett_default, sizeof ett_default, "%s/../shared/data/ett/ETTh1.csv", repo);
  rt_opts.repo_root = repo;
  /* ETTh1 replay by default where the shared data is (a dev machine, CI); on a gateway without it
   * channel 0 has no replay unless --data or --live gives one. */
  rt_cfg = (rt_config_t){ .board_arg = "sim", .boards_dir = boards_dir, .firmware_path = firmware, .site = "site1",
    .device = "board1", .grid_csv = access(ett_default, R_OK) == 0 ? ett_default : NULL, .grid_start = 11520,
    .pack_hours = 1, .ms_per_hour = 3600000 };
}

static int usage(const char *fmt, const char *arg) {
  char m[300];
  snprintf(m, sizeof m, fmt, arg);
  rt_fail("%s (see --help)", m);
  return RT_EXIT_USAGE;
}

/* A number option in (0, max]: 0, or -1. */
static int number(const char *v, double max, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (errno || end == v || *end || !(d > 0 && d <= max)) return -1;
  *out = d;
  return 0;
}

static const char **string_opt(const char *name) {
  static const struct { const char *name; size_t off; } map[] = {
    { "--board", offsetof(rt_config_t, board_arg) }, { "--boards-dir", offsetof(rt_config_t, boards_dir) },
    { "--flash", offsetof(rt_config_t, flash_path) }, { "--uart", offsetof(rt_config_t, uart_path) },
    { "--link", offsetof(rt_config_t, link_path) }, { "--firmware", offsetof(rt_config_t, firmware_path) },
    { "--broker", offsetof(rt_config_t, broker_url) }, { "--ca", offsetof(rt_config_t, ca_path) },
    { "--username", offsetof(rt_config_t, username) }, { "--site", offsetof(rt_config_t, site) },
    { "--device", offsetof(rt_config_t, device) }, { "--data", offsetof(rt_config_t, grid_csv) },
    { "--pack-frames", offsetof(rt_config_t, pack_csv) }, { "--live", offsetof(rt_config_t, live_socket) },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(name, map[i].name) == 0) return (const char **)((char *)&rt_cfg + map[i].off);
  return NULL;
}

/* One option with its value at argv[*i + 1]: 0, or RT_EXIT_USAGE after a message. */
static int valued(int argc, char **argv, int *i) {
  const char *name = argv[*i];
  const char **s = string_opt(name);
  bool known = s || strcmp(name, "--trust") == 0 || strcmp(name, "--start") == 0 || strcmp(name, "--ms-per-hour") == 0
    || strcmp(name, "--pack-hours") == 0;
  if (!known) return usage("unknown option '%s'", name);
  if (*i + 1 >= argc) return usage("option %s needs a value", name);
  const char *v = argv[++*i];
  double d;
  if (s) { *s = v; return 0; }
  if (strcmp(name, "--trust") == 0) {
    if (rt_opts.trust_count == 8) return usage("at most 8 --trust keys%s", "");
    rt_opts.trust[rt_opts.trust_count++] = v;
    return 0;
  }
  if (strcmp(name, "--start") == 0) {
    if (number(v, 1e9, &d) != 0 && strcmp(v, "0") != 0) return usage("option --start must be a row number, got '%s'", v);
    rt_cfg.grid_start = strcmp(v, "0") == 0 ? 0 : (uint32_t)d;
    return 0;
  }
  if (strcmp(name, "--ms-per-hour") == 0) {
    if (number(v, 36e6, &rt_cfg.ms_per_hour) != 0) return usage("option --ms-per-hour must be a number in (0, 36000000], got '%s'", v);
    return 0;
  }
  if (strcmp(name, "--pack-hours") == 0) {
    if (number(v, 24 * 365, &rt_cfg.pack_hours) != 0) return usage("option --pack-hours must be a number in (0, 8760], got '%s'", v);
    return 0;
  }
  return usage("unknown option '%s'", name);
}

int rt_cli_parse(int argc, char **argv) {
  defaults();
  for (int i = 1; i < argc; i++) if (strcmp(argv[i], "--json") == 0) rt_cfg.json = true;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(USAGE, stdout); return 1; }
    if (strcmp(a, "--json") == 0) continue;
    if (strcmp(a, "--pty") == 0) { rt_opts.pty = true; continue; }
    if (strncmp(a, "--", 2) != 0) return usage("unexpected argument '%s'", a);
    int st = valued(argc, argv, &i);
    if (st != 0) return st;
  }
  if (rt_opts.pty && rt_cfg.uart_path) return usage("give either --pty or --uart DEVICE%s", "");
  return 0;
}

/* The default flash file <repo>/.dendra/<board>-<device>.flash (directory created). */
const char *rt_default_flash(void) {
  char dir[1100];
  snprintf(dir, sizeof dir, "%s/.dendra", repo);
  mkdir(dir, 0755);
  snprintf(flash_default, sizeof flash_default, "%s/%s-%s.flash", dir, rt_board.name, rt_cfg.device);
  return flash_default;
}
