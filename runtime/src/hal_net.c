/*
 * HAL network group (firmware/assembly/hal/net.ts) with the simulator's rules (host/device/src/sim/net.ts)
 * and its device client's wire behaviour (host/ops/src/mqtt/device.ts, docs/mqtt.md): ids >= 1; QoS 1
 * pending until its PUBACK (also across a reconnect: libmosquitto sends it again); QoS 0 acked when
 * handed over; what is published while the link is down waits, pending, in a bounded queue
 * (NET_MAX_QUEUED) for the next connect, as mqtt.js queues it for the simulator. The last retained
 * `model` record is kept for net_announce. The broker link itself: net_link.c.
 */
#include "net_link.h"

#include <string.h>

static uint8_t model_cache[NET_MAX_PAYLOAD_BYTES];
static size_t model_len; /* 0: no retained model record seen */

void net_board_reset(void) {
  pthread_mutex_lock(&net_lock);
  net_state_reset();
  pthread_mutex_unlock(&net_lock);
}

int32_t net_publish_bytes(const char *kind, size_t kind_len, const uint8_t *payload, size_t len, int qos, bool retain) {
  pthread_mutex_lock(&net_lock);
  int32_t id;
  if (net_mosq == NULL) {
    id = net_state_track(NET_ACKED, -1); /* no broker: dropped, acked at once */
  } else if (!net_valid_kind(kind, kind_len) || len > NET_MAX_PAYLOAD_BYTES) {
    id = net_state_track(NET_LOST, -1);
    pthread_mutex_unlock(&net_lock);
    if (len > NET_MAX_PAYLOAD_BYTES) rt_logf("net: %.*s payload of %zu bytes exceeds %d", (int)kind_len, kind, len, NET_MAX_PAYLOAD_BYTES);
    else rt_logf("net: cannot publish kind \"%.*s\"", (int)kind_len, kind);
    return id;
  } else {
    char topic[200];
    net_topic(topic, sizeof(topic), kind, kind_len);
    if (retain && kind_len == 5 && memcmp(kind, "model", 5) == 0) {
      memcpy(model_cache, payload, len);
      model_len = len;
    }
    int mid = -1;
    /* Under the net_lock: a PUBACK on the network thread waits until the id is tracked with its mid. */
    int rc = net_up ? mosquitto_publish(net_mosq, &mid, topic, (int)len, payload, qos, retain) : MOSQ_ERR_NO_CONN;
    if (rc == MOSQ_ERR_SUCCESS) {
      id = net_state_track(qos == 1 ? NET_PENDING : NET_ACKED, qos == 1 ? mid : -1);
    } else if (rc == MOSQ_ERR_NO_CONN) { /* offline: queued for the next connect, pending meanwhile */
      id = net_state_track(NET_PENDING, -1);
      if (net_state_queue_push(id, topic, payload, len, qos, retain) != 0) {
        net_state_set(id, NET_LOST);
        rc = MOSQ_ERR_NOMEM;
      }
    } else {
      id = net_state_track(NET_LOST, -1);
    }
    pthread_mutex_unlock(&net_lock);
    if (rc == MOSQ_ERR_NOMEM) rt_logf("net: %s not queued: %d messages already wait for the link", topic, NET_MAX_QUEUED);
    else if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) rt_logf("net: %s not sent (%s)", topic, mosquitto_strerror(rc));
    return id;
  }
  pthread_mutex_unlock(&net_lock);
  return id;
}

int32_t net_hal_publish(wasm_exec_env_t env, uint32_t kind, uint32_t kind_len, uint32_t payload, uint32_t len, uint32_t qos, uint32_t retain) {
  const uint8_t *k = rt_span(env, kind, kind_len);
  const uint8_t *p = rt_span(env, payload, len);
  if (k == NULL || p == NULL || kind_len == 0 || kind_len > 64 || qos > 1) return RT_E_BOUNDS;
  return net_publish_bytes((const char *)k, kind_len, p, len, (int)qos, retain != 0);
}

int32_t net_hal_is_acked(wasm_exec_env_t env, int32_t id) {
  (void)env;
  pthread_mutex_lock(&net_lock);
  int32_t s = net_state_query(id);
  pthread_mutex_unlock(&net_lock);
  return s;
}

int32_t net_hal_connected(wasm_exec_env_t env) {
  (void)env;
  pthread_mutex_lock(&net_lock);
  int32_t c = net_mosq == NULL || net_up ? 1 : 0;
  pthread_mutex_unlock(&net_lock);
  return c;
}

int32_t net_hal_cmd_poll(wasm_exec_env_t env, uint32_t dst, uint32_t cap) {
  uint8_t *out = rt_span(env, dst, cap);
  if (out == NULL) return RT_E_BOUNDS;
  pthread_mutex_lock(&net_lock);
  int32_t n = net_state_poll_command(out, cap);
  pthread_mutex_unlock(&net_lock);
  return n;
}

int32_t net_hal_announce(wasm_exec_env_t env) {
  (void)env;
  pthread_mutex_lock(&net_lock);
  int32_t count = 0;
  if (net_mosq != NULL && net_up) {
    char topic[200];
    int rc = net_publish_status("online", NULL);
    if (rc == MOSQ_ERR_SUCCESS) count = 1;
    if (rc == MOSQ_ERR_SUCCESS && model_len > 0) {
      net_topic(topic, sizeof(topic), "model", 5);
      rc = mosquitto_publish(net_mosq, NULL, topic, (int)model_len, model_cache, 1, true);
      if (rc == MOSQ_ERR_SUCCESS) count = 2;
    }
    if (rc != MOSQ_ERR_SUCCESS) count = NET_E_PUBLISH;
  }
  pthread_mutex_unlock(&net_lock);
  return count;
}

static NativeSymbol natives[] = {
  { "net_publish", (void *)net_hal_publish, "(iiiiii)i", NULL },
  { "net_is_acked", (void *)net_hal_is_acked, "(i)i", NULL },
  { "net_connected", (void *)net_hal_connected, "()i", NULL },
  { "net_cmd_poll", (void *)net_hal_cmd_poll, "(ii)i", NULL },
  { "net_announce", (void *)net_hal_announce, "()i", NULL },
};

rt_group_t hal_net_group(void) {
  return (rt_group_t){ "net", natives, sizeof(natives) / sizeof(natives[0]) };
}
