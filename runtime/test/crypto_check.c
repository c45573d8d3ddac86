/*
 * Test driver (not shipped): runs the runtime's Ed25519 verification (src/hal_crypto.c, libsodium)
 * on vectors from stdin, one per line "SIG_HEX PUB_HEX MSG_HEX" (MSG_HEX may be "-" for empty),
 * printing 1 (valid), 0 (invalid) or "bad" (a line that does not parse) per line.
 * tests/runtime-crypto.test.ts feeds it vectors made with @noble/ed25519 (the simulator's library).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_core.h"

/* The natives in hal_crypto.c reference these; the driver calls only rt_ed25519_verify. */
uint8_t *rt_span(wasm_exec_env_t env, uint32_t ptr, uint32_t len) { return NULL; }
void rt_logf(const char *fmt, ...) {}
int rt_wamr_vprintf(const char *fmt, va_list ap) { return 0; }

static int unhex(const char *h, uint8_t *out, size_t cap, size_t *n) {
  size_t len = strlen(h);
  if (strcmp(h, "-") == 0) { *n = 0; return 0; }
  if (len % 2 || len / 2 > cap) return -1;
  for (size_t i = 0; i < len / 2; i++) {
    unsigned v;
    if (sscanf(h + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  *n = len / 2;
  return 0;
}

int main(void) {
  if (rt_crypto_init() != 0) return 1;
  static char line[20000], s[200], p[200], m[16384];
  static uint8_t sig[64], pub[32], msg[8192];
  while (fgets(line, sizeof line, stdin)) {
    size_t ns, np, nm;
    if (sscanf(line, "%199s %199s %16383s", s, p, m) != 3 || unhex(s, sig, 64, &ns) || unhex(p, pub, 32, &np)
        || unhex(m, msg, sizeof msg, &nm) || ns != 64 || np != 32) { puts("bad"); continue; }
    printf("%d\n", rt_ed25519_verify(sig, msg, nm, pub));
  }
  return 0;
}
