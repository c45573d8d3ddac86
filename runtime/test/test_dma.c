/*
 * Tests of the DMA group (hal_dma.c, dma_csv.c, dma_live.c) through its natives, with the test
 * core stand-in (manual board clock, 1 MiB of "linear memory").
 *   test_dma frames CH FILE ARG K... prints "frame K status S due MS <hex>" for each frame K of channel CH
 *                                    (0: ETT FILE from row ARG; 1: pack FILE, ARG hours per frame); the node
 *                                    test compares them with the simulator's WindowDma / PackDma
 *   test_dma selftest DIR            status codes, timing, reset, END, CSV errors, live socket; exit 1 on failure
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core_stub.h"
#include "hal_dma.h"
#include "fwslot.h"

static int failures;
#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (cond) {                                            \
      printf("ok ");                                       \
    } else {                                               \
      failures++;                                          \
      printf("FAIL (%s:%d %s) ", __FILE__, __LINE__, #cond); \
    }                                                      \
    printf(__VA_ARGS__);                                   \
    printf("\n");                                          \
  } while (0)

/* Runs one transfer of channel ch into dst at board time `at`, completing it at its due time. */
static int32_t transfer(uint32_t ch, uint32_t dst, uint32_t len, double at) {
  test_now_ms = at;
  int32_t r = dma_hal_start(NULL, ch, dst, len);
  if (r != 0) return r;
  double due = dma_next_due_ms();
  if (due >= 0) test_now_ms = due;
  return dma_hal_status(NULL, ch);
}

/* "frames CH FILE ARG K...": channel 0 replays ETT FILE from row ARG (ARG "ROW:BYTES": windows of BYTES, default the board's frameBytes), channel 1 pack FILE at ARG hours per frame. */
static int frames_mode(int argc, char **argv) {
  test_board_sim();
  uint32_t ch = (uint32_t)strtoul(argv[2], NULL, 10);
  uint32_t bytes = rt_board.dma[ch == 0 ? 0 : 1].frame_bytes;
  if (ch == 0) {
    char *end = NULL;
    rt_cfg.grid_csv = argv[3];
    rt_cfg.grid_start = (uint32_t)strtoul(argv[4], &end, 10);
    if (end != NULL && *end == ':') bytes = (uint32_t)strtoul(end + 1, NULL, 10);
  } else {
    rt_cfg.pack_csv = argv[3];
    rt_cfg.pack_hours = strtod(argv[4], NULL);
  }
  if (dma_open() != 0) return 2;
  long last = 0;
  for (int i = 5; i < argc; i++) last = strtol(argv[i], NULL, 10) > last ? strtol(argv[i], NULL, 10) : last;
  for (long k = 0; k <= last; k++) {
    int32_t s = transfer(ch, 64, bytes, (double)k * DMA_HOUR_MS);
    for (int i = 5; i < argc; i++) {
      if (strtol(argv[i], NULL, 10) != k) continue;
      printf("frame %ld status %d due %.0f ", k, s, test_now_ms);
      for (uint32_t b = 0; b < bytes; b++) printf("%02x", test_mem[64 + b]);
      printf("\n");
    }
  }
  return 0;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
    printf("FAIL cannot write %s\n", path);
    exit(1);
  }
}

/* An ETT CSV of `rows` rows where row r, channel c holds r + c / 10. */
static void write_ett(const char *path, int rows) {
  FILE *f = fopen(path, "w");
  fprintf(f, "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\n");
  for (int r = 0; r < rows; r++) {
    fprintf(f, "2016-07-01 %02d:00:00", r % 24);
    for (int c = 0; c < 7; c++) fprintf(f, ",%d.%d", r, c);
    fprintf(f, "\r\n");
  }
  fclose(f);
}

static float f32_at(uint32_t off) {
  float v;
  memcpy(&v, test_mem + off, 4); /* the tests run on little-endian hosts */
  return v;
}

