/*
 * HAL group log (firmware/assembly/hal/log.ts) and the runtime's own log. Firmware lines go to
 * stderr as "board: <text>" (what `dendra sim` prints), runtime lines as "runtime: <text>".
 * A line is cut at 4096 bytes (as the simulator does); a bad range drops the line silently
 * (log_write returns nothing), control bytes are printed as '?' so a line stays one line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "rt_core.h"

/* One write per line, so lines from other threads (the MQTT client's) never interleave mid-line. */
void rt_logf(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(line, sizeof line, "runtime: ");
  vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  strcat(line, "\n");
  fputs(line, stderr);
}

/* WAMR's printf (CMake WAMR_BH_VPRINTF): to stderr, so stdout stays the ready line alone. */
int rt_wamr_vprintf(const char *fmt, va_list ap) { return vfprintf(stderr, fmt, ap); }

static void n_log_write(wasm_exec_env_t env, uint32_t level, uint32_t src, uint32_t len) {
  if (len > 4096) len = 4096;
  uint8_t *text = rt_span(env, src, len);
  if (text == NULL) return;
  char line[4097];
  for (uint32_t i = 0; i < len; i++) line[i] = (text[i] < 0x20 && text[i] != '\t') ? '?' : (char)text[i];
  line[len] = 0;
  fprintf(stderr, "board: %s\n", line);
}

static NativeSymbol natives[] = {
  { "log_write", (void *)n_log_write, "(iii)", NULL },
};

rt_group_t hal_log_group(void) { return (rt_group_t){ "log", natives, sizeof natives / sizeof natives[0] }; }
