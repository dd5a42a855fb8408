#!/usr/bin/env bash
# scripts/bench.sh -- build the optimised release preset and run dispatch_bench.
#
#   scripts/bench.sh                          # the full run with the default options
#   scripts/bench.sh --fail-above-ms 1        # as a CI regression gate
#   scripts/bench.sh --json bench.json        # any dispatch_bench option passes through
#
# On Debian 12 it first installs the Debian packages the build needs when one is missing
# through scripts/install-deps.sh (as root directly, otherwise with sudo).
# Environment: MCP_HTM_BENCH=micro runs build/release/bench/micro_bench instead.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# Installs only what is missing (and does nothing, without root, when all is present).
if command -v dpkg-query >/dev/null 2>&1; then
  bash "$repo/scripts/install-deps.sh"
else
  echo "bench.sh: not a Debian system (no dpkg-query); assuming the dependencies are installed" >&2
fi

cmake --workflow --preset release

if [[ "${MCP_HTM_BENCH:-dispatch}" == micro ]]; then
  exec "$repo/build/release/bench/micro_bench" "$@"
fi
exec "$repo/build/release/bench/dispatch_bench" "$@"
