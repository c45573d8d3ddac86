#!/usr/bin/env bash
# Installs what Dendra needs on a fresh Debian machine: Debian packages when absent, then npm ci
# when node_modules does not match the lock file. Safe to run again (it only does what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v socat >/dev/null 2>&1 || need+=(socat)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
# The clustered MQTT engine (issue 18: dendra broker --cluster, tests/cluster.test.ts, bench/cluster.ts).
command -v nats-server >/dev/null 2>&1 || [ -x /usr/bin/nats-server ] || need+=(nats-server)
# Headless Chromium for the dashboard's browser test (tests/dashboard.test.ts, playwright-core).
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
# The Prometheus integration's exporter (integrations/README.md, tests/integration-prometheus.test.ts);
# the package's own service is not started by the recipe's test.
[ -x /usr/bin/prometheus-mqtt-exporter ] || need+=(prometheus-mqtt-exporter)
# The native runtime (runtime/, make runtime): compiler, cmake and the Debian libraries it links.
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
for p in libsodium-dev libmosquitto-dev libcjson-dev libsimde-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${need[*]}"
  if [ "$(id -u)" != 0 ]; then echo "deps: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

stamp=node_modules/.dendra-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

# ---- test oracle (issue 3): TensorFlow's Python interpreter with the reference kernels
# (scripts/oracle/ref.py, used only by tests/oracle-ref.test.ts) in .venv-oracle/. Optional: when
# it cannot be installed this prints one line and deps still succeeds (the tests then stay pending).
tf_version=2.21.0
if ! ls .venv-oracle/lib/python3*/site-packages/tensorflow_cpu-"$tf_version".dist-info >/dev/null 2>&1; then
  index=()
  [ -d /opt/pypi/simple ] && index=(--index-url file:///opt/pypi/simple)
  echo "deps: creating .venv-oracle (tensorflow-cpu==$tf_version${index:+, local mirror})"
  if ! { command -v python3 >/dev/null 2>&1 \
      && python3 -m venv .venv-oracle \
      && .venv-oracle/bin/pip install -q --disable-pip-version-check "${index[@]}" "tensorflow-cpu==$tf_version"; } >/tmp/dendra-oracle-venv.log 2>&1; then
    echo "deps: oracle venv not installed (tests/oracle-ref.test.ts stays pending): $(grep -v '^\s*$' /tmp/dendra-oracle-venv.log | tail -1)"
  fi
fi
