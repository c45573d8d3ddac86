/*
 * The network stack's bookkeeping (no I/O): message ids and their delivery states, and the bounded
 * FIFO of commands from the device's cmd topic. Same rules as the simulator's NetStack
 * (host/device/src/sim/net.ts): ids >= 1 wrapping at 2^31-1, at most NET_MAX_TRACKED states (the oldest
 * forgotten = reported lost), a final state reported once, at most NET_MAX_COMMANDS commands
 * (excess dropped and counted) of which NET_MAX_COMMAND_BYTES bytes are kept with their full length.
 * Messages published while offline wait in a bounded queue (NET_MAX_QUEUED) for the next connect.
 * Not thread-safe: hal_net.c calls these under its mutex.
 */
#ifndef DENDRA_NET_STATE_H
#define DENDRA_NET_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* net_is_acked results and the net_publish refusal (host/device/src/sim/net.ts). */
#define NET_PENDING 0
#define NET_ACKED 1
#define NET_LOST (-1)
#define NET_E_PUBLISH (-2)
#define NET_MAX_TRACKED 4096
#define NET_MAX_COMMANDS 16
#define NET_MAX_COMMAND_BYTES 4096

/* Takes the next message id (>= 1) and tracks it in `state` with transport id `mid` (-1: none). */
int32_t net_state_track(int32_t state, int mid);
/* Sets the transport id of `id` (a queued message handed over later); unknown ids are ignored. */
void net_state_set_mid(int32_t id, int mid);
/* Sets the state of `id` (only while it is pending); unknown ids are ignored. */
void net_state_set(int32_t id, int32_t state);
/* A transport report for `mid` (e.g. mosquitto's PUBACK): the oldest pending id with it gets `state`. Returns that id or 0. */
int32_t net_state_settle_mid(int mid, int32_t state);
/* Removes `id` without reporting it (the message was never sent). */
void net_state_forget(int32_t id);
/* net_is_acked: the state of `id`; a final state is reported once, then forgotten (NET_LOST after). */
int32_t net_state_query(int32_t id);
/* Queues a command (copy of at most NET_MAX_COMMAND_BYTES + full length); 0, or -1 when the queue is full (counted). */
int net_state_push_command(const uint8_t *payload, size_t len);
/* net_cmd_poll: removes the oldest command, copies min(len, cap) bytes to dst, returns its full length (0 when none). */
int32_t net_state_poll_command(uint8_t *dst, uint32_t cap);
/* Commands waiting, and commands dropped because the queue was full. */
uint32_t net_state_pending_commands(void);
uint32_t net_state_commands_dropped(void);
/* Messages published while the link is down wait here (as mqtt.js queues them for the simulator). */
#define NET_MAX_QUEUED 64
typedef struct net_queued {
  int32_t id;
  char topic[200];
  uint8_t *payload; /* malloc'd; the taker frees it */
  size_t len;
  int qos;
  bool retain;
} net_queued_t;
/* Queues a copy of a message for the next connect; 0, or -1 when the queue is full or memory is short. */
int net_state_queue_push(int32_t id, const char *topic, const uint8_t *payload, size_t len, int qos, bool retain);
/* Takes the oldest queued message into *out (the caller frees out->payload); 1, or 0 when none waits. */
int net_state_queue_take(net_queued_t *out);
/* Messages waiting for the link. */
uint32_t net_state_queued(void);
/* Number of ids tracked now. */
uint32_t net_state_tracked(void);
/* A board reset: forgets all ids and commands (the id counter goes on, as in the simulator). */
void net_state_reset(void);

#endif
