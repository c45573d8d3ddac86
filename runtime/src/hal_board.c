/*
 * HAL group board (firmware/assembly/hal/board.ts): facts from boards/<name>.json merged over its
 * SoC (board.c). Copies into wasm memory return the copied length, or E_BOUNDS (-1) for a range
 * outside linear memory.
 */
#include <string.h>
#include "rt_core.h"

const char *rt_board_family(void) { return rt_board.family; }

static uint32_t n_board_arena_limit(wasm_exec_env_t env) { return rt_board.arena_limit; }
static uint32_t n_board_max_frame(wasm_exec_env_t env) { return rt_board.max_frame; }
static uint32_t n_board_max_baud(wasm_exec_env_t env) { return rt_board.max_baud; }

/* Copies min(cap, strlen(s)) bytes of s to dst: the count, or E_BOUNDS. */
static int32_t copy_out(wasm_exec_env_t env, const char *s, uint32_t dst, uint32_t cap) {
  uint32_t n = (uint32_t)strlen(s);
  if (n > cap) n = cap;
  uint8_t *out = rt_span(env, dst, n);
  if (out == NULL) return RT_E_BOUNDS;
  memcpy(out, s, n);
  return (int32_t)n;
}

static int32_t n_board_family(wasm_exec_env_t env, uint32_t dst, uint32_t cap) { return copy_out(env, rt_board.family, dst, cap); }
static int32_t n_board_name(wasm_exec_env_t env, uint32_t dst, uint32_t cap) { return copy_out(env, rt_board.name, dst, cap); }

static NativeSymbol natives[] = {
  { "board_arena_limit", (void *)n_board_arena_limit, "()i", NULL },
  { "board_max_frame", (void *)n_board_max_frame, "()i", NULL },
  { "board_max_baud", (void *)n_board_max_baud, "()i", NULL },
  { "board_family", (void *)n_board_family, "(ii)i", NULL },
  { "board_name", (void *)n_board_name, "(ii)i", NULL },
};

rt_group_t hal_board_group(void) { return (rt_group_t){ "board", natives, sizeof natives / sizeof natives[0] }; }
