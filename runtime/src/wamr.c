/*
 * The WAMR embedding and the board's main loop, as host/device/src/sim/runner.ts: at every boot the ROM
 * (bootrom.c) picks the image, WAMR loads and instantiates it with the natives of every HAL group
 * (module "hal") and env.abort, fw_init runs once, then fw_tick in a loop with real sleeps between
 * ticks (hal_clock.c). A trap (abort, unreachable, out-of-bounds access) reboots the board with a
 * fresh instance from the same flash, like a watchdog; MAX_CONSECUTIVE_TRAPS in a row halt it. A
 * boot_reset unwinds the instance and reboots (RAM lost). A slot image that does not load, link or
 * export fw_init/fw_tick is a trapped boot: its slot stays TRIED without CONFIRMED, so the next
 * boot rolls back. Only a bad factory image stops the process (exit 1, at start-up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_core.h"

#define MAX_CONSECUTIVE_TRAPS 3
#define STACK_BYTES (64 * 1024)
#define MAX_RESET_DEPTH 8

static uint8_t *factory;             /* the factory image as read from disk */
static uint32_t factory_len;
static wasm_module_t factory_mod;
static uint8_t *factory_copy;        /* WAMR may rewrite the buffer it loads from: its own copy */
static wasm_module_t slot_mod;       /* the module of the running slot image (reloaded per boot) */
static uint8_t *slot_buf;
static wasm_module_inst_t inst;
static wasm_exec_env_t exec_env;
static wasm_function_inst_t f_init, f_tick;
static int consecutive_traps, reset_depth;
static bool halted;
static struct { unsigned long boots, ticks, traps, resets; } counters;

uint8_t *rt_span(wasm_exec_env_t env, uint32_t ptr, uint32_t len) {
  wasm_module_inst_t mi = env ? wasm_runtime_get_module_inst(env) : inst;
  wasm_memory_inst_t mem = mi ? wasm_runtime_get_default_memory(mi) : NULL;
  if (mem == NULL) return NULL;
  uint64_t size = wasm_memory_get_cur_page_count(mem) * (uint64_t)wasm_memory_get_bytes_per_page(mem);
  if ((uint64_t)ptr + len > size) return NULL;
  return (uint8_t *)wasm_memory_get_base_address(mem) + ptr;
}

/* An AssemblyScript string (u32 byte length at ptr-4, UTF-16LE) as ASCII into out; "?" when out of range. */
static void as_string(wasm_exec_env_t env, uint32_t ptr, char *out, size_t cap) {
  uint8_t *len = ptr >= 4 ? rt_span(env, ptr - 4, 4) : NULL;
  uint32_t n = len ? (len[0] | len[1] << 8 | len[2] << 16 | (uint32_t)len[3] << 24) : 0;
  uint8_t *s = len && n <= 4096 ? rt_span(env, ptr, n) : NULL;
  if (s == NULL) { snprintf(out, cap, "?"); return; }
  size_t k = 0;
  for (uint32_t i = 0; i + 1 < n && k + 1 < cap; i += 2) out[k++] = (s[i + 1] == 0 && s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
  out[k] = 0;
}

/* env.abort(msg, file, line, col): AssemblyScript's abort; a trap with its message. */
static void n_abort(wasm_exec_env_t env, uint32_t msg, uint32_t file, uint32_t line, uint32_t col) {
  char m[200], f[200], e[512];
  as_string(env, msg, m, sizeof m);
  as_string(env, file, f, sizeof f);
  snprintf(e, sizeof e, "abort: %s at %s:%u:%u", m, f, line, col);
  wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), e);
}

static NativeSymbol env_natives[] = { { "abort", (void *)n_abort, "(iiii)", NULL } };

static int register_groups(void) {
  rt_group_t g[] = { hal_uart_group(), hal_flash_group(), hal_clock_group(), hal_crypto_group(), hal_log_group(),
                     hal_board_group(), hal_boot_group(), hal_net_group(), hal_dma_group() };
  int n = (int)(sizeof g / sizeof g[0]);
  if (rt_contract_check(g, n) != 0) return -1;
  for (int i = 0; i < n; i++) {
    if (!wasm_runtime_register_natives("hal", g[i].natives, g[i].count)) { rt_fail("cannot register the %s natives", g[i].name); return -1; }
  }
  if (!wasm_runtime_register_natives("env", env_natives, 1)) { rt_fail("cannot register env.abort"); return -1; }
  return 0;
}

static uint8_t *read_file(const char *path, uint32_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  uint8_t *b = (n > 0 && n < (64 << 20)) ? malloc((size_t)n) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
  fclose(f);
  *len = (uint32_t)n;
  return b;
}

/* Loads a module from a private copy of bytes (kept in *buf while the module lives); NULL + err. */
static wasm_module_t load(const uint8_t *bytes, uint32_t len, uint8_t **buf, char *err, uint32_t cap) {
  *buf = malloc(len);
  if (*buf == NULL) { snprintf(err, cap, "out of memory"); return NULL; }
  memcpy(*buf, bytes, len);
  wasm_module_t m = wasm_runtime_load(*buf, len, err, cap);
  if (m == NULL) { free(*buf); *buf = NULL; }
  return m;
}

