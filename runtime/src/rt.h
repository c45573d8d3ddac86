/*
 * dendra-runtime: the native board runtime (WAMR + a C HAL). This header is the seam between the
 * runtime core (main loop, WAMR embedding, board facts, clock/PMU, UART, flash, crypto, log, boot
 * ROM) and the network and DMA groups (hal_net.c, hal_dma.c). Every HAL group registers its
 * natives under module "hal" with the names and signatures of firmware/assembly/hal/ (checked by
 * the contract parity test, never copied by hand).
 */
#ifndef DENDRA_RT_H
#define DENDRA_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wasm_export.h"

/* Status codes the HAL returns (firmware/assembly/status.ts; generated header gen/status.h). */
#define RT_E_BOUNDS (-1)

/* Flash region ids of hal/flash.ts flash_region(). */
enum { RT_REGION_BOOT = 0, RT_REGION_SLOT_A, RT_REGION_SLOT_B, RT_REGION_MODEL, RT_REGION_JOURNAL, RT_REGION_PACK_MODEL, RT_REGION_COUNT };

/* A board from boards/<name>.json merged over its SoC (boards are data; inheritance as the host's loader). */
typedef struct rt_board {
  char name[64];
  char family[17];            /* board "family", else its SoC name ... cut to 16 (host boardFamily) */
  uint32_t ram_bytes, arena_limit, flash_size, sector_bytes;
  struct { uint32_t addr, size; bool present; } region[RT_REGION_COUNT];
  uint32_t default_baud, max_baud, max_frame;
  uint32_t dma_count;
  struct { uint32_t id; uint32_t frame_bytes; char name[32]; } dma[4];
  double supply_v, active_ma, sleep_ma;
} rt_board_t;

/* Command-line configuration of one runtime process (runtime/src/main.c parses it). */
typedef struct rt_config {
  const char *board_arg;      /* --board NAME or path to a board JSON */
  const char *boards_dir;     /* --boards-dir (default: <repo>/boards) */
  const char *flash_path;     /* --flash FILE */
  const char *uart_path;      /* --uart /dev/ttyUSB0 (NULL with --pty: the runtime opens a pty) */
  const char *link_path;      /* --link PATH: symlink to the pty */
  const char *firmware_path;  /* --firmware: the factory image (default build/firmware.wasm) */
  const char *broker_url;     /* --broker mqtt://host:port or mqtts://host:port (NULL: publishes dropped, acked at once) */
  const char *ca_path;        /* --ca FILE for mqtts */
  const char *username;       /* --username; password from $DENDRA_MQTT_PASSWORD */
  const char *site, *device;  /* --site, --device (topic dendra/v1/<site>/<device>/...) */
  const char *grid_csv;       /* --data ETT-layout CSV for DMA channel 0 (windows as the sim: rows [start+k, start+k+96) f32 time-major) */
  uint32_t grid_start;        /* --start ROW (default 11520) */
  const char *pack_csv;       /* --pack-frames CSV for DMA channel 1: one frame per line, frame_bytes/4 numbers */
  double pack_hours;          /* --pack-hours: board hours per pack frame (default 1) */
  const char *live_socket;    /* --live PATH: unix socket for live frames (docs/runtime.md) */
  double ms_per_hour;         /* --ms-per-hour: real ms per board hour (default 3600000: real time) */
  bool json;                  /* --json: print the ready line as JSON */
} rt_config_t;

extern rt_config_t rt_cfg;
extern rt_board_t rt_board;

/* Board clock in ms since this boot (real monotonic time scaled by 3600000 / ms_per_hour). */
double rt_now_ms(void);
/* Wakes the main loop from any thread (a command arrived, a live frame arrived, a PUBACK). */
void rt_wake(void);
/* Host pointer for wasm linear memory [ptr, ptr+len) of the running instance, or NULL (no exception raised). */
uint8_t *rt_span(wasm_exec_env_t env, uint32_t ptr, uint32_t len);
/* (rt-core) env may be NULL: the running instance's memory (e.g. completing a DMA transfer outside a
 * native call); NULL when no instance runs. A pointer is valid until the firmware's next call returns
 * (memory.grow may move linear memory): never keep it across ticks. */
/* Log a runtime line to stderr as "runtime: ..." */
void rt_logf(const char *fmt, ...);

/* Each HAL group: natives to register (module "hal") and its lifecycle. Return 0 or <0. */
typedef struct rt_group {
  const char *name;
  NativeSymbol *natives;
  uint32_t count;
} rt_group_t;

/* Network group (hal_net.c): net_publish, net_is_acked, net_connected, net_cmd_poll, net_announce. */
rt_group_t hal_net_group(void);
int net_start(void);          /* connect (async; keeps retrying), last will, online status, cmd subscription */
void net_board_reset(void);   /* a firmware reboot: forget pending ids and queued commands */
void net_stop(void);          /* orderly stop: offline status, disconnect */

/* DMA group (hal_dma.c): dma_start, dma_status. */
rt_group_t hal_dma_group(void);
int dma_open(void);           /* read replay files, open the live socket; <0 with a message on stderr */
void dma_board_reset(void);   /* a firmware reboot: pending transfers void, stream positions kept */
double dma_next_due_ms(void); /* board ms of the next transfer completion, or -1 when none pending */
int dma_poll_fd(void);        /* fd to include in the main loop's poll (live socket), or -1 */
void dma_on_readable(void);   /* the main loop saw dma_poll_fd readable */
void dma_close(void);         /* (rt-net) orderly stop: closes the live socket (removes its file), frees the replay data */

#endif
