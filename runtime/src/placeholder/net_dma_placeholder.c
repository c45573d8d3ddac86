/*
 * PLACEHOLDER for the net and DMA groups while runtime/src/hal_net.c and hal_dma.c (their own
 * branch) are not in the tree; CMakeLists.txt compiles this file only then. It keeps the runtime
 * whole with the behaviour of `dendra sim` without a broker and without sensor data:
 *  - net: no broker; every publish is accepted and delivered at once (net_is_acked reports 1 once,
 *    then <0), always "connected", no commands, nothing to announce;
 *  - DMA: every channel the board lists reports end of stream (DMA_END 2) after dma_start.
 * Bad ranges return E_BOUNDS (-1) as everywhere in the HAL.
 */
#include <string.h>
#include "rt.h"

#if defined(RT_PLACEHOLDER_NET)
#define NET_TRACK 4096
static int32_t next_id = 1;
static int32_t acked[NET_TRACK]; /* id of a delivered message not yet reported, by id % NET_TRACK */

static int32_t n_net_publish(wasm_exec_env_t env, uint32_t kind, uint32_t kind_len, uint32_t payload, uint32_t len, uint32_t qos, uint32_t retain) {
  if (rt_span(env, kind, kind_len) == NULL || rt_span(env, payload, len) == NULL || kind_len == 0 || kind_len > 64 || qos > 1) return RT_E_BOUNDS;
  int32_t id = next_id;
  next_id = next_id >= 0x7fffffff ? 1 : next_id + 1;
  acked[id % NET_TRACK] = id;
  return id;
}

/* 1 once for a delivered id, then -1 (lost / unknown), as the simulator's NetStack. */
static int32_t n_net_is_acked(wasm_exec_env_t env, int32_t id) {
  if (id <= 0 || acked[id % NET_TRACK] != id) return -1;
  acked[id % NET_TRACK] = 0;
  return 1;
}

static int32_t n_net_connected(wasm_exec_env_t env) { return 1; }

static int32_t n_net_cmd_poll(wasm_exec_env_t env, uint32_t dst, uint32_t cap) {
  return rt_span(env, dst, cap) == NULL ? RT_E_BOUNDS : 0;
}

static int32_t n_net_announce(wasm_exec_env_t env) { return 0; }

static NativeSymbol net_natives[] = {
  { "net_publish", (void *)n_net_publish, "(iiiiii)i", NULL },
  { "net_is_acked", (void *)n_net_is_acked, "(i)i", NULL },
  { "net_connected", (void *)n_net_connected, "()i", NULL },
  { "net_cmd_poll", (void *)n_net_cmd_poll, "(ii)i", NULL },
  { "net_announce", (void *)n_net_announce, "()i", NULL },
};

rt_group_t hal_net_group(void) { return (rt_group_t){ "net (placeholder)", net_natives, sizeof net_natives / sizeof net_natives[0] }; }
int net_start(void) {
  if (rt_cfg.broker_url) rt_logf("warning: this build has no MQTT client (placeholder net group): --broker %s ignored", rt_cfg.broker_url);
  return 0;
}
void net_board_reset(void) { memset(acked, 0, sizeof acked); }
void net_stop(void) {}
#endif

#if defined(RT_PLACEHOLDER_DMA)
#define DMA_END 2
#define DMA_E_CHANNEL (-1) /* host/src/sim/sensors.ts DMA_E_CHANNEL */

static bool has_channel(uint32_t ch) {
  for (uint32_t i = 0; i < rt_board.dma_count; i++) if (rt_board.dma[i].id == ch) return true;
  return false;
}

static int32_t n_dma_start(wasm_exec_env_t env, uint32_t ch, uint32_t dst, uint32_t len) {
  if (!has_channel(ch)) return DMA_E_CHANNEL;
  return rt_span(env, dst, len) == NULL ? RT_E_BOUNDS : 0;
}

static int32_t n_dma_status(wasm_exec_env_t env, uint32_t ch) { return has_channel(ch) ? DMA_END : DMA_E_CHANNEL; }

static NativeSymbol dma_natives[] = {
  { "dma_start", (void *)n_dma_start, "(iii)i", NULL },
  { "dma_status", (void *)n_dma_status, "(i)i", NULL },
};

rt_group_t hal_dma_group(void) { return (rt_group_t){ "dma (placeholder)", dma_natives, sizeof dma_natives / sizeof dma_natives[0] }; }
int dma_open(void) {
  rt_logf("DMA: placeholder group (no sensor replay in this build): every channel reports end of stream");
  return 0;
}
void dma_board_reset(void) {}
double dma_next_due_ms(void) { return -1; }
int dma_poll_fd(void) { return -1; }
void dma_on_readable(void) {}
#endif
