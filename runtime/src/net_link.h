/*
 * The network group's broker link (net_link.c), shared with its HAL functions (hal_net.c).
 * Everything below is guarded by net_lock; libmosquitto may be called with it held (its callbacks
 * take net_lock only around bookkeeping, never while libmosquitto holds its own locks for them).
 */
#ifndef DENDRA_NET_LINK_H
#define DENDRA_NET_LINK_H

#include <mosquitto.h>
#include <pthread.h>
#include "hal_net.h"

extern pthread_mutex_t net_lock;
/* The client, or NULL when no broker is configured (publishes dropped and acked at once). */
extern struct mosquitto *net_mosq;
/* True between a successful CONNACK and the loss of the link. */
extern bool net_up;

/* dendra/v1/<site>/<device>/<kind> into dst. */
void net_topic(char *dst, size_t cap, const char *kind, size_t kind_len);
/* Publishes the retained status {"v":1,"state":<state>,"ts":<wall ms>} (QoS 1); mosquitto's result, its mid in *mid. */
int net_publish_status(const char *state, int *mid);

#endif
