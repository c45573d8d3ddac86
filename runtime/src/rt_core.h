/*
 * Internal interfaces of the runtime core (not part of the seam with hal_net.c / hal_dma.c, which
 * is rt.h). One section per file; every function says what it does on failure.
 */
#ifndef DENDRA_RT_CORE_H
#define DENDRA_RT_CORE_H

#include "rt.h"

/* Exit codes of the process: 0 clean stop, 1 runtime/input error, 2 usage. */
#define RT_EXIT_ERROR 1
#define RT_EXIT_USAGE 2

/* cli.c: parses argv into rt_cfg (defaults first). Returns 0, 1 after --help (printed), or
 * RT_EXIT_USAGE after printing one line "dendra-runtime: ..." to stderr. */
int rt_cli_parse(int argc, char **argv);
/* Extra options the core keeps beside rt_config_t (rt.h is add-only and shared). */
typedef struct rt_core_opts {
  bool pty;                   /* --pty: open a pseudo-terminal and print its path */
  const char *trust[8];       /* --trust KEYFILE (repeatable): provision the key table */
  int trust_count;
  const char *repo_root;      /* directory holding boards/ and build/ (from the executable's path) */
} rt_core_opts_t;
extern rt_core_opts_t rt_opts;
/* The default flash file path for the loaded board (creates <repo>/.dendra). */
const char *rt_default_flash(void);
/* Prints an error: as {"error": ...} JSON with --json, else "dendra-runtime: ..."; never fails. */
void rt_fail(const char *fmt, ...);

/* board.c: loads rt_cfg.board_arg into rt_board. <0 after printing one line naming the problem. */
int rt_board_load(const char *arg, const char *boards_dir);

/* hal_clock.c: clock and PMU (clock_now_ms, pmu_sleep_until, pmu_energy_uj). */
rt_group_t hal_clock_group(void);
int rt_clock_init(void);               /* wake eventfd; <0 when it cannot be created */
void rt_tick_begin(void);              /* active time starts (energy at active current) */
void rt_tick_end(void);                /* active time ends */
double rt_sleep_request(void);         /* board ms the firmware asked to sleep to in this tick, or -1 */
void rt_sleep_until(double target_ms); /* real sleep (poll) until target, UART RX, rt_wake, DMA */
double rt_energy_uj(void);
void rt_clock_reset(void);             /* a reboot: no pending sleep request */

/* hal_uart.c */
rt_group_t hal_uart_group(void);
int rt_uart_open(char *path_out, size_t cap); /* opens --uart or a pty; <0 after a message */
int rt_uart_fd(void);                  /* fd to poll for RX, or -1 */
void rt_uart_on_readable(void);        /* reads what arrived into the RX FIFO (never blocks) */
void rt_uart_on_hup(void);            /* poll saw POLLHUP/POLLERR on the UART fd */
bool rt_uart_lost(void);               /* a real tty went away and is not reopened yet */
void rt_uart_retry(void);              /* reopens a real tty that went away (at most once per real second) */
size_t rt_uart_rx_pending(void);
void rt_uart_reset(void);              /* power-on reset: FIFO emptied, default baud */
void rt_uart_close(void);              /* closes the tty and removes the --link symlink */

/* hal_flash.c */
rt_group_t hal_flash_group(void);
int rt_flash_open(const char *path);   /* opens/creates the flash file; <0 after a message */
const uint8_t *rt_flash_view(void);    /* the whole flash (read-only), or NULL before open */
uint32_t rt_flash_size(void);
int rt_flash_write(uint32_t addr, const uint8_t *data, uint32_t len); /* NOR AND + fsync; 0 or <0 */
int rt_flash_erase(uint32_t addr, uint32_t len);                      /* 0 or <0 */
void rt_flash_close(void);

/* hal_crypto.c */
rt_group_t hal_crypto_group(void);
int rt_crypto_init(void);              /* libsodium init; <0 when it fails */
void rt_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
/* Ed25519 strict verify (libsodium): 1 valid, 0 invalid (incl. malformed key/signature). */
int rt_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pub[32]);

/* hal_log.c */
rt_group_t hal_log_group(void);

/* hal_board.c */
rt_group_t hal_board_group(void);
const char *rt_board_family(void);     /* boards/ family, else the name cut to 16 */

/* trust.c: the key table in the journal region (host/device/src/sim/trust.ts). */
typedef struct rt_keys { int count; uint8_t key[8][32]; } rt_keys_t;
/* Reads the table: -1 erased/no room (development mode), else the usable key count (0 malformed). */
int rt_keys_read(rt_keys_t *out);
/* Provisions rt_opts.trust key files; <0 after a message. */
int rt_keys_provision(void);

/* bootrom.c: A/B slot pick (host/device/src/sim/bootrom.ts) and the boot_* natives. */
typedef struct rt_boot_pick {
  int slot;                 /* -1 factory, 0 slotA, 1 slotB */
  bool test;
  uint8_t *wasm;            /* owned copy of the slot image (NULL: factory image) */
  uint32_t wasm_len;
  uint8_t sha256[32];       /* of the .wasm that runs */
} rt_boot_pick_t;
rt_group_t hal_boot_group(void);
/* Picks what boots (may write TRIED); never fails: falls back to the factory image. */
void rt_boot_pick(const uint8_t *factory, uint32_t factory_len, rt_boot_pick_t *out);
extern rt_boot_pick_t rt_boot_current;
extern bool rt_boot_reset_requested;  /* set by boot_reset (the instance unwinds with an exception) */

/* contract.c: checks the registered natives against gen/hal_contract.h. <0 after a message. */
int rt_contract_check(const rt_group_t *groups, int n);

/* wamr.c: the engine and the board main loop. */
int rt_wamr_init(const char *factory_path); /* runtime init, natives, factory image; <0 after a message */
int rt_boot(void);                     /* ROM pick + instantiate + fw_init; fw_init status or <0 */
void rt_run(volatile int *stop);       /* fw_tick loop until *stop */
void rt_wamr_shutdown(void);

#endif
