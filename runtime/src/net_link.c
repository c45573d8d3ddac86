/*
 * The broker link of the network group (net_link.h), as the simulator's device client
 * (host/ops/src/mqtt/device.ts): client id dendra-<site>-<device>, MQTT 3.1.1, clean session off,
 * retained QoS 1 last will {"v":1,"state":"offline"} on .../status, retained online status
 * {"v":1,"state":"online","ts":<wall ms>} on every (re)connect, QoS 1 subscription to the device's
 * own cmd topic, --username with $DENDRA_MQTT_PASSWORD, TLS for mqtts:// trusting --ca. A network
 * thread runs mosquitto_loop and reconnects forever with exponential backoff (1 s .. 30 s) after
 * any failure (refused, unreachable, TLS, DNS), logging each distinct problem once. --broker may
 * list several URLs (the nodes of a cluster, comma-separated): every reconnect tries the next one,
 * and the backoff doubles only after a whole pass over the list; the session (clean off) and the
 * QoS 1 messages libmosquitto has in flight are resent to the node it reaches. rt_wake() tells
 * the main loop that a command, a PUBACK or a connection change arrived.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_timedjoin_np */
#endif
#include "net_link.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NET_BACKOFF_MIN_S 1
#define NET_BACKOFF_MAX_S 30
#define NET_KEEPALIVE_S 60
#define NET_STOP_WAIT_MS 1000

pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
struct mosquitto *net_mosq;
static pthread_t thread;
bool net_up;
static bool thread_running, stopping;
static int backoff_s = NET_BACKOFF_MIN_S;
static int stop_mid = -1;
static bool stop_acked;
static bool down_logged;               /* on_disconnect logged the loss of the link */
static int first_rc, first_err;        /* the first connect attempt's result, for the network thread */
static char topic_prefix[160];         /* dendra/v1/<site>/<device>/ */
static char cmd_topic[170];
static char url_text[300];             /* the URL of the current attempt */
static net_url_t urls[NET_MAX_URLS];   /* --broker's list */
static char url_texts[NET_MAX_URLS][300];
static int n_urls, cur_url;
static char last_problem[512];         /* the last connection problem logged (logged again only when it changes) */

static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logs a connection problem once until it changes or the link comes up. */
static void problem(const char *text) {
  pthread_mutex_lock(&net_lock);
  bool fresh = strcmp(text, last_problem) != 0;
  if (fresh) snprintf(last_problem, sizeof(last_problem), "%s", text);
  pthread_mutex_unlock(&net_lock);
  if (fresh) rt_logf("net: %s", text);
}

void net_topic(char *dst, size_t cap, const char *kind, size_t kind_len) {
  snprintf(dst, cap, "%s%.*s", topic_prefix, (int)kind_len, kind);
}

/* Publishes the retained status record {"v":1,"state":<state>,"ts":<wall ms>}; mosquitto's result. */
int net_publish_status(const char *state, int *mid) {
  char topic[200], payload[96];
  net_topic(topic, sizeof(topic), "status", 6);
  int n = snprintf(payload, sizeof(payload), "{\"v\":1,\"state\":\"%s\",\"ts\":%lld}", state, wall_ms());
  return mosquitto_publish(net_mosq, mid, topic, n, payload, 1, true);
}

/* Hands the messages queued while offline to libmosquitto, oldest first (caller holds the net_lock). */
static uint32_t drain_queue(struct mosquitto *m) {
  net_queued_t q;
  uint32_t n = 0;
  while (net_state_queue_take(&q)) {
    int mid = -1;
    int rc = mosquitto_publish(m, &mid, q.topic, (int)q.len, q.payload, q.qos, q.retain);
    free(q.payload);
    if (rc == MOSQ_ERR_SUCCESS && q.qos == 1) net_state_set_mid(q.id, mid);
    net_state_set(q.id, rc != MOSQ_ERR_SUCCESS ? NET_LOST : q.qos == 1 ? NET_PENDING : NET_ACKED);
    n++;
  }
  return n;
}

