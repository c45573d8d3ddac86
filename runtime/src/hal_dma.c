/*
 * HAL DMA group: dma_start / dma_status with the simulator's FrameDma rules
 * (host/device/src/sim/sensors.ts): dma_start requests the channel's next frame into [dst, dst+len); it
 * completes (bytes copied, status done) once the board clock reaches its due time; after the last
 * frame the status is end. Replay channels: frame k is due at k x period board ms (at least 1 ms
 * after the request); channel 0 = transformer window k = ETT rows [start+k, start+k+L) as f32
 * little-endian time-major [L][7], where L = len / 28 is the model's window (1..GEN_MAX_WINDOW,
 * else -2; the stream ends when fewer than L rows are left), channel 1 = line k of the pack frame CSV, one frame per
 * pack_hours. Live channels (a live socket is configured, docs/runtime-live-input.md): channel 0
 * keeps a ring of the last GEN_MAX_WINDOW hours the bridge sent; a request of L hours is served
 * once the ring holds L hours and a new hour arrived since the last completed transfer, with the
 * newest L hours, time-major, oldest first. Other channels: frame = the oldest queued record. A
 * live transfer completes 1 ms after the request or after the data it waits for arrives, whichever
 * is later; a live stream never ends.
 * Single-threaded: the main loop calls everything here, the live socket included.
 */
#include "hal_dma.h"
#include "fwslot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dma_chan {
  bool present;         /* the board has it and it has a source */
  bool live;
  uint32_t id, frame_bytes;
  dma_table_t table;    /* replay data */
  uint32_t base;        /* first table row of frame 0 (grid: start row) */
  uint32_t count;       /* frames in the replay */
  double period_ms;
  uint32_t next;        /* next frame index to deliver */
  bool pending;
  uint32_t dst, len, k;
  double due_ms;        /* replay: completion time; live: earliest completion */
  int32_t state;
  float *queue[DMA_LIVE_QUEUE]; /* live frames, oldest at q_head */
  uint32_t q_head, q_count, dropped;
} dma_chan_t;

static dma_chan_t chans[4];
static uint32_t live_rejected;
/* Live channel 0: hour h (counted from the first one received) is ring[h % GEN_MAX_WINDOW]. */
static float ring[GEN_MAX_WINDOW][DMA_ETT_CHANNELS];
static uint64_t ring_hours;  /* hours received so far */
static uint64_t ring_served; /* ring_hours when the last transfer completed */

static dma_chan_t *chan(uint32_t ch) {
  for (uint32_t i = 0; i < rt_board.dma_count && i < 4; i++)
    if (chans[i].present && chans[i].id == ch) return &chans[i];
  return NULL;
}

/* True when a request of len bytes is one frame of c: a whole ETT window of 1..GEN_MAX_WINDOW hours on channel 0 (replay or live), else exactly frame_bytes. */
static bool frame_ok(const dma_chan_t *c, uint32_t len) {
  if (c->id != 0) return len == c->frame_bytes;
  return len > 0 && len % (DMA_ETT_CHANNELS * 4) == 0 && len / (DMA_ETT_CHANNELS * 4) <= GEN_MAX_WINDOW;
}

/* Frames c's replay holds for requests of len bytes (channel 0: windows of len / 28 hours from the start row). */
static uint32_t frames_for(const dma_chan_t *c, uint32_t len) {
  if (c->id != 0) return c->count;
  uint64_t hours = len / (DMA_ETT_CHANNELS * 4), left = c->table.rows - c->base;
  return hours > left ? 0 : (uint32_t)(left - hours + 1);
}

/* Writes n floats little-endian to dst (the board's byte order, whatever the host's). */
static void put_f32le(uint8_t *dst, const float *src, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &src[i], 4);
    dst[4 * i] = (uint8_t)u;
    dst[4 * i + 1] = (uint8_t)(u >> 8);
    dst[4 * i + 2] = (uint8_t)(u >> 16);
    dst[4 * i + 3] = (uint8_t)(u >> 24);
  }
}

/* True when c's pending live transfer has its data: channel 0, a new hour and L hours held; others, a queued frame. */
static bool live_ready(const dma_chan_t *c) {
  if (c->id != 0) return c->q_count > 0;
  return ring_hours > ring_served && ring_hours >= c->len / (DMA_ETT_CHANNELS * 4);
}

