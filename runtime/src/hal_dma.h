/*
 * The DMA group (hal_dma.c, dma_csv.c, dma_live.c): sensor frames into linear memory with the
 * simulator's rules (host/device/src/sim/sensors.ts FrameDma/WindowDma, sensors-pack.ts PackDma).
 * Channel 0 replays transformer windows from an ETT CSV, channel 1 pack frames from a frame CSV,
 * or, with a live socket configured, both take their frames from a SCADA/BMS bridge
 * (docs/runtime-live-input.md).
 */
#ifndef DENDRA_HAL_DMA_H
#define DENDRA_HAL_DMA_H

#include <stdbool.h>
#include "rt.h"

/* dma_status states and the DMA errors (host/device/src/sim/sensors.ts). */
#define DMA_BUSY 0
#define DMA_DONE 1
#define DMA_END 2
#define DMA_E_CHANNEL (-1)
#define DMA_E_ARG (-2)
/*
 * ETT channels, board ms per hour, transfer time (sensors.ts). A transformer window is as long as
 * the model's (the request's bytes / 28), at most GEN_MAX_WINDOW hours (gen/fwslot.h, from the
 * firmware's MAX_WINDOW).
 */
#define DMA_ETT_CHANNELS 7
#define DMA_HOUR_MS 3600000.0
#define DMA_TRANSFER_MS 1.0
/* Live frames queued per channel other than 0; beyond it the oldest is dropped (counted). Live
 * channel 0 keeps a ring of the last GEN_MAX_WINDOW hours instead. */
#define DMA_LIVE_QUEUE 16
/* Longest live record line accepted, bytes (longer ones are rejected). */
#define DMA_LIVE_MAX_LINE 65536

/* Replay data: rows x cols f32 (cols = 7 for ETT, frame_bytes/4 for pack frames). */
typedef struct dma_table {
  float *values;
  uint32_t rows, cols;
} dma_table_t;

/* Reads an ETT CSV (header date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT); 0, or -1 with "file:line: why" in why. */
int dma_read_ett(const char *path, dma_table_t *out, char *why, size_t cap);
/* Reads a pack frame CSV (one frame of `cols` numbers per line; blank and # lines skipped); 0 or -1 as above. */
int dma_read_frames(const char *path, uint32_t cols, dma_table_t *out, char *why, size_t cap);
/*
 * Parses a live record "<channel>,<v1>,...,<vn>" (no newline) into ch, vals and n. n must be a whole
 * number of the channel's units (dma_live_unit), 1..max_units of them, and at most `max`; 0, or -1
 * with a one-line reason in why.
 */
int dma_parse_record(const char *line, size_t len, uint32_t *ch, float *vals, uint32_t max, uint32_t *n, char *why, size_t cap);
/* The natives as plain functions (the test harness calls them directly). */
int32_t dma_hal_start(wasm_exec_env_t env, uint32_t ch, uint32_t dst, uint32_t len);
int32_t dma_hal_status(wasm_exec_env_t env, uint32_t ch);

/*
 * Live data for channel `ch`: n floats, a whole number of its units (dma_live_unit). Channel 0
 * appends n / 7 hours to its ring (the newest last); other channels queue one frame (the oldest
 * dropped when full). 0, or -1 when the channel is not live or n is not whole units.
 */
int dma_live_push(uint32_t ch, const float *vals, uint32_t n);
/*
 * Floats per unit of live channel `ch` (channel 0: one hour of the 7 ETT channels; others: one
 * frame of frameBytes / 4), with the most units one record may carry in *max_units (channel 0:
 * GEN_MAX_WINDOW hours; others: 1); 0 when the channel has no live input.
 */
uint32_t dma_live_unit(uint32_t ch, uint32_t *max_units);
/* Hours appended to the channel 0 ring so far (0 when channel 0 is not live). */
uint64_t dma_live_hours(void);
/* Frames dropped from full queues so far on channel `ch`; live records rejected so far (all channels). */
uint32_t dma_live_dropped(uint32_t ch);
uint32_t dma_live_rejected(void);
/* Counts one rejected live record. */
void dma_live_count_rejected(void);

/* The live socket (dma_live.c): listen at `path`; 0, or -1 with a message logged. */
int dma_live_open(const char *path);
int dma_live_fd(void);
void dma_live_readable(void);
void dma_live_close(void);

#endif
