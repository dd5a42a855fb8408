#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, then configures, builds and tests
# each given CMake workflow preset (default: dev, GCC with -Werror).
#   scripts/test.sh                 # dev
#   scripts/test.sh asan tsan       # sanitizers
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The end-to-end tests drive the server with the official MCP TypeScript SDK client,
# pinned in tests/e2e/package-lock.json.
if [ -f tests/e2e/package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(dev)
for preset in "${presets[@]}"; do
  echo "==> cmake --workflow --preset ${preset}"
  cmake --workflow --preset "${preset}"
done
