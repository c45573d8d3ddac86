/*
 * Checks the natives every HAL group registers against gen/hal_contract.h, generated from the
 * firmware's @external declarations (scripts/gen-contracts.mjs): every import the firmware
 * declares must be registered once with the same WAMR signature. A mismatch stops the runtime
 * at start-up (exit 1) with one line naming the import, so the C HAL cannot drift silently.
 * Natives beyond the contract (an import the firmware of this tree does not declare yet) are
 * allowed and logged once.
 */
#include <string.h>
#include "hal_contract.h"
#include "rt_core.h"

static const NativeSymbol *find(const rt_group_t *groups, int n, const char *name, int *count) {
  const NativeSymbol *hit = NULL;
  *count = 0;
  for (int g = 0; g < n; g++)
    for (uint32_t i = 0; i < groups[g].count; i++)
      if (strcmp(groups[g].natives[i].symbol, name) == 0) { hit = &groups[g].natives[i]; (*count)++; }
  return hit;
}

static bool in_contract(const char *name) {
  for (int i = 0; i < HAL_CONTRACT_COUNT; i++) if (strcmp(HAL_CONTRACT[i].name, name) == 0) return true;
  return false;
}

int rt_contract_check(const rt_group_t *groups, int n) {
  for (int i = 0; i < HAL_CONTRACT_COUNT; i++) {
    int count;
    const NativeSymbol *s = find(groups, n, HAL_CONTRACT[i].name, &count);
    if (s == NULL) { rt_fail("HAL contract: import hal.%s is not implemented", HAL_CONTRACT[i].name); return -1; }
    if (count > 1) { rt_fail("HAL contract: import hal.%s is registered %d times", HAL_CONTRACT[i].name, count); return -1; }
    if (strcmp(s->signature, HAL_CONTRACT[i].signature) != 0) {
      rt_fail("HAL contract: hal.%s has signature %s, the firmware declares %s", HAL_CONTRACT[i].name, s->signature, HAL_CONTRACT[i].signature);
      return -1;
    }
  }
  for (int g = 0; g < n; g++)
    for (uint32_t i = 0; i < groups[g].count; i++)
      if (!in_contract(groups[g].natives[i].symbol)) rt_logf("HAL contract: hal.%s is implemented but not declared by this firmware tree", groups[g].natives[i].symbol);
  return 0;
}