static void test_replay(const char *dir) {
  char ett[512], pack[512];
  snprintf(ett, sizeof(ett), "%s/ett.csv", dir);
  snprintf(pack, sizeof(pack), "%s/pack.csv", dir);
  write_ett(ett, 100);
  FILE *f = fopen(pack, "w");
  fprintf(f, "# two pack frames\n");
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 864; i++) fprintf(f, "%s%d.5%s", i ? "," : "", k * 1000 + i, i == 863 ? "\n" : "");
  fclose(f);
  memset(&rt_cfg, 0, sizeof(rt_cfg));
  test_board_sim();
  rt_cfg.grid_csv = ett;
  rt_cfg.grid_start = 100;
  CHECK(dma_open() != 0, "a start row past the data is refused at open");
  dma_close();
  test_board_sim();
  rt_cfg.grid_start = 2;
  rt_cfg.pack_csv = pack;
  rt_cfg.pack_hours = 0.5;
  CHECK(dma_open() == 0, "dma_open reads the ETT and pack replays");
  test_now_ms = 0;
  CHECK(dma_hal_start(NULL, 5, 0, 2688) == DMA_E_CHANNEL && dma_hal_status(NULL, 5) == DMA_E_CHANNEL, "unknown channel: -1");
  CHECK(dma_hal_start(NULL, 0, 0, 100) == DMA_E_ARG, "wrong length: -2");
  CHECK(dma_hal_start(NULL, 0, 0, 0) == DMA_E_ARG && dma_hal_start(NULL, 0, 0, 28 * (GEN_MAX_WINDOW + 1)) == DMA_E_ARG,
        "an empty window or one longer than GEN_MAX_WINDOW hours: -2");
  CHECK(dma_hal_start(NULL, 0, TEST_MEM_BYTES - 8, 2688) == RT_E_BOUNDS, "destination outside memory: -1");
  CHECK(dma_hal_status(NULL, 0) == DMA_DONE && dma_next_due_ms() < 0, "idle channel reports done, nothing due");
  CHECK(dma_hal_start(NULL, 0, 0, 2688) == 0 && dma_hal_status(NULL, 0) == DMA_BUSY, "frame 0 busy right after the start");
  CHECK(dma_next_due_ms() == 1, "frame 0 due after the 1 ms transfer (got %.0f)", dma_next_due_ms());
  test_now_ms = 1;
  CHECK(dma_hal_status(NULL, 0) == DMA_DONE, "frame 0 done at its due time");
  CHECK(f32_at(0) == 2.0f && f32_at(4) == (float)2.1 && f32_at(6 * 4) == (float)2.6 && f32_at(7 * 4) == 3.0f &&
          f32_at(95 * 28 + 24) == (float)97.6,
        "window 0 = rows [2, 98) time-major [96][7]");
  CHECK(dma_hal_start(NULL, 0, 4096, 2688) == 0 && dma_next_due_ms() == DMA_HOUR_MS, "frame 1 due one board hour after boot");
  test_now_ms = DMA_HOUR_MS - 1;
  CHECK(dma_hal_status(NULL, 0) == DMA_BUSY, "frame 1 busy before its hour");
  dma_board_reset();
  CHECK(dma_hal_status(NULL, 0) == DMA_DONE && dma_next_due_ms() < 0, "a board reset voids the pending transfer");
  CHECK(transfer(0, 4096, 2688, DMA_HOUR_MS) == DMA_DONE && f32_at(4096) == 3.0f, "after the reset the stream goes on with frame 1");
  CHECK(transfer(0, 4096, 2688, 2 * DMA_HOUR_MS) == DMA_DONE && f32_at(4096) == 4.0f, "frame 2, the last of 100 - 2 - 96 + 1 = 3 windows");
  test_now_ms = 9 * DMA_HOUR_MS;
  CHECK(dma_hal_start(NULL, 0, 4096, 2688) == 0 && dma_hal_status(NULL, 0) == DMA_END, "after the last window: end");
  CHECK(dma_hal_start(NULL, 0, 4096, 28 * 336) == 0 && dma_hal_status(NULL, 0) == DMA_END, "a 336-hour window in 98 rows: end");
  CHECK(transfer(0, 4096, 28 * 3, 10 * DMA_HOUR_MS) == DMA_DONE && f32_at(4096) == 5.0f && f32_at(4096 + 2 * 28 + 24) == (float)7.6,
        "3-hour windows go on from frame 3: rows [5, 8)");
  CHECK(transfer(1, 8192, 3456, 0) == DMA_DONE && f32_at(8192) == 0.5f && f32_at(8192 + 863 * 4) == 863.5f, "pack frame 0 = line 1");
  test_now_ms = 1;
  CHECK(dma_hal_start(NULL, 1, 8192, 3456) == 0 && dma_next_due_ms() == 0.5 * DMA_HOUR_MS, "pack frame 1 due after pack_hours");
  test_now_ms = 0.5 * DMA_HOUR_MS;
  CHECK(dma_hal_status(NULL, 1) == DMA_DONE && f32_at(8192) == 1000.5f, "pack frame 1 = line 2");
  CHECK(dma_hal_start(NULL, 1, 8192, 3456) == 0 && dma_hal_status(NULL, 1) == DMA_END, "pack replay ends after its frames");
  dma_close();
}

