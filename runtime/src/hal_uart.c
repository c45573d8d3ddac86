/*
 * HAL group UART (firmware/assembly/hal/uart.ts) on a real tty through termios: --uart DEVICE
 * (/dev/ttyUSB0, /dev/ttyS*) or --pty (a pseudo-terminal this process opens with posix_openpt;
 * the host opens its slave path). 8N1 raw. RX bytes go to a 64 KiB FIFO (excess dropped and
 * counted, like the simulator's FIFO overrun); TX is written at once and waits at most
 * TX_WAIT_MS for room, then drops the rest (a UART with nobody draining it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "rt_core.h"

#define RX_CAP (64 * 1024)
#define TX_WAIT_MS 2000

static int fd = -1;         /* the tty (real device) or the pty master */
static int slave_fd = -1;   /* --pty: our own handle on the slave keeps the master from seeing HUP */
static bool is_pty;
static uint8_t rx[RX_CAP];
static size_t rx_head, rx_len;
static uint32_t baud;
static unsigned long rx_dropped, tx_dropped;

static const struct { uint32_t rate; speed_t code; } speeds[] = {
  { 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
  { 230400, B230400 }, { 460800, B460800 }, { 500000, B500000 }, { 576000, B576000 },
  { 921600, B921600 }, { 1000000, B1000000 }, { 1152000, B1152000 }, { 1500000, B1500000 },
  { 2000000, B2000000 }, { 2500000, B2500000 }, { 3000000, B3000000 }, { 3500000, B3500000 },
  { 4000000, B4000000 },
};

/* termios code of a rate, or 0 when the tty API has none (then the rate is refused on a real tty). */
static speed_t speed_code(uint32_t rate) {
  for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++) if (speeds[i].rate == rate) return speeds[i].code;
  return 0;
}

/* Raw 8N1 at `rate` on `tfd`; <0 when the tty refuses it. A pty accepts any code it knows. */
static int set_raw(int tfd, uint32_t rate) {
  struct termios t;
  if (tcgetattr(tfd, &t) != 0) return -1;
  cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  speed_t code = speed_code(rate);
  if (code != 0 && cfsetspeed(&t, code) != 0) return -1;
  if (code == 0 && !is_pty) return -1;
  return tcsetattr(tfd, TCSANOW, &t) == 0 ? 0 : -1;
}

static int open_pty(char *path_out, size_t cap) {
  fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) return -1;
  const char *name = ptsname(fd);
  if (name == NULL) return -1;
  snprintf(path_out, cap, "%s", name);
  slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_fd < 0) return -1;
  return set_raw(slave_fd, baud);
}

static int make_link(const char *target) {
  if (rt_cfg.link_path == NULL) return 0;
  unlink(rt_cfg.link_path); /* a stale link from an earlier run */
  if (symlink(target, rt_cfg.link_path) == 0) return 0;
  rt_fail("cannot create --link %s: %s", rt_cfg.link_path, strerror(errno));
  return -1;
}

int rt_uart_open(char *path_out, size_t cap) {
  baud = rt_board.default_baud;
  is_pty = rt_cfg.uart_path == NULL;
  if (is_pty) {
    if (open_pty(path_out, cap) != 0) {
      rt_fail("cannot open a pseudo-terminal: %s", strerror(errno));
      return -1;
    }
    return make_link(path_out);
  }
  snprintf(path_out, cap, "%s", rt_cfg.uart_path);
  fd = open(rt_cfg.uart_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    rt_fail("cannot open UART %s: %s", rt_cfg.uart_path, strerror(errno));
    return -1;
  }
  if (set_raw(fd, baud) != 0) {
    rt_fail("UART %s does not take raw 8N1 at %u baud: %s", rt_cfg.uart_path, baud, strerror(errno));
    return -1;
  }
  return make_link(path_out);
}

int rt_uart_fd(void) { return fd; }
size_t rt_uart_rx_pending(void) { return rx_len; }

/* A real tty that went away (USB adapter unplugged: EOF, EIO, ENXIO): closed, reopened later by
 * rt_uart_retry(); until then RX is empty and TX is dropped (counted). */