static void on_connect(struct mosquitto *m, void *ud, int rc) {
  (void)ud;
  if (rc != 0) {
    char text[512];
    snprintf(text, sizeof(text), "broker %s refused the connection (%s); retrying", url_text, mosquitto_connack_string(rc));
    problem(text);
    return;
  }
  rt_logf("net: connected to %s", url_text);
  int prc = net_publish_status("online", NULL);
  if (prc != MOSQ_ERR_SUCCESS) rt_logf("net: online status not sent (%s)", mosquitto_strerror(prc));
  pthread_mutex_lock(&net_lock); /* net_up and the offline queue drained at once: order kept */
  net_up = true;
  backoff_s = NET_BACKOFF_MIN_S;
  last_problem[0] = '\0';
  uint32_t sent = drain_queue(m);
  pthread_mutex_unlock(&net_lock);
  if (sent > 0) rt_logf("net: %u message(s) published while offline handed over", sent);
  int src = mosquitto_subscribe(m, NULL, cmd_topic, 1);
  if (src != MOSQ_ERR_SUCCESS) rt_logf("net: cannot subscribe to %s (%s)", cmd_topic, mosquitto_strerror(src));
  rt_wake();
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc) {
  (void)m, (void)ud;
  pthread_mutex_lock(&net_lock);
  bool was = net_up, quiet = stopping;
  net_up = false;
  pthread_mutex_unlock(&net_lock);
  if (was && !quiet && rc != 0) {
    char text[512];
    snprintf(text, sizeof(text), "connection to %s lost; reconnecting", url_text);
    problem(text);
    pthread_mutex_lock(&net_lock);
    down_logged = true;
    pthread_mutex_unlock(&net_lock);
  }
  rt_wake();
}

static void on_publish(struct mosquitto *m, void *ud, int mid) {
  (void)m, (void)ud;
  pthread_mutex_lock(&net_lock);
  net_state_settle_mid(mid, NET_ACKED);
  if (mid == stop_mid) {
    stop_acked = true;
    pthread_cond_broadcast(&cond);
  }
  pthread_mutex_unlock(&net_lock);
  rt_wake();
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg) {
  (void)m, (void)ud;
  if (msg->topic == NULL || strcmp(msg->topic, cmd_topic) != 0) return;
  pthread_mutex_lock(&net_lock);
  int r = net_state_push_command(msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
  uint32_t dropped = net_state_commands_dropped();
  pthread_mutex_unlock(&net_lock);
  if (r < 0) rt_logf("net: command queue full (%d waiting); command dropped (%u dropped)", NET_MAX_COMMANDS, dropped);
  rt_wake();
}

static void on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *granted) {
  (void)m, (void)ud, (void)mid;
  for (int i = 0; i < n; i++)
    if (granted[i] > 2) rt_logf("net: broker refused the subscription to %s (not allowed to read it)", cmd_topic);
}

/* Sleeps `s` seconds or until net_stop; returns true when stopping. */
static bool backoff_sleep(int s) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += s;
  pthread_mutex_lock(&net_lock);
  while (!stopping && pthread_cond_timedwait(&cond, &net_lock, &until) != ETIMEDOUT) {}
  bool stop = stopping;
  pthread_mutex_unlock(&net_lock);
  return stop;
}

static bool is_stopping(void) {
  pthread_mutex_lock(&net_lock);
  bool s = stopping;
  pthread_mutex_unlock(&net_lock);
  return s;
}

/* Logs why a connection attempt or the link ended, unless a callback already said so. */
static void report(int rc, int err) {
  pthread_mutex_lock(&net_lock);
  bool said = down_logged;
  down_logged = false;
  pthread_mutex_unlock(&net_lock);
  if (rc == MOSQ_ERR_CONN_REFUSED || said) return; /* on_connect / on_disconnect logged it */
  char text[512];
  snprintf(text, sizeof(text), "broker %s: %s; retrying (every %d s at most)", url_text,
           rc == MOSQ_ERR_ERRNO ? strerror(err) : mosquitto_strerror(rc), NET_BACKOFF_MAX_S);
  problem(text);
}

