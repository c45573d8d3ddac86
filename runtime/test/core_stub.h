/* Test-only stand-in for the runtime core's functions (rt.h) used by the net and DMA group tests. */
#ifndef DENDRA_CORE_STUB_H
#define DENDRA_CORE_STUB_H

#include <stdint.h>
#include "rt.h"

/* Linear memory the stub's rt_span hands out: [0, TEST_MEM_BYTES). */
#define TEST_MEM_BYTES (1u << 20)
extern uint8_t test_mem[TEST_MEM_BYTES];
/* Board clock: the value rt_now_ms returns when test_clock_manual is set, else real monotonic ms. */
extern double test_now_ms;
extern int test_clock_manual;
/* How often rt_wake was called. */
unsigned test_wakes(void);
/* Sets rt_board to the sim board's DMA channels (0: 2688 bytes, 1: 3456 bytes). */
void test_board_sim(void);

#endif
