/*
 * The DMA group's live input (docs/runtime-live-input.md): a unix stream socket the runtime
 * listens on; a SCADA/BMS bridge connects and writes newline-terminated records
 * "<channel>,<v1>,...,<vn>". Each valid record goes to its channel (dma_live_push: hours appended
 * to the channel 0 ring, the next frame of another channel); a bad one is logged and dropped, and the connection stays open. Several bridges
 * may be connected at once (DMA_LIVE_MAX_CONN). One epoll descriptor gathers the listener and the
 * connections, so the main loop polls a single fd (dma_poll_fd). Main-loop thread only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include "hal_dma.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DMA_LIVE_MAX_CONN 8

typedef struct {
  bool used;
  int fd;
  char *buf;             /* bytes of the record being received */
  size_t len;
  bool overlong;         /* the current line passed DMA_LIVE_MAX_LINE: discard up to its newline */
  unsigned long records; /* lines seen on this connection (for log lines) */
} live_conn_t;

static int listen_fd = -1, ep_fd = -1;
static char sock_path[108];
static live_conn_t conns[DMA_LIVE_MAX_CONN];

int dma_live_open(const char *path) {
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof(a.sun_path)) {
    rt_logf("dma: live socket path %s is longer than %zu bytes", path, sizeof(a.sun_path) - 1);
    return -1;
  }
  strcpy(a.sun_path, path);
  struct stat st;
  if (lstat(path, &st) == 0) { /* a stale socket from an earlier run is replaced; anything else is not ours */
    if (!S_ISSOCK(st.st_mode)) {
      rt_logf("dma: live socket path %s exists and is not a socket", path);
      return -1;
    }
    unlink(path);
  }
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ep_fd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = listen_fd };
  if (listen_fd < 0 || ep_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(listen_fd, 4) != 0 ||
      epoll_ctl(ep_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
    rt_logf("dma: cannot listen on live socket %s: %s", path, strerror(errno));
    dma_live_close();
    return -1;
  }
  snprintf(sock_path, sizeof(sock_path), "%s", path);
  rt_logf("dma: live input on %s (every DMA channel; replay files not used)", path);
  return 0;
}

int dma_live_fd(void) { return ep_fd; }

static void drop_conn(live_conn_t *c) {
  if (c->len > 0 && !c->overlong) rt_logf("live input: connection closed in the middle of a record (%zu bytes dropped)", c->len);
  epoll_ctl(ep_fd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->buf);
  *c = (live_conn_t){ .used = false };
}

static void accept_all(void) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    live_conn_t *c = NULL;
    for (int i = 0; i < DMA_LIVE_MAX_CONN && c == NULL; i++)
      if (!conns[i].used) c = &conns[i];
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    char *buf = c ? malloc(DMA_LIVE_MAX_LINE) : NULL;
    if (c == NULL || buf == NULL || epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      rt_logf("live input: connection refused (%d bridges connected at most)", DMA_LIVE_MAX_CONN);
      free(buf);
      close(fd);
      continue;
    }
    *c = (live_conn_t){ .used = true, .fd = fd, .buf = buf };
  }
}

/* One complete line (without its newline) from connection c. */
static void take_record(live_conn_t *c, const char *line, size_t len) {
  static float vals[DMA_LIVE_MAX_LINE / 2];
  char why[160] = "out of memory";
  uint32_t ch, n;
  c->records++;
  if (len > 0 && line[len - 1] == '\r') len--;
  if (len == 0) return; /* blank lines are allowed (keepalives) */
  if (dma_parse_record(line, len, &ch, vals, sizeof(vals) / sizeof(vals[0]), &n, why, sizeof(why)) != 0 || dma_live_push(ch, vals, n) != 0) {
    dma_live_count_rejected();
    rt_logf("live input: record %lu rejected: %s", c->records, why);
  }
}

static void read_conn(live_conn_t *c) {
  char chunk[8192];
  for (;;) {
    ssize_t n = read(c->fd, chunk, sizeof(chunk));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      drop_conn(c);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (chunk[i] == '\n') {
        if (c->overlong) {
          c->records++;
          dma_live_count_rejected();
          rt_logf("live input: record %lu rejected: longer than %d bytes", c->records, DMA_LIVE_MAX_LINE);
        } else {
          take_record(c, c->buf, c->len);
        }
        c->len = 0;
        c->overlong = false;
      } else if (c->len < DMA_LIVE_MAX_LINE) {
        c->buf[c->len++] = chunk[i];
      } else {
        c->overlong = true;
      }
    }
  }
}

void dma_live_readable(void) {
  if (ep_fd < 0) return;
  struct epoll_event evs[DMA_LIVE_MAX_CONN + 1];
  int n = epoll_wait(ep_fd, evs, DMA_LIVE_MAX_CONN + 1, 0);
  for (int i = 0; i < n; i++) {
    if (evs[i].data.fd == listen_fd) {
      accept_all();
      continue;
    }
    for (int j = 0; j < DMA_LIVE_MAX_CONN; j++)
      if (conns[j].used && conns[j].fd == evs[i].data.fd) read_conn(&conns[j]);
  }
}

void dma_live_close(void) {
  for (int i = 0; i < DMA_LIVE_MAX_CONN; i++)
    if (conns[i].used) {
      conns[i].len = 0;
      drop_conn(&conns[i]);
    }
  if (listen_fd >= 0) close(listen_fd);
  if (ep_fd >= 0) close(ep_fd);
  if (sock_path[0] != '\0') unlink(sock_path);
  listen_fd = ep_fd = -1;
  sock_path[0] = '\0';
}
