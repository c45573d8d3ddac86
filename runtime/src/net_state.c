/* Message-id and command bookkeeping of the network stack (net_state.h). */
#include "net_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int32_t id;
  int32_t state;
  int mid; /* transport message id (mosquitto mid), -1 when none */
} net_entry_t;

typedef struct {
  uint8_t bytes[NET_MAX_COMMAND_BYTES];
  size_t kept;
  size_t length;
} net_command_t;

/* Tracked ids in insertion order (oldest first), as the simulator's Map iterates. */
static net_entry_t entries[NET_MAX_TRACKED + 1];
static uint32_t entry_count;
static int32_t next_id = 1;

static net_command_t commands[NET_MAX_COMMANDS];
static uint32_t cmd_head, cmd_count, cmd_dropped;

static net_queued_t queued[NET_MAX_QUEUED];
static uint32_t q_head, q_count;

static int find(int32_t id) {
  for (uint32_t i = 0; i < entry_count; i++)
    if (entries[i].id == id) return (int)i;
  return -1;
}

static void remove_at(uint32_t i) {
  memmove(&entries[i], &entries[i + 1], (entry_count - i - 1) * sizeof(entries[0]));
  entry_count--;
}

int32_t net_state_track(int32_t state, int mid) {
  int32_t id = next_id;
  next_id = next_id >= 0x7fffffff ? 1 : next_id + 1;
  int old = find(id); /* only after 2^31 ids: the stale entry is replaced */
  if (old >= 0) remove_at((uint32_t)old);
  entries[entry_count++] = (net_entry_t){ id, state, mid };
  if (entry_count > NET_MAX_TRACKED) remove_at(0);
  return id;
}

void net_state_set_mid(int32_t id, int mid) {
  int i = find(id);
  if (i >= 0) entries[i].mid = mid;
}

void net_state_set(int32_t id, int32_t state) {
  int i = find(id);
  if (i >= 0 && entries[i].state == NET_PENDING) entries[i].state = state;
}

int32_t net_state_settle_mid(int mid, int32_t state) {
  for (uint32_t i = 0; i < entry_count; i++) {
    if (entries[i].mid == mid && entries[i].state == NET_PENDING) {
      entries[i].state = state;
      return entries[i].id;
    }
  }
  return 0;
}

void net_state_forget(int32_t id) {
  int i = find(id);
  if (i >= 0) remove_at((uint32_t)i);
}

int32_t net_state_query(int32_t id) {
  int i = find(id);
  if (i < 0) return NET_LOST;
  int32_t s = entries[i].state;
  if (s != NET_PENDING) remove_at((uint32_t)i);
  return s;
}

int net_state_push_command(const uint8_t *payload, size_t len) {
  if (cmd_count >= NET_MAX_COMMANDS) {
    cmd_dropped++;
    return -1;
  }
  net_command_t *c = &commands[(cmd_head + cmd_count) % NET_MAX_COMMANDS];
  c->kept = len < NET_MAX_COMMAND_BYTES ? len : NET_MAX_COMMAND_BYTES;
  if (c->kept > 0) memcpy(c->bytes, payload, c->kept);
  c->length = len;
  cmd_count++;
  return 0;
}

int32_t net_state_poll_command(uint8_t *dst, uint32_t cap) {
  if (cmd_count == 0) return 0;
  net_command_t *c = &commands[cmd_head];
  cmd_head = (cmd_head + 1) % NET_MAX_COMMANDS;
  cmd_count--;
  size_t n = c->kept < cap ? c->kept : cap;
  if (n > 0) memcpy(dst, c->bytes, n);
  return c->length > 0x7fffffff ? 0x7fffffff : (int32_t)c->length;
}

uint32_t net_state_pending_commands(void) { return cmd_count; }
uint32_t net_state_commands_dropped(void) { return cmd_dropped; }
uint32_t net_state_tracked(void) { return entry_count; }

void net_state_reset(void) {
  entry_count = 0;
  cmd_head = 0;
  cmd_count = 0;
}

int net_state_queue_push(int32_t id, const char *topic, const uint8_t *payload, size_t len, int qos, bool retain) {
  if (q_count >= NET_MAX_QUEUED) return -1;
  uint8_t *copy = malloc(len ? len : 1);
  if (copy == NULL) return -1;
  if (len > 0) memcpy(copy, payload, len);
  net_queued_t *q = &queued[(q_head + q_count) % NET_MAX_QUEUED];
  q->id = id;
  snprintf(q->topic, sizeof(q->topic), "%s", topic);
  q->payload = copy;
  q->len = len;
  q->qos = qos;
  q->retain = retain;
  q_count++;
  return 0;
}

int net_state_queue_take(net_queued_t *out) {
  if (q_count == 0) return 0;
  *out = queued[q_head];
  q_head = (q_head + 1) % NET_MAX_QUEUED;
  q_count--;
  return 1;
}

uint32_t net_state_queued(void) { return q_count; }
