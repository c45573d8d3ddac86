/*
 * HAL groups clock and PMU (firmware/assembly/hal/clock.ts, pmu.ts) and the main loop's sleep.
 * Board time is CLOCK_MONOTONIC since the process started, scaled by 3600000 / --ms-per-hour
 * (real time by default). pmu_sleep_until records the wake time the firmware asks for (as the
 * simulator's SimHal does); after fw_tick returns, rt_sleep_until() sleeps for real in poll(), and
 * wakes early on UART RX, rt_wake() (any thread), the DMA group's next completion or its fd.
 * Energy: active time (inside fw_init/fw_tick) at the board's active current, the rest at its
 * sleep current (mA x V = mW; mW x ms = uJ).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include "rt_core.h"

static int wake_fd = -1;
static double t0_real = -1;
static double tick_start = -1;     /* board ms at the start of the running tick, or -1 */
static double active_ms, sleep_request = -1;

static double real_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double scale(void) { return rt_cfg.ms_per_hour > 0 ? 3600000.0 / rt_cfg.ms_per_hour : 1.0; }

double rt_now_ms(void) {
  if (t0_real < 0) t0_real = real_ms();
  return (real_ms() - t0_real) * scale();
}

/* Thread-safe: one eventfd write; a full counter (never in practice) is already a pending wake. */
void rt_wake(void) {
  uint64_t one = 1;
  if (wake_fd >= 0 && write(wake_fd, &one, sizeof one) < 0 && errno != EAGAIN) { /* already awake */ }
}

int rt_clock_init(void) {
  rt_now_ms();
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    rt_logf("cannot create the wake eventfd: %s", strerror(errno));
    return -1;
  }
  return 0;
}

void rt_tick_begin(void) { sleep_request = -1; tick_start = rt_now_ms(); }

void rt_tick_end(void) {
  if (tick_start < 0) return;
  active_ms += rt_now_ms() - tick_start;
  tick_start = -1;
}

double rt_sleep_request(void) { return sleep_request; }
void rt_clock_reset(void) { sleep_request = -1; }

static double mw(double ma) { return ma * rt_board.supply_v; }

/* Sleep time is everything that was not active (the board never stops its clock). */
double rt_energy_uj(void) {
  double now = rt_now_ms();
  double act = active_ms + (tick_start >= 0 ? now - tick_start : 0);
  double slp = now - act;
  return act * mw(rt_board.active_ma) + (slp > 0 ? slp : 0) * mw(rt_board.sleep_ma);
}

/* Waits until board time `target` or an event; returns at once when RX bytes are pending. */
void rt_sleep_until(double target) {
  double due = dma_next_due_ms();
  double from = rt_now_ms();
  if (due >= 0 && due < target) target = due;
  if (target <= from || rt_uart_rx_pending() > 0) return;
  double real_wait = (target - from) / scale();
  int timeout = real_wait > 600000 ? 600000 : (int)ceil(real_wait);
  if (rt_uart_lost() && timeout > 1000) timeout = 1000; /* the main loop retries the tty every second */
  struct pollfd p[3];
  int n = 0;
  p[n++] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
  if (rt_uart_fd() >= 0) p[n++] = (struct pollfd){ .fd = rt_uart_fd(), .events = POLLIN };
  int dfd = dma_poll_fd();
  if (dfd >= 0) p[n++] = (struct pollfd){ .fd = dfd, .events = POLLIN };
  if (poll(p, n, timeout) <= 0) return; /* timeout or EINTR (a signal: the loop checks stop) */
  uint64_t v;
  if (p[0].revents & POLLIN) (void)!read(wake_fd, &v, sizeof v);
  for (int i = 1; i < n; i++) {
    if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (p[i].fd == dfd) dma_on_readable();
    else if (p[i].revents & (POLLHUP | POLLERR)) rt_uart_on_hup();
    else rt_uart_on_readable();
  }
}

/* --- natives --- */

static double n_clock_now_ms(wasm_exec_env_t env) { return rt_now_ms(); }

/* NaN or infinity: ignored, as the simulator does. */
static void n_pmu_sleep_until(wasm_exec_env_t env, double ms) {
  if (isfinite(ms)) sleep_request = ms;
}

static double n_pmu_energy_uj(wasm_exec_env_t env) { return rt_energy_uj(); }

static NativeSymbol natives[] = {
  { "clock_now_ms", (void *)n_clock_now_ms, "()F", NULL },
  { "pmu_sleep_until", (void *)n_pmu_sleep_until, "(F)", NULL },
  { "pmu_energy_uj", (void *)n_pmu_energy_uj, "()F", NULL },
};

rt_group_t hal_clock_group(void) { return (rt_group_t){ "clock", natives, sizeof natives / sizeof natives[0] }; }