/* dma_read_* on `text`: returns the message (empty when it parsed). */
static const char *csv_error(const char *dir, const char *text, bool ett) {
  static char why[512];
  char path[512];
  snprintf(path, sizeof(path), "%s/bad.csv", dir);
  write_file(path, text);
  dma_table_t t;
  why[0] = '\0';
  int r = ett ? dma_read_ett(path, &t, why, sizeof(why)) : dma_read_frames(path, 3, &t, why, sizeof(why));
  if (r == 0) free(t.values);
  const char *base = strstr(why, "bad.csv");
  return base ? base : why;
}

static void test_csv_errors(const char *dir) {
  const char *e;
  e = csv_error(dir, "date,HUFL,HULL,MUFL,MULL,LUFL,LULL\n2016,1,2,3,4,5,6\n", true);
  CHECK(strcmp(e, "bad.csv:1: header must be date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT") == 0, "missing OT column: %s", e);
  e = csv_error(dir, "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\n2016,1,2,3,4,5,6,7\n2016,1,x,3,4,5,6,7\n", true);
  CHECK(strcmp(e, "bad.csv:3: HULL is not a number") == 0, "bad number names line and column: %s", e);
  e = csv_error(dir, "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\n\n2016,1,2,3,4,5,6\n", true);
  CHECK(strcmp(e, "bad.csv:3: expected 8 columns, got 7") == 0, "short row: %s", e);
  e = csv_error(dir, "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\n2016,1,2,3,4,5,6,inf\n", true);
  CHECK(strcmp(e, "bad.csv:2: OT is not a number") == 0, "infinite value refused: %s", e);
  e = csv_error(dir, "1,2,3\n1,2\n", false);
  CHECK(strcmp(e, "bad.csv:2: expected 3 numbers, got 2") == 0, "pack frame of the wrong size: %s", e);
  e = csv_error(dir, "# nothing\n", false);
  CHECK(strcmp(e, "bad.csv: no frames") == 0, "pack file without frames: %s", e);
  memset(&rt_cfg, 0, sizeof(rt_cfg));
  test_board_sim();
  char ett[512];
  snprintf(ett, sizeof(ett), "%s/short.csv", dir);
  write_ett(ett, 50);
  rt_cfg.grid_csv = ett;
  rt_cfg.grid_start = 50;
  CHECK(dma_open() == -1, "a start past the last row fails dma_open");
  dma_close();
  test_board_sim();
  rt_cfg.grid_start = 0;
  CHECK(dma_open() == 0, "50 rows open: the window length comes with each request");
  test_now_ms = 0;
  CHECK(dma_hal_start(NULL, 0, 0, 96 * 28) == 0 && dma_hal_status(NULL, 0) == DMA_END, "no full 96-hour window in 50 rows: end");
  dma_close();
}

