/*
 * Tests of the network group (hal_net.c, net_state.c, net_url.c) with the test core stand-in.
 *   test_net selftest                    id/command bookkeeping, URL and id checks, no-broker mode; exit 1 on failure
 *   test_net [--broker URL --site S --device D --ca F --username U]
 *                                        a driver for the node test: one command per stdin line, one answer line
 *                                        on stdout (commands below), against a real broker
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include "core_stub.h"
#include "hal_net.h"

static int failures;
#define CHECK(cond, ...)                                     \
  do {                                                       \
    if (cond) {                                              \
      printf("ok ");                                         \
    } else {                                                 \
      failures++;                                            \
      printf("FAIL (%s:%d %s) ", __FILE__, __LINE__, #cond); \
    }                                                        \
    printf(__VA_ARGS__);                                     \
    printf("\n");                                            \
  } while (0)

/* net_publish through the native: kind at 0, payload at 256 of test memory. */
static int32_t publish(const char *kind, const char *payload, uint32_t qos, uint32_t retain) {
  size_t k = strlen(kind), n = strlen(payload);
  memcpy(test_mem, kind, k);
  memcpy(test_mem + 256, payload, n);
  return net_hal_publish(NULL, 0, (uint32_t)k, 256, (uint32_t)n, qos, retain);
}

static void selftest_state(void) {
  int32_t a = net_state_track(NET_PENDING, 7), b = net_state_track(NET_PENDING, 8);
  CHECK(a >= 1 && b == a + 1, "ids count up from 1");
  CHECK(net_hal_is_acked(NULL, a) == NET_PENDING, "pending until its PUBACK");
  CHECK(net_state_settle_mid(7, NET_ACKED) == a && net_hal_is_acked(NULL, a) == NET_ACKED, "PUBACK for mid 7 acks its id");
  CHECK(net_hal_is_acked(NULL, a) == NET_LOST, "a final state is reported once");
  CHECK(net_hal_is_acked(NULL, 999999) == NET_LOST, "an id never issued is lost");
  net_board_reset();
  CHECK(net_hal_is_acked(NULL, b) == NET_LOST && net_state_settle_mid(8, NET_ACKED) == 0, "a reset forgets pending ids; late PUBACKs are ignored");
  int32_t c = net_state_track(NET_PENDING, -1);
  CHECK(c == b + 1, "the id counter goes on after a reset");
  for (int i = 0; i < NET_MAX_TRACKED; i++) net_state_track(NET_PENDING, -1);
  CHECK(net_state_tracked() == NET_MAX_TRACKED && net_hal_is_acked(NULL, c) == NET_LOST, "beyond %d states the oldest is forgotten", NET_MAX_TRACKED);
  net_board_reset();
  static uint8_t big[5000];
  memset(big, 'x', sizeof(big));
  for (int i = 0; i < NET_MAX_COMMANDS + 2; i++) {
    char cmd[32];
    int n = snprintf(cmd, sizeof(cmd), "{\"id\":%d}", i);
    if (i == 1) net_state_push_command(big, sizeof(big));
    else net_state_push_command((uint8_t *)cmd, (size_t)n);
  }
  CHECK(net_state_pending_commands() == NET_MAX_COMMANDS && net_state_commands_dropped() == 2, "command FIFO holds %d, drops the excess", NET_MAX_COMMANDS);
  memset(test_mem, 0, 8192);
  int32_t n = net_hal_cmd_poll(NULL, 100, 64);
  CHECK(n == 8 && memcmp(test_mem + 100, "{\"id\":0}", 8) == 0, "oldest command first, full length returned");
  n = net_hal_cmd_poll(NULL, 100, 8000);
  CHECK(n == 5000 && test_mem[100 + 4095] == 'x' && test_mem[100 + 4096] == 0, "%d bytes kept of a 5000-byte command, its full length returned", NET_MAX_COMMAND_BYTES);
  n = net_hal_cmd_poll(NULL, 100, 3);
  CHECK(n == 8 && memcmp(test_mem + 100, "{\"i", 3) == 0, "a short buffer gets min(length, cap) bytes and the full length");
  CHECK(net_hal_cmd_poll(NULL, TEST_MEM_BYTES - 1, 8) == RT_E_BOUNDS, "cmd_poll into a bad range: -1");
  net_board_reset();
  CHECK(net_hal_cmd_poll(NULL, 100, 64) == 0, "a reset empties the command queue");
}