int32_t dma_hal_start(wasm_exec_env_t env, uint32_t ch, uint32_t dst, uint32_t len) {
  dma_chan_t *c = chan(ch);
  if (c == NULL) return DMA_E_CHANNEL;
  if (rt_span(env, dst, len) == NULL) return RT_E_BOUNDS;
  if (!frame_ok(c, len)) return DMA_E_ARG;
  double now = rt_now_ms();
  if (!c->live && c->next >= frames_for(c, len)) {
    c->pending = false;
    c->state = DMA_END;
    return 0;
  }
  c->pending = true;
  c->dst = dst;
  c->len = len;
  c->k = c->next;
  double due = c->live ? 0 : c->k * c->period_ms;
  c->due_ms = now + DMA_TRANSFER_MS > due ? now + DMA_TRANSFER_MS : due;
  c->state = DMA_BUSY;
  if (c->live && c->id == 0 && ring_hours < len / (DMA_ETT_CHANNELS * 4))
    rt_logf("live input: channel 0 window of %u h requested, %llu h held: waiting for %llu more", len / (DMA_ETT_CHANNELS * 4),
            (unsigned long long)ring_hours, (unsigned long long)(len / (DMA_ETT_CHANNELS * 4) - ring_hours));
  return 0;
}

/* Completes c's pending transfer into memory: DMA_DONE, or DMA_E_ARG when dst no longer fits. */
static int32_t complete(wasm_exec_env_t env, dma_chan_t *c) {
  uint8_t *mem = rt_span(env, c->dst, c->len);
  if (mem == NULL) return DMA_E_ARG;
  if (c->live && c->id == 0) {
    uint32_t hours = c->len / (DMA_ETT_CHANNELS * 4);
    for (uint32_t i = 0; i < hours; i++)
      put_f32le(mem + (size_t)i * DMA_ETT_CHANNELS * 4, ring[(ring_hours - hours + i) % GEN_MAX_WINDOW], DMA_ETT_CHANNELS);
    ring_served = ring_hours;
  } else if (c->live) {
    float *f = c->queue[c->q_head];
    put_f32le(mem, f, c->frame_bytes / 4);
    free(f);
    c->q_head = (c->q_head + 1) % DMA_LIVE_QUEUE;
    c->q_count--;
  } else {
    put_f32le(mem, c->table.values + (size_t)(c->base + c->k) * c->table.cols, c->len / 4);
  }
  c->pending = false;
  c->next = c->k + 1;
  c->state = DMA_DONE;
  return DMA_DONE;
}

int32_t dma_hal_status(wasm_exec_env_t env, uint32_t ch) {
  dma_chan_t *c = chan(ch);
  if (c == NULL) return DMA_E_CHANNEL;
  if (!c->pending || rt_now_ms() < c->due_ms || (c->live && !live_ready(c))) return c->state;
  return complete(env, c);
}

void dma_board_reset(void) {
  for (uint32_t i = 0; i < 4; i++) {
    if (chans[i].pending) chans[i].state = DMA_DONE;
    chans[i].pending = false;
  }
}

double dma_next_due_ms(void) {
  double best = -1;
  for (uint32_t i = 0; i < 4; i++) {
    dma_chan_t *c = &chans[i];
    if (!c->pending || (c->live && !live_ready(c))) continue; /* a live channel waits for the socket */
    if (best < 0 || c->due_ms < best) best = c->due_ms;
  }
  return best;
}

/* A pending transfer of c that the data just pushed makes ready completes 1 ms from now at the earliest. */
static void live_arrived(dma_chan_t *c, bool was_ready) {
  double soon = rt_now_ms() + DMA_TRANSFER_MS;
  if (c->pending && !was_ready && live_ready(c) && c->due_ms < soon) c->due_ms = soon;
}

/* Appends n hours of 7 values (oldest first) to the channel 0 ring. */
static void ring_append(const float *vals, uint32_t n) {
  for (uint32_t h = 0; h < n; h++, ring_hours++) memcpy(ring[ring_hours % GEN_MAX_WINDOW], vals + (size_t)h * DMA_ETT_CHANNELS, sizeof(ring[0]));
}

int dma_live_push(uint32_t ch, const float *vals, uint32_t n) {
  uint32_t max_units, unit = dma_live_unit(ch, &max_units);
  if (unit == 0 || n == 0 || n % unit != 0 || n / unit > max_units) return -1;
  dma_chan_t *c = chan(ch);
  bool was_ready = c->pending && live_ready(c);
  if (ch == 0) {
    ring_append(vals, n / unit);
    live_arrived(c, was_ready);
    return 0;
  }
  float *f = malloc(c->frame_bytes);
  if (f == NULL) return -1;
  memcpy(f, vals, c->frame_bytes);
  if (c->q_count == DMA_LIVE_QUEUE) {
    free(c->queue[c->q_head]);
    c->q_head = (c->q_head + 1) % DMA_LIVE_QUEUE;
    c->q_count--;
    c->dropped++;
    rt_logf("live input: channel %u queue full (%d frames): oldest frame dropped (%u dropped)", ch, DMA_LIVE_QUEUE, c->dropped);
  }
  c->queue[(c->q_head + c->q_count) % DMA_LIVE_QUEUE] = f;
  c->q_count++;
  live_arrived(c, was_ready);
  return 0;
}