int rt_wamr_init(const char *factory_path) {
  RuntimeInitArgs args;
  memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_System_Allocator;
  if (!wasm_runtime_full_init(&args)) { rt_fail("WAMR failed to initialise"); return -1; }
  wasm_runtime_set_log_level(WASM_LOG_LEVEL_ERROR);
  if (register_groups() != 0) return -1;
  factory = read_file(factory_path, &factory_len);
  if (factory == NULL) { rt_fail("firmware %s cannot be read (build it: make build)", factory_path); return -1; }
  char err[256];
  factory_mod = load(factory, factory_len, &factory_copy, err, sizeof err);
  if (factory_mod == NULL) { rt_fail("firmware %s does not load in WAMR: %s", factory_path, err); return -1; }
  return 0;
}

/* Drops the running instance (its RAM is lost) and the slot module it came from. */
static void drop_instance(void) {
  if (exec_env) wasm_runtime_destroy_exec_env(exec_env);
  if (inst) wasm_runtime_deinstantiate(inst);
  if (slot_mod) wasm_runtime_unload(slot_mod);
  free(slot_buf);
  exec_env = NULL; inst = NULL; slot_mod = NULL; slot_buf = NULL; f_init = f_tick = NULL;
}

static void trapped(const char *where, const char *msg) {
  counters.traps++;
  consecutive_traps++;
  fprintf(stderr, "board: firmware trapped in %s: %s\n", where, msg);
}

/* Instantiates the module the ROM picked; false (a trapped boot, or exit for the factory) on failure. */
static bool instantiate(void) {
  char err[256];
  wasm_module_t m = factory_mod;
  if (rt_boot_current.wasm) {
    m = slot_mod = load(rt_boot_current.wasm, rt_boot_current.wasm_len, &slot_buf, err, sizeof err);
    if (m == NULL) { trapped("boot of a slot image", err); return false; }
  }
  inst = wasm_runtime_instantiate(m, STACK_BYTES, 0, err, sizeof err);
  if (inst) exec_env = wasm_runtime_create_exec_env(inst, STACK_BYTES);
  if (inst) f_init = wasm_runtime_lookup_function(inst, "fw_init");
  if (inst) f_tick = wasm_runtime_lookup_function(inst, "fw_tick");
  if (inst && exec_env && f_init && f_tick && wasm_runtime_get_default_memory(inst)) return true;
  const char *why = inst == NULL ? err : "the module must export memory, fw_init and fw_tick";
  if (rt_boot_current.wasm == NULL) { rt_fail("factory firmware: %s", why); exit(RT_EXIT_ERROR); }
  trapped("boot of a slot image (it does not link with the HAL or lacks fw_init/fw_tick)", why);
  drop_instance();
  return false;
}

static void power_reset(void) {
  drop_instance();
  rt_uart_reset();
  rt_clock_reset();
  net_board_reset();
}

/* Calls f; returns true with its i32 result, or false after handling a trap / reset. */
static bool call(wasm_function_inst_t f, const char *where, int32_t *result) {
  uint32_t argv[2] = { 0, 0 };
  rt_tick_begin();
  bool ok = wasm_runtime_call_wasm(exec_env, f, 0, argv);
  rt_tick_end();
  if (ok) { *result = (int32_t)argv[0]; return true; }
  if (rt_boot_reset_requested) {
    rt_boot_reset_requested = false;
    counters.resets++;
    fprintf(stderr, "board: firmware reset: rebooting\n");
    power_reset();
    if (++reset_depth > MAX_RESET_DEPTH) { reset_depth = 0; trapped(where, "reset loop"); return false; }
    *result = rt_boot();
    reset_depth = 0;
    return false;
  }
  const char *e = wasm_runtime_get_exception(inst);
  trapped(where, e ? e : "unknown trap");
  return false;
}

int rt_boot(void) {
  drop_instance();
  rt_boot_pick(factory, factory_len, &rt_boot_current);
  dma_board_reset();
  counters.boots++;
  if (!instantiate()) return -1;
  int32_t st = -1;
  if (!call(f_init, "fw_init", &st)) return st;
  return st;
}

static void tick(void) {
  if (inst == NULL) return;
  int32_t st;
  if (call(f_tick, "fw_tick", &st)) { counters.ticks++; consecutive_traps = 0; }
}

void rt_run(volatile int *stop) {
  while (!*stop) {
    if (consecutive_traps >= MAX_CONSECUTIVE_TRAPS) {
      if (!halted) fprintf(stderr, "board: firmware trapped %d times in a row: board halted\n", consecutive_traps);
      halted = true;
      drop_instance();
      rt_uart_reset();  /* nobody reads the UART any more */
      rt_sleep_until(rt_now_ms() + 3600000.0);
      continue;
    }
    if (consecutive_traps > 0) {
      fprintf(stderr, "board: rebooting the board (watchdog)\n");
      rt_boot();
    }
    rt_uart_retry();
    tick();
    double req = rt_sleep_request();
    rt_sleep_until(req >= 0 ? req : rt_now_ms());
  }
}

void rt_wamr_shutdown(void) {
  drop_instance();
  rt_logf("stopped: %lu boots, %lu ticks, %lu traps, %lu resets, %.0f uJ", counters.boots, counters.ticks, counters.traps, counters.resets, rt_energy_uj());
  if (factory_mod) wasm_runtime_unload(factory_mod);
  free(factory_copy);
  free(factory);
  wasm_runtime_destroy();
}