static void selftest_checks(void) {
  net_url_t u;
  char why[300];
  CHECK(net_parse_url("mqtt://127.0.0.1:1884", &u, why, sizeof(why)) == 0 && !u.tls && u.port == 1884 && strcmp(u.host, "127.0.0.1") == 0, "mqtt URL");
  CHECK(net_parse_url("mqtts://broker.local", &u, why, sizeof(why)) == 0 && u.tls && u.port == 8883, "mqtts default port 8883");
  CHECK(net_parse_url("mqtt://[::1]:2000/", &u, why, sizeof(why)) == 0 && strcmp(u.host, "::1") == 0 && u.port == 2000, "IPv6 host");
  CHECK(net_parse_url("http://x", &u, why, sizeof(why)) == -1 && strstr(why, "must start with mqtt://") != NULL, "wrong scheme: %s", why);
  CHECK(net_parse_url("mqtt://x:99999", &u, why, sizeof(why)) == -1 && strstr(why, "port must be") != NULL, "bad port: %s", why);
  net_url_t list[NET_MAX_URLS];
  CHECK(net_parse_urls("mqtt://a:1,mqtt://b:2,mqtt://[::1]:3", list, NET_MAX_URLS, why, sizeof(why)) == 3 && list[1].port == 2 && strcmp(list[2].host, "::1") == 0, "a list of three: %s", why);
  CHECK(net_parse_urls("mqtt://a:1", list, NET_MAX_URLS, why, sizeof(why)) == 1 && list[0].port == 1, "a list of one");
  CHECK(net_parse_urls("mqtt://a:1,,mqtt://b", list, NET_MAX_URLS, why, sizeof(why)) == -1 && strstr(why, "empty entry") != NULL, "empty entry: %s", why);
  CHECK(net_parse_urls("mqtt://a:1,mqtts://b", list, NET_MAX_URLS, why, sizeof(why)) == -1 && strstr(why, "mixes") != NULL, "mixed schemes: %s", why);
  CHECK(net_parse_urls("mqtt://a,mqtt://b:0", list, NET_MAX_URLS, why, sizeof(why)) == -1 && strstr(why, "port must be") != NULL, "a bad URL in the list: %s", why);
  CHECK(net_parse_urls("mqtt://a,mqtt://a,mqtt://a,mqtt://a,mqtt://a,mqtt://a,mqtt://a,mqtt://a,mqtt://a", list, NET_MAX_URLS, why, sizeof(why)) == -1 && strstr(why, "more than 8") != NULL, "too many: %s", why);
  CHECK(net_valid_id("tx1") && net_valid_id("a.b_c-D") && !net_valid_id("-x") && !net_valid_id("a/b") && !net_valid_id("+") && !net_valid_id(""), "site/device ids");
  CHECK(net_valid_kind("alert", 5) && net_valid_kind("model", 5) && !net_valid_kind("cmd", 3) && !net_valid_kind("alerts", 6), "publish kinds");
  /* no broker configured: publishes dropped and acked at once, always connected (the simulator without a publisher) */
  memset(&rt_cfg, 0, sizeof(rt_cfg));
  CHECK(net_start() == 0 && net_hal_connected(NULL) == 1, "no broker: connected");
  int32_t id = publish("alert", "{}", 1, 0);
  CHECK(id >= 1 && net_hal_is_acked(NULL, id) == NET_ACKED, "no broker: acked at once");
  CHECK(net_hal_announce(NULL) == 0, "no broker: announce hands over nothing");
  CHECK(publish("alert", "{}", 2, 0) == RT_E_BOUNDS && publish("", "{}", 0, 0) == RT_E_BOUNDS, "qos 2 or an empty kind: -1");
  rt_cfg.broker_url = "mqtt://127.0.0.1:1";
  rt_cfg.site = "bad/site";
  rt_cfg.device = "tx1";
  CHECK(net_start() == -1, "an invalid site id fails net_start");
  rt_cfg.site = "yard";
  rt_cfg.broker_url = "tcp://x";
  CHECK(net_start() == -1, "a bad URL fails net_start");
}

static double mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* "wait ID MS": polls net_is_acked until it is final or MS pass; prints the last state. */
static void cmd_wait(int32_t id, double ms) {
  double end = mono_ms() + ms;
  int32_t s;
  while ((s = net_hal_is_acked(NULL, id)) == NET_PENDING && mono_ms() < end) usleep(5000);
  printf("%d\n", s);
}

