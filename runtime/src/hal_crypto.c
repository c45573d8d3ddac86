/*
 * HAL group crypto (firmware/assembly/hal/crypto.ts) through libsodium: SHA-256 and Ed25519
 * verification. libsodium's crypto_sign_verify_detached is strict: canonical S (< L), canonical
 * point encodings, small-order keys and R refused, and the cofactorless equation [S]B = R + [k]A.
 * The simulator (@noble/ed25519, zip215: false) agrees on all of these except one: it checks the
 * cofactored equation, so a signature whose R carries a small-order (torsion) component verifies
 * there and is refused here. Honest signers never produce one; docs/runtime.md "Crypto" documents
 * it and tests/runtime-crypto.test.ts checks both libraries on the same vectors
 * (runtime/test/crypto_check.c drives this file).
 */
#include <sodium.h>
#include <string.h>
#include "rt_core.h"

int rt_crypto_init(void) {
  if (sodium_init() < 0) {
    rt_logf("libsodium failed to initialise");
    return -1;
  }
  return 0;
}

void rt_sha256(const uint8_t *data, size_t len, uint8_t out[32]) { crypto_hash_sha256(out, data, len); }

int rt_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pub[32]) {
  return crypto_sign_verify_detached(sig, msg, len, pub) == 0 ? 1 : 0;
}

/* --- natives: <0 (E_BOUNDS) for a range outside linear memory --- */

static int32_t n_crypto_sha256(wasm_exec_env_t env, uint32_t src, uint32_t len, uint32_t dst) {
  uint8_t *data = rt_span(env, src, len);
  uint8_t *out = rt_span(env, dst, 32);
  if (data == NULL || out == NULL) return RT_E_BOUNDS;
  uint8_t d[32];
  rt_sha256(data, len, d);
  memcpy(out, d, 32);
  return 0;
}

static int32_t n_crypto_ed25519_verify(wasm_exec_env_t env, uint32_t msg, uint32_t len, uint32_t sig, uint32_t pub) {
  uint8_t *m = rt_span(env, msg, len);
  uint8_t *s = rt_span(env, sig, 64);
  uint8_t *p = rt_span(env, pub, 32);
  if (m == NULL || s == NULL || p == NULL) return RT_E_BOUNDS;
  return rt_ed25519_verify(s, m, len, p);
}

static NativeSymbol natives[] = {
  { "crypto_sha256", (void *)n_crypto_sha256, "(iii)i", NULL },
  { "crypto_ed25519_verify", (void *)n_crypto_ed25519_verify, "(iiii)i", NULL },
};

rt_group_t hal_crypto_group(void) { return (rt_group_t){ "crypto", natives, sizeof natives / sizeof natives[0] }; }