/* Sends text on fd, then lets the DMA group read it. */
static void send_live(int fd, const char *text) {
  size_t n = strlen(text);
  while (n > 0) {
    ssize_t w = write(fd, text, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    text += w;
    n -= (size_t)w;
    dma_on_readable();
  }
  for (int i = 0; i < 20; i++) {
    usleep(2000);
    dma_on_readable();
  }
}

static char *record(uint32_t ch, uint32_t n, float first) {
  static char buf[DMA_LIVE_MAX_LINE];
  int o = snprintf(buf, sizeof(buf), "%u", ch);
  for (uint32_t i = 0; i < n; i++) o += snprintf(buf + o, sizeof(buf) - (size_t)o, ",%g", first + (float)i);
  snprintf(buf + o, sizeof(buf) - (size_t)o, "\n");
  return buf;
}

/* Opens the DMA group live on DIR/live.sock (into sock) and connects a bridge to it; the bridge's fd. */
static int live_open(const char *dir, char *sock, size_t cap) {
  snprintf(sock, cap, "%s/live.sock", dir);
  memset(&rt_cfg, 0, sizeof(rt_cfg));
  test_board_sim();
  rt_cfg.live_socket = sock;
  CHECK(dma_open() == 0 && dma_poll_fd() >= 0, "live socket opened");
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
  CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "a bridge connects");
  dma_on_readable();
  return fd;
}

static void live_close(int fd, const char *sock) {
  close(fd);
  for (int i = 0; i < 5; i++) dma_on_readable();
  dma_close();
  CHECK(access(sock, F_OK) != 0, "the socket file is removed at close");
}

static void test_live(const char *dir) {
  char sock[100];
  int fd = live_open(dir, sock, sizeof(sock));
  test_now_ms = 10;
  CHECK(dma_hal_start(NULL, 0, 0, 2688) == 0 && dma_hal_status(NULL, 0) == DMA_BUSY && dma_next_due_ms() < 0,
        "live channel waits for a record (nothing due)");
  char *r = record(0, 672, 100);
  size_t half = strlen(r) / 2;
  char first[DMA_LIVE_MAX_LINE];
  memcpy(first, r, half);
  first[half] = '\0';
  send_live(fd, first);
  CHECK(dma_hal_status(NULL, 0) == DMA_BUSY, "half a record is not a frame");
  send_live(fd, r + half);
  CHECK(dma_next_due_ms() == 11, "a complete 96-hour record makes the window due 1 ms after the start");
  test_now_ms = 11;
  CHECK(dma_hal_status(NULL, 0) == DMA_DONE && f32_at(0) == 100.0f && f32_at(671 * 4) == 771.0f, "the record's 96 hours are the window");
  send_live(fd, "7,1,2\n0,1,2\n0,x\nnot a record\n");
  CHECK(dma_live_rejected() == 4, "bad records rejected (got %u)", dma_live_rejected());
  for (int i = 0; i < DMA_LIVE_QUEUE + 2; i++) send_live(fd, record(1, 864, (float)i * 1000));
  CHECK(dma_live_dropped(1) == 2, "queue of %d: the 2 oldest of %d records dropped (got %u)", DMA_LIVE_QUEUE, DMA_LIVE_QUEUE + 2, dma_live_dropped(1));
  CHECK(transfer(1, 8192, 3456, 20) == DMA_DONE && f32_at(8192) == 2000.0f, "the connection survived bad records; oldest kept record first");
  CHECK(transfer(1, 8192, 3456, 30) == DMA_DONE && f32_at(8192) == 3000.0f, "then the next");
  live_close(fd, sock);
}