static void cmd_waitconn(int want, double ms) {
  double end = mono_ms() + ms;
  while (net_hal_connected(NULL) != want && mono_ms() < end) usleep(5000);
  printf("%d\n", net_hal_connected(NULL));
}

static void cmd_waitcmd(uint32_t want, double ms) {
  double end = mono_ms() + ms;
  while (net_state_pending_commands() < want && mono_ms() < end) usleep(5000);
  printf("%u\n", net_state_pending_commands());
}

static void cmd_poll(uint32_t cap) {
  memset(test_mem + 4096, 0, cap + 1);
  int32_t n = net_hal_cmd_poll(NULL, 4096, cap);
  printf("%d %s\n", n, (char *)test_mem + 4096);
}

/* "sigmask": "<threads> <blocking>": the process's threads other than main, and how many of them
 * block SIGTERM and SIGINT (the network thread must, or a runtime's main loop misses its stop signal). */
static void cmd_sigmask(void) {
  DIR *d = opendir("/proc/self/task");
  int threads = 0, blocking = 0;
  for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == getpid()) continue;
    char path[300], line[256];
    snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
      if (strncmp(line, "SigBlk:", 7) != 0) continue;
      unsigned long long m = strtoull(line + 7, NULL, 16);
      threads++;
      if ((m >> (SIGTERM - 1) & 1) && (m >> (SIGINT - 1) & 1)) blocking++;
    }
    if (f != NULL) fclose(f);
  }
  if (d != NULL) closedir(d);
  printf("%d %d\n", threads, blocking);
}

/* One driver command; returns 0 to go on, 1 to quit. */
static int run_line(char *line) {
  char *op = strtok(line, " \n");
  if (op == NULL) return 0;
  char *a1 = strtok(NULL, " \n"), *a2 = strtok(NULL, " \n"), *a3 = strtok(NULL, " \n"), *rest = strtok(NULL, "\n");
  if (strcmp(op, "start") == 0) printf("%d\n", net_start());
  else if (strcmp(op, "publish") == 0 && rest) printf("%d\n", publish(a1, rest, (uint32_t)atoi(a2), (uint32_t)atoi(a3)));
  else if (strcmp(op, "acked") == 0 && a1) printf("%d\n", net_hal_is_acked(NULL, atoi(a1)));
  else if (strcmp(op, "wait") == 0 && a2) cmd_wait(atoi(a1), atof(a2));
  else if (strcmp(op, "connected") == 0) printf("%d\n", net_hal_connected(NULL));
  else if (strcmp(op, "waitconn") == 0 && a2) cmd_waitconn(atoi(a1), atof(a2));
  else if (strcmp(op, "waitcmd") == 0 && a2) cmd_waitcmd((uint32_t)atoi(a1), atof(a2));
  else if (strcmp(op, "poll") == 0 && a1) cmd_poll((uint32_t)atoi(a1));
  else if (strcmp(op, "announce") == 0) printf("%d\n", net_hal_announce(NULL));
  else if (strcmp(op, "reset") == 0) { net_board_reset(); printf("reset\n"); }
  else if (strcmp(op, "wakes") == 0) printf("%u\n", test_wakes());
  else if (strcmp(op, "sigmask") == 0) cmd_sigmask();
  else if (strcmp(op, "pid") == 0) printf("%d\n", (int)getpid());
  else if (strcmp(op, "stop") == 0) { net_stop(); printf("stopped\n"); return 1; }
  else printf("error unknown command %s\n", op);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 2 && strcmp(argv[1], "selftest") == 0) {
    selftest_state();
    selftest_checks();
    printf("%s: %d failed\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--broker") == 0) rt_cfg.broker_url = argv[i + 1];
    else if (strcmp(argv[i], "--site") == 0) rt_cfg.site = argv[i + 1];
    else if (strcmp(argv[i], "--device") == 0) rt_cfg.device = argv[i + 1];
    else if (strcmp(argv[i], "--ca") == 0) rt_cfg.ca_path = argv[i + 1];
    else if (strcmp(argv[i], "--username") == 0) rt_cfg.username = argv[i + 1];
    else {
      fprintf(stderr, "test_net: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  char line[20000];
  while (fgets(line, sizeof(line), stdin) != NULL)
    if (run_line(line)) return 0;
  net_stop();
  return 0;
}
