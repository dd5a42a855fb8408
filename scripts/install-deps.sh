#!/usr/bin/env bash
# Installs the Debian 12 packages mcp-htm builds, tests and benches with, if any is missing.
# Needs root (or sudo) only when something must be installed.
set -euo pipefail
# libclang-rt-14-dev: Clang's sanitizer and libFuzzer runtimes (only recommended by clang).
packages=(cmake ninja-build g++ clang libclang-rt-14-dev libasio-dev libfmt-dev nlohmann-json3-dev
          libvalijson-dev libcli11-dev catch2 libbenchmark-dev node-llhttp nodejs npm haproxy nginx prometheus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere (nvm, NodeSource): only ask apt for it when absent.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: not root and no sudo: run this script as root to install ${missing[*]}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
