#!/usr/bin/env bash
# scripts/bench.sh -- build the optimised release preset and run dispatch_bench.
#
#   scripts/bench.sh                          # the full run with the default options
#   scripts/bench.sh --fail-above-ms 1        # as a CI regression gate
#   scripts/bench.sh --json bench.json        # any dispatch_bench option passes through
#
# On Debian 12 it first installs the Debian packages the build needs when one is missing,
# through scripts/install-deps.sh (as root directly, otherwise with sudo).
# Environment: MCP_HTM_BENCH=micro runs build/release/bench/micro_bench instead.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# What `cmake --workflow --preset release` needs (library, tests, benches, examples).
needed=(cmake ninja-build g++ libasio-dev libfmt-dev nlohmann-json3-dev libvalijson-dev
        libcli11-dev catch2 libbenchmark-dev)

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${needed[@]}"; do installed "$pkg" || missing+=("$pkg"); done
  if ((${#missing[@]} > 0)); then
    echo "bench.sh: missing Debian packages: ${missing[*]}; running scripts/install-deps.sh" >&2
    if [[ "$(id -u)" -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
      echo "bench.sh: not root and no sudo: install them as root first" >&2
      exit 1
    fi
    bash "$repo/scripts/install-deps.sh"
  fi
else
  echo "bench.sh: not a Debian system (no dpkg-query); assuming the dependencies are installed" >&2
fi

cmake --workflow --preset release

if [[ "${MCP_HTM_BENCH:-dispatch}" == micro ]]; then
  exec "$repo/build/release/bench/micro_bench" "$@"
fi
exec "$repo/build/release/bench/dispatch_bench" "$@"
