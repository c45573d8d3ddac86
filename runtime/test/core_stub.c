/* Test-only stand-in for the runtime core (rt_now_ms, rt_wake, rt_span, rt_logf, rt_cfg, rt_board). */
#include "core_stub.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

rt_config_t rt_cfg;
rt_board_t rt_board;
uint8_t test_mem[TEST_MEM_BYTES];
double test_now_ms;
int test_clock_manual = 1;
static atomic_uint wakes;

double rt_now_ms(void) {
  if (test_clock_manual) return test_now_ms;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void rt_wake(void) { atomic_fetch_add(&wakes, 1); }
unsigned test_wakes(void) { return atomic_load(&wakes); }

uint8_t *rt_span(wasm_exec_env_t env, uint32_t ptr, uint32_t len) {
  (void)env;
  if ((uint64_t)ptr + len > TEST_MEM_BYTES) return NULL;
  return test_mem + ptr;
}

void rt_logf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("runtime: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void test_board_sim(void) {
  memset(&rt_board, 0, sizeof(rt_board));
  snprintf(rt_board.name, sizeof(rt_board.name), "sim");
  rt_board.dma_count = 2;
  rt_board.dma[0].id = 0;
  rt_board.dma[0].frame_bytes = 2688;
  snprintf(rt_board.dma[0].name, sizeof(rt_board.dma[0].name), "transformer");
  rt_board.dma[1].id = 1;
  rt_board.dma[1].frame_bytes = 3456;
  snprintf(rt_board.dma[1].name, sizeof(rt_board.dma[1].name), "pack");
}