/*
 * The network thread: libmosquitto's loop (which also sends what other threads queued), and after
 * every failed attempt or lost link a backoff wait and a new asynchronous connect, forever.
 */
static void *net_thread(void *arg) {
  (void)arg;
  int rc = first_rc, err = first_err;
  for (;;) {
    while (rc == MOSQ_ERR_SUCCESS) {
      if (is_stopping() && mosquitto_socket(net_mosq) < 0) break; /* net_stop: DISCONNECT written, socket closed */
      rc = mosquitto_loop(net_mosq, 1000, 1);
      err = errno;
    }
    if (is_stopping()) break;
    report(rc, err);
    pthread_mutex_lock(&net_lock);
    int wait = backoff_s;
    bool wraps = n_urls <= 1 || cur_url == n_urls - 1; /* the next attempt starts a new pass over the list */
    if (wraps) backoff_s = backoff_s * 2 > NET_BACKOFF_MAX_S ? NET_BACKOFF_MAX_S : backoff_s * 2;
    pthread_mutex_unlock(&net_lock);
    if (backoff_sleep(wait)) break;
    if (n_urls > 1) {
      cur_url = (cur_url + 1) % n_urls;
      snprintf(url_text, sizeof(url_text), "%s", url_texts[cur_url]);
      rc = mosquitto_connect_async(net_mosq, urls[cur_url].host, urls[cur_url].port, NET_KEEPALIVE_S);
    } else {
      rc = mosquitto_reconnect_async(net_mosq);
    }
    err = errno;
  }
  return NULL;
}