/* Live channel 0: hours into the ring, windows of the requested length once held, one per new hour. */
static void test_live_hours(const char *dir) {
  char sock[100];
  const uint32_t L = 336, W = L * 28;
  int fd = live_open(dir, sock, sizeof(sock));
  test_now_ms = 100;
  send_live(fd, record(0, 7 * 300, 0));
  CHECK(dma_live_hours() == 300, "a record of 2100 values appends 300 hours (got %llu)", (unsigned long long)dma_live_hours());
  CHECK(dma_hal_start(NULL, 0, 0, W) == 0 && dma_hal_status(NULL, 0) == DMA_BUSY && dma_next_due_ms() < 0, "336 hours asked, 300 held: busy, nothing due");
  test_now_ms = 200;
  send_live(fd, record(0, 7 * 35, 2100));
  CHECK(dma_hal_status(NULL, 0) == DMA_BUSY && dma_next_due_ms() < 0, "335 held: still busy");
  test_now_ms = 300;
  send_live(fd, record(0, 7, 2345));
  CHECK(dma_next_due_ms() == 301, "the 336th hour makes the window due 1 ms after it arrived (got %.0f)", dma_next_due_ms());
  test_now_ms = 301;
  CHECK(dma_hal_status(NULL, 0) == DMA_DONE && f32_at(0) == 0.0f && f32_at(W - 4) == 2351.0f, "window = hours 0..335, time-major, oldest first");
  CHECK(dma_hal_start(NULL, 0, 0, W) == 0 && dma_hal_status(NULL, 0) == DMA_BUSY && dma_next_due_ms() < 0, "no new hour since the last window: busy");
  test_now_ms = 400;
  send_live(fd, "0,1,2,3,4,5,6,7,8\n0,1,2,3,4,5,6,x\n");
  CHECK(dma_live_rejected() == 2 && dma_live_hours() == 336 && dma_next_due_ms() < 0, "8 values (not whole hours) and a bad value: rejected, nothing appended");
  send_live(fd, record(0, 7, 5000));
  CHECK(transfer(0, 0, W, 400) == DMA_DONE && f32_at(0) == 7.0f && f32_at(W - 28) == 5000.0f && f32_at(W - 4) == 5006.0f,
        "one new hour: the window slides by one (hours 1..336)");
  send_live(fd, record(0, 7 * 3, 6000));
  CHECK(transfer(0, 0, 28 * 2, 500) == DMA_DONE && f32_at(0) == 6007.0f && f32_at(28) == 6014.0f, "three hours at once: one window of the newest (a 2-hour request)");
  send_live(fd, record(0, 7 * GEN_MAX_WINDOW, 10000));
  CHECK(transfer(0, 0, 28 * GEN_MAX_WINDOW, 600) == DMA_DONE && f32_at(0) == 10000.0f && f32_at(28 * GEN_MAX_WINDOW - 4) == 10000.0f + 7 * GEN_MAX_WINDOW - 1,
        "a %u-hour record fills the ring: the longest window is that record", GEN_MAX_WINDOW);
  send_live(fd, record(0, 7, 50000));
  CHECK(transfer(0, 0, 28 * GEN_MAX_WINDOW, 700) == DMA_DONE && f32_at(0) == 10007.0f && f32_at(28 * GEN_MAX_WINDOW - 28) == 50000.0f,
        "the ring wraps: the oldest hour gives way to the newest");
  uint32_t rejected = dma_live_rejected();
  send_live(fd, record(0, 7 * (GEN_MAX_WINDOW + 1), 0));
  CHECK(dma_live_rejected() == rejected + 1 && dma_live_hours() == 336 + 1 + 3 + GEN_MAX_WINDOW + 1, "a record longer than the ring is rejected");
  CHECK(dma_hal_start(NULL, 0, 0, W + 1) == DMA_E_ARG && dma_hal_start(NULL, 0, 0, 28 * (GEN_MAX_WINDOW + 1)) == DMA_E_ARG,
        "a request that is not whole hours, or longer than the ring: -2");
  test_now_ms = 800;
  CHECK(dma_hal_start(NULL, 0, 0, W) == 0 && dma_hal_status(NULL, 0) == DMA_BUSY, "waiting for a new hour");
  dma_board_reset();
  send_live(fd, record(0, 7, 60000));
  CHECK(dma_hal_status(NULL, 0) == DMA_DONE && dma_next_due_ms() < 0, "a board reset voids the waiting transfer");
  CHECK(transfer(0, 0, W, 900) == DMA_DONE && f32_at(W - 28) == 60000.0f && f32_at(W - 56) == 50000.0f,
        "the ring outlives the reset: the hour that arrived serves the next request at once");
  live_close(fd, sock);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_clock_manual = 1;
  if (argc >= 6 && strcmp(argv[1], "frames") == 0) return frames_mode(argc, argv);
  if (argc == 3 && strcmp(argv[1], "selftest") == 0) {
    test_replay(argv[2]);
    test_csv_errors(argv[2]);
    test_live(argv[2]);
    test_live_hours(argv[2]);
    printf("%s: %d failed\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
  }
  fprintf(stderr, "usage: test_dma frames CH FILE START|HOURS K... | test_dma selftest DIR\n");
  return 2;
}
