/*
 * The network group's natives as plain C functions (hal_net.c registers them under module "hal";
 * the test harness calls them directly). Semantics: firmware/assembly/hal/net.ts and the
 * simulator's NetStack (host/device/src/sim/net.ts); wire behaviour: host/ops/src/mqtt/device.ts, docs/mqtt.md.
 */
#ifndef DENDRA_HAL_NET_H
#define DENDRA_HAL_NET_H

#include <stdbool.h>
#include "rt.h"
#include "net_state.h"

/* Largest payload a device publishes (docs/mqtt.md MAX_PAYLOAD_BYTES). */
#define NET_MAX_PAYLOAD_BYTES 16384

/* net_publish: id >= 1, RT_E_BOUNDS for a bad range, kind length 0 or > 64, or qos > 1. */
int32_t net_hal_publish(wasm_exec_env_t env, uint32_t kind, uint32_t kind_len, uint32_t payload, uint32_t len, uint32_t qos, uint32_t retain);
/* net_is_acked: NET_ACKED, NET_PENDING, or NET_LOST (also for an id never issued or already reported). */
int32_t net_hal_is_acked(wasm_exec_env_t env, int32_t id);
/* net_connected: 1 while the broker link is up (or no broker is configured), else 0. */
int32_t net_hal_connected(wasm_exec_env_t env);
/* net_cmd_poll: the oldest command's full length (bytes copied: min(length, cap)), 0 when none, RT_E_BOUNDS for a bad range. */
int32_t net_hal_cmd_poll(wasm_exec_env_t env, uint32_t dst, uint32_t cap);
/* net_announce: records handed to the broker link (online status + the cached model record), 0 while offline. */
int32_t net_hal_announce(wasm_exec_env_t env);

/*
 * What net_publish does after its bounds checks: publishes on dendra/v1/<site>/<device>/<kind>.
 * Returns the id (>= 1). A kind outside telemetry|alert|status|model|reply, a payload over
 * NET_MAX_PAYLOAD_BYTES or a transport refusal is logged and the id is NET_LOST at once (the
 * simulator's publishWithAck reports such errors through its callback, never by throwing).
 */
int32_t net_publish_bytes(const char *kind, size_t kind_len, const uint8_t *payload, size_t len, int qos, bool retain);

/* A parsed broker URL (mqtt://host[:port] or mqtts://host[:port]; IPv6 hosts in brackets). */
typedef struct net_url {
  bool tls;
  char host[256];
  int port;
} net_url_t;

/* Parses `url`; 0, or -1 with a one-line reason in `why` (cap bytes). */
int net_parse_url(const char *url, net_url_t *out, char *why, size_t cap);

/* Broker URLs a device takes at most (the nodes of a cluster, docs/mqtt.md "Failover"). */
#define NET_MAX_URLS 8
/*
 * Parses a comma-separated list of broker URLs (one URL is a list of one) into out[0..max):
 * the number parsed (>= 1), or -1 with a one-line reason in `why` for an empty entry, more than
 * `max` URLs, a bad URL (net_parse_url's reason) or a list mixing mqtt:// and mqtts://.
 */
int net_parse_urls(const char *list, net_url_t *out, int max, char *why, size_t cap);
/* 1 when `id` is a valid site/device id (docs/mqtt.md: 1-64 of A-Z a-z 0-9 . _ -, first a letter or digit), else 0. */
int net_valid_id(const char *id);
/* 1 when `kind` (length n) is one of the device's publish kinds, else 0. */
int net_valid_kind(const char *kind, size_t n);

#endif
