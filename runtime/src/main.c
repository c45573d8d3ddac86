/*
 * dendra-runtime: the Dendra firmware (.wasm) on WAMR with a native HAL, on a Linux board
 * (runtime/README.md, docs/runtime.md). Start-up order: options, board, flash file (+ --trust
 * keys), DMA sources, UART, WAMR + natives (checked against the generated HAL contract), network,
 * first boot; then the ready line on stdout (JSON with --json, like `dendra sim --json`) and the
 * main loop until SIGINT/SIGTERM. Any start-up failure prints one line and exits 1 (2 for usage).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "rt_core.h"

static volatile int stop_flag;

static void on_signal(int sig) {
  stop_flag = 1;
  rt_wake();
}

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

static void ready_line(const char *uart, const char *flash, int keys) {
  if (rt_cfg.json) {
    printf("{\"pty\": "); json_str(uart);
    printf(", \"board\": "); json_str(rt_board.name);
    printf(", \"flash\": "); json_str(flash);
    printf(", \"family\": "); json_str(rt_board_family());
    if (keys < 0) printf(", \"trustedKeys\": null}\n");
    else printf(", \"trustedKeys\": %d}\n", keys);
  } else {
    printf("%s: %s  (board %s, flash %s; Ctrl-C to stop)\n", rt_cfg.uart_path ? "uart" : "pty", uart, rt_board.name, flash);
  }
  fflush(stdout);
}

static void trust_notice(int keys) {
  if (keys < 0) rt_logf("warning: no trusted keys in this board's flash: development mode, it runs unsigned models (provision keys with --trust KEYFILE)");
  else rt_logf("board trusts %d key(s); it runs only signed images for family '%s'", keys, rt_board_family());
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

/* Everything before the first boot; the UART path in uart. 0, or an exit code. */
static int start(char *uart, size_t cap, const char **flash) {
  if (rt_crypto_init() != 0 || rt_clock_init() != 0) return RT_EXIT_ERROR;
  if (rt_board_load(rt_cfg.board_arg, rt_cfg.boards_dir) != 0) return RT_EXIT_ERROR;
  *flash = rt_cfg.flash_path ? rt_cfg.flash_path : rt_default_flash();
  if (rt_flash_open(*flash) != 0 || rt_keys_provision() != 0) return RT_EXIT_ERROR;
  if (dma_open() != 0) return RT_EXIT_ERROR;
  if (rt_uart_open(uart, cap) != 0) return RT_EXIT_ERROR;
  if (rt_wamr_init(rt_cfg.firmware_path) != 0) return RT_EXIT_ERROR;
  if (net_start() != 0) return RT_EXIT_ERROR;
  return 0;
}

int main(int argc, char **argv) {
  int st = rt_cli_parse(argc, argv);
  if (st != 0) return st == 1 ? 0 : st;
  char uart[512];
  const char *flash = NULL;
  install_signals();
  st = start(uart, sizeof uart, &flash);
  if (st != 0) { rt_uart_close(); return st; }
  rt_keys_t keys;
  int n = rt_keys_read(&keys);
  trust_notice(n);
  int init = rt_boot();
  rt_logf("booted %s (fw_init %d)", rt_boot_current.slot < 0 ? "the factory image" : rt_boot_current.slot == 0 ? "slot A" : "slot B", init);
  ready_line(uart, flash, n);
  rt_run(&stop_flag);
  net_stop();
  dma_close();
  rt_wamr_shutdown();
  rt_uart_close();
  rt_flash_close();
  return 0;
}