/* Creates the client with its will, credentials, TLS and callbacks; 0 or -1 (logged). */
static int configure(const net_url_t *u) {
  char client_id[160], will_topic[200];
  snprintf(client_id, sizeof(client_id), "dendra-%s-%s", rt_cfg.site, rt_cfg.device);
  net_mosq = mosquitto_new(client_id, false, NULL);
  if (net_mosq == NULL) {
    rt_logf("net: cannot create the MQTT client (%s)", strerror(errno));
    return -1;
  }
  mosquitto_int_option(net_mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_threaded_set(net_mosq, true);
  net_topic(will_topic, sizeof(will_topic), "status", 6);
  static const char will[] = "{\"v\":1,\"state\":\"offline\"}";
  int rc = mosquitto_will_set(net_mosq, will_topic, (int)strlen(will), will, 1, true);
  if (rc == MOSQ_ERR_SUCCESS && rt_cfg.username != NULL)
    rc = mosquitto_username_pw_set(net_mosq, rt_cfg.username, getenv("DENDRA_MQTT_PASSWORD"));
  if (rc == MOSQ_ERR_SUCCESS && u->tls) {
    rc = mosquitto_tls_set(net_mosq, rt_cfg.ca_path, rt_cfg.ca_path ? NULL : "/etc/ssl/certs", NULL, NULL, NULL);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(net_mosq, 1, NULL, NULL);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    rt_logf("net: cannot configure the MQTT client for %s (%s%s%s)", url_text, mosquitto_strerror(rc),
            u->tls && rt_cfg.ca_path ? "; CA file " : "", u->tls && rt_cfg.ca_path ? rt_cfg.ca_path : "");
    mosquitto_destroy(net_mosq);
    net_mosq = NULL;
    return -1;
  }
  mosquitto_connect_callback_set(net_mosq, on_connect);
  mosquitto_disconnect_callback_set(net_mosq, on_disconnect);
  mosquitto_publish_callback_set(net_mosq, on_publish);
  mosquitto_message_callback_set(net_mosq, on_message);
  mosquitto_subscribe_callback_set(net_mosq, on_subscribe);
  return 0;
}

int net_start(void) {
  if (rt_cfg.broker_url == NULL) return 0; /* no broker: publishes are dropped and acked at once */
  if (!net_valid_id(rt_cfg.site) || !net_valid_id(rt_cfg.device)) {
    rt_logf("net: site %s / device %s: ids are 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit",
            rt_cfg.site ? rt_cfg.site : "(none)", rt_cfg.device ? rt_cfg.device : "(none)");
    return -1;
  }
  char why[300];
  n_urls = net_parse_urls(rt_cfg.broker_url, urls, NET_MAX_URLS, why, sizeof(why));
  if (n_urls < 0) {
    rt_logf("net: %s", why);
    return -1;
  }
  for (int i = 0; i < n_urls; i++) {
    bool v6 = strchr(urls[i].host, ':') != NULL;
    snprintf(url_texts[i], sizeof(url_texts[i]), "%s://%s%s%s:%d", urls[i].tls ? "mqtts" : "mqtt", v6 ? "[" : "", urls[i].host, v6 ? "]" : "", urls[i].port);
  }
  cur_url = 0;
  const net_url_t u = urls[0];
  snprintf(url_text, sizeof(url_text), "%s", n_urls > 1 ? url_texts[0] : rt_cfg.broker_url);
  snprintf(topic_prefix, sizeof(topic_prefix), "dendra/v1/%s/%s/", rt_cfg.site, rt_cfg.device);
  snprintf(cmd_topic, sizeof(cmd_topic), "%scmd", topic_prefix);
  mosquitto_lib_init();
  if (configure(&u) != 0) return -1;
  stopping = false;
  first_rc = mosquitto_connect_async(net_mosq, u.host, u.port, NET_KEEPALIVE_S); /* failures: logged and retried by the thread */
  first_err = errno;
  /* The thread blocks every signal, so SIGINT/SIGTERM reach the main loop (and interrupt its poll). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int created = pthread_create(&thread, NULL, net_thread, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (created != 0) {
    rt_logf("net: cannot start the network thread");
    mosquitto_destroy(net_mosq);
    net_mosq = NULL;
    return -1;
  }
  thread_running = true;
  return 0;
}

/* Waits up to NET_STOP_WAIT_MS for the offline status's PUBACK. */
static void wait_stop_ack(void) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += (long)NET_STOP_WAIT_MS * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&net_lock);
  while (!stop_acked && net_up && pthread_cond_timedwait(&cond, &net_lock, &until) != ETIMEDOUT) {}
  pthread_mutex_unlock(&net_lock);
}

void net_stop(void) {
  if (net_mosq == NULL) return;
  pthread_mutex_lock(&net_lock);
  bool up = net_up;
  stop_acked = false;
  pthread_mutex_unlock(&net_lock);
  if (up) {
    pthread_mutex_lock(&net_lock); /* stop_mid set before the PUBACK can be matched */
    int rc = net_publish_status("offline", &stop_mid);
    pthread_mutex_unlock(&net_lock);
    if (rc == MOSQ_ERR_SUCCESS) wait_stop_ack();
  }
  pthread_mutex_lock(&net_lock);
  stopping = true;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&net_lock);
  mosquitto_disconnect(net_mosq);
  if (thread_running) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3;
    if (pthread_timedjoin_np(thread, NULL, &until) != 0) { /* stuck in a blocking DNS lookup or connect */
      pthread_cancel(thread);
      pthread_join(thread, NULL);
    }
    thread_running = false;
  }
  mosquitto_destroy(net_mosq);
  net_mosq = NULL;
  net_up = false;
  mosquitto_lib_cleanup();
  net_queued_t q;
  uint32_t unsent = 0;
  for (; net_state_queue_take(&q); unsent++) free(q.payload);
  if (unsent > 0) rt_logf("net: stopped while offline: %u queued message(s) not sent", unsent);
}