static void lost(ssize_t n) {
  rt_logf("uart: %s lost (%s): reopening every second", rt_cfg.uart_path, n == 0 ? "hang-up" : strerror(errno));
  close(fd);
  fd = -1;
}

static double real_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool rt_uart_lost(void) { return fd < 0 && !is_pty; }

void rt_uart_on_hup(void) {
  if (fd >= 0 && !is_pty) lost(0);
}

void rt_uart_retry(void) {
  static double last;
  if (!rt_uart_lost() || real_s() - last < 1.0) return;
  last = real_s();
  fd = open(rt_cfg.uart_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0 && set_raw(fd, baud) != 0) { close(fd); fd = -1; }
  if (fd >= 0) rt_logf("uart: %s reopened at %u baud", rt_cfg.uart_path, baud);
}

/* Drains the tty into the FIFO without blocking; bytes beyond RX_CAP are dropped (counted). */
void rt_uart_on_readable(void) {
  uint8_t buf[4096];
  while (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf);
    /* 0: no data (raw mode, VMIN = VTIME = 0); a hang-up shows as POLLHUP (rt_uart_on_hup) */
    if (n == 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) return;
    if (n < 0) { if (!is_pty) lost(n); return; }
    for (ssize_t i = 0; i < n; i++) {
      if (rx_len == RX_CAP) { rx_dropped++; continue; }
      rx[(rx_head + rx_len++) % RX_CAP] = buf[i];
    }
  }
}

void rt_uart_reset(void) {
  rx_head = rx_len = 0;
  if (baud != rt_board.default_baud) {
    baud = rt_board.default_baud;
    set_raw(is_pty ? slave_fd : fd, baud);
  }
}

void rt_uart_close(void) {
  if (rt_cfg.link_path) unlink(rt_cfg.link_path);
  if (slave_fd >= 0) close(slave_fd);
  if (fd >= 0) close(fd);
  fd = slave_fd = -1;
  if (rx_dropped || tx_dropped) rt_logf("uart: %lu RX bytes dropped (FIFO full), %lu TX bytes dropped", rx_dropped, tx_dropped);
}

/* --- natives --- */

static int32_t n_uart_read(wasm_exec_env_t env, uint32_t dst, uint32_t max) {
  uint8_t *out = rt_span(env, dst, max);
  if (out == NULL) return RT_E_BOUNDS;
  rt_uart_on_readable();
  uint32_t n = 0;
  while (n < max && rx_len > 0) {
    out[n++] = rx[rx_head];
    rx_head = (rx_head + 1) % RX_CAP;
    rx_len--;
  }
  return (int32_t)n;
}

/* Writes everything, waiting for room up to TX_WAIT_MS; what does not fit then is dropped. */
static int32_t n_uart_write(wasm_exec_env_t env, uint32_t src, uint32_t len) {
  uint8_t *data = rt_span(env, src, len);
  if (data == NULL) return RT_E_BOUNDS;
  uint32_t off = 0;
  int waited = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n > 0) { off += (uint32_t)n; continue; }
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    if (waited >= TX_WAIT_MS) break;
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    poll(&p, 1, 50);
    waited += 50;
  }
  tx_dropped += len - off;
  return (int32_t)len;
}

/* 0 = the board's default. Refused (<0) above the board's max baud, or a rate a real tty lacks.
 * Waits for queued TX bytes first (tcdrain on a real tty; a pty has no line to drain). */
static int32_t n_uart_set_baud(wasm_exec_env_t env, uint32_t rate) {
  uint32_t b = rate ? rate : rt_board.default_baud;
  if (b > rt_board.max_baud) return RT_E_BOUNDS;
  if (!is_pty) tcdrain(fd);
  if (set_raw(is_pty ? slave_fd : fd, b) != 0) return RT_E_BOUNDS;
  baud = b;
  return 0;
}

static NativeSymbol natives[] = {
  { "uart_read", (void *)n_uart_read, "(ii)i", NULL },
  { "uart_write", (void *)n_uart_write, "(ii)i", NULL },
  { "uart_set_baud", (void *)n_uart_set_baud, "(i)i", NULL },
};

rt_group_t hal_uart_group(void) { return (rt_group_t){ "uart", natives, sizeof natives / sizeof natives[0] }; }
