#!/usr/bin/env bash
# Builds build/dendra-runtime (runtime/: the firmware on WAMR with a native HAL) out of tree in
# build/runtime, with no network: WAMR from <repo>/../shared/vendor/wamr (override $WAMR_ROOT),
# simde/libsodium/libcjson/libmosquitto from Debian (scripts/deps.sh installs them).
# --if-possible: print one line and succeed when cmake or a C compiler is missing (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cmake >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
  if [ "${1:-}" = "--if-possible" ]; then
    echo "runtime: not built (cmake or a C compiler missing; scripts/deps.sh installs them)"
    exit 0
  fi
  echo "runtime: cmake and a C compiler are needed (run scripts/deps.sh)" >&2
  exit 1
fi
wamr="${WAMR_ROOT:-${DENDRA_SHARED:-$PWD/../shared}/vendor/wamr}"
# The HAL contract headers come from the firmware sources (regenerated when node is there).
if command -v node >/dev/null 2>&1; then node scripts/gen-contracts.mjs; fi
start=$(date +%s)
cmake -S runtime -B build/runtime -DCMAKE_BUILD_TYPE=Release -DWAMR_ROOT="$wamr" >build/runtime-cmake.log 2>&1 \
  || { tail -20 build/runtime-cmake.log >&2; echo "runtime: cmake configure failed (log: build/runtime-cmake.log)" >&2; exit 1; }
cmake --build build/runtime -j "$(nproc)" --target dendra-runtime rt-crypto-check >build/runtime-build.log 2>&1 \
  || { grep -E 'error|Error' build/runtime-build.log | head -20 >&2; echo "runtime: build failed (log: build/runtime-build.log)" >&2; exit 1; }
cp build/runtime/dendra-runtime build/dendra-runtime.tmp && mv -f build/dendra-runtime.tmp build/dendra-runtime
echo "runtime: build/dendra-runtime $(stat -c %s build/dendra-runtime) bytes in $(( $(date +%s) - start )) s"