uint32_t dma_live_unit(uint32_t ch, uint32_t *max_units) {
  dma_chan_t *c = chan(ch);
  if (c == NULL || !c->live) return 0;
  *max_units = ch == 0 ? GEN_MAX_WINDOW : 1;
  return ch == 0 ? DMA_ETT_CHANNELS : c->frame_bytes / 4;
}

uint64_t dma_live_hours(void) {
  dma_chan_t *c = chan(0);
  return c != NULL && c->live ? ring_hours : 0;
}

uint32_t dma_live_dropped(uint32_t ch) {
  dma_chan_t *c = chan(ch);
  return c != NULL ? c->dropped : 0;
}

uint32_t dma_live_rejected(void) { return live_rejected; }

void dma_live_count_rejected(void) { live_rejected++; }

/* Loads channel c's replay (id 0: ETT windows, id 1: pack frames); 0, 1 when it has no source, -1 on error. */
static int open_replay(dma_chan_t *c) {
  char why[512];
  if (c->id == 0 && rt_cfg.grid_csv != NULL) {
    if (dma_read_ett(rt_cfg.grid_csv, &c->table, why, sizeof(why)) != 0) {
      rt_logf("dma: %s", why);
      return -1;
    }
    if (rt_cfg.grid_start >= c->table.rows) {
      rt_logf("dma: replay start %u must be a row index in 0..%u of %s", rt_cfg.grid_start, c->table.rows - 1, rt_cfg.grid_csv);
      return -1;
    }
    c->base = rt_cfg.grid_start;
    c->count = c->table.rows - rt_cfg.grid_start; /* windows of one hour; frames_for() has the model's */
    c->period_ms = DMA_HOUR_MS;
    return 0;
  }
  if (c->id == 1 && rt_cfg.pack_csv != NULL) {
    double hours = rt_cfg.pack_hours > 0 ? rt_cfg.pack_hours : 1;
    if (dma_read_frames(rt_cfg.pack_csv, c->frame_bytes / 4, &c->table, why, sizeof(why)) != 0) {
      rt_logf("dma: %s", why);
      return -1;
    }
    c->base = 0;
    c->count = c->table.rows;
    c->period_ms = hours * DMA_HOUR_MS;
    return 0;
  }
  return 1;
}

int dma_open(void) {
  bool live = rt_cfg.live_socket != NULL;
  if (!(rt_cfg.pack_hours >= 0) || !isfinite(rt_cfg.pack_hours)) { /* 0: the default, 1 h */
    rt_logf("dma: pack frame period %g h must be > 0", rt_cfg.pack_hours);
    return -1;
  }
  for (uint32_t i = 0; i < rt_board.dma_count && i < 4; i++) {
    dma_chan_t *c = &chans[i];
    memset(c, 0, sizeof(*c));
    c->id = rt_board.dma[i].id;
    c->frame_bytes = rt_board.dma[i].frame_bytes;
    c->state = DMA_DONE;
    if (c->frame_bytes == 0 || c->frame_bytes % 4 != 0) {
      rt_logf("dma: channel %u frame size %u is not a positive multiple of 4", c->id, c->frame_bytes);
      return -1;
    }
    if (live) {
      c->live = c->present = true;
      continue;
    }
    int r = open_replay(c);
    if (r < 0) return -1;
    c->present = r == 0;
  }
  return live ? dma_live_open(rt_cfg.live_socket) : 0;
}

int dma_poll_fd(void) { return dma_live_fd(); }
void dma_on_readable(void) { dma_live_readable(); }

void dma_close(void) {
  dma_live_close();
  for (uint32_t i = 0; i < 4; i++) {
    free(chans[i].table.values);
    while (chans[i].q_count > 0) {
      free(chans[i].queue[chans[i].q_head]);
      chans[i].q_head = (chans[i].q_head + 1) % DMA_LIVE_QUEUE;
      chans[i].q_count--;
    }
    memset(&chans[i], 0, sizeof(chans[i]));
  }
  live_rejected = 0;
  ring_hours = ring_served = 0;
}

static NativeSymbol natives[] = {
  { "dma_start", (void *)dma_hal_start, "(iii)i", NULL },
  { "dma_status", (void *)dma_hal_status, "(i)i", NULL },
};

rt_group_t hal_dma_group(void) {
  return (rt_group_t){ "dma", natives, sizeof(natives) / sizeof(natives[0]) };
}
