#!/usr/bin/env bash
# Builds the libFuzzer harnesses (the `fuzz` preset: Clang, ASan + UBSan) and runs each
# for a bounded time on a copy of its seed corpus (tests/fuzz/corpus/<harness>), with the
# dictionary tests/fuzz/mcp.dict. Exits non-zero when a harness crashes, fails a check,
# leaks, runs out of memory or hangs; the input that did it is printed (path, base64 and
# a hex dump) and kept under build/fuzz/fuzz-runs/<harness>/.
#   scripts/fuzz.sh            # 60 s per harness
#   scripts/fuzz.sh 10         # 10 s per harness
#   scripts/fuzz.sh 60 server_message validator   # only these harnesses
# Reproduce a crash: build/fuzz/tests/fuzz_<harness> <input file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: seconds must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh  # clang (libFuzzer is part of Debian's clang package)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for source in tests/fuzz/*_fuzz.cpp; do
    name=$(basename "$source" .cpp)
    harnesses+=("${name%_fuzz}")
  done
fi

runs=build/fuzz/fuzz-runs
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
summary=()
for harness in "${harnesses[@]}"; do
  binary=build/fuzz/tests/fuzz_${harness}
  seeds=tests/fuzz/corpus/${harness}
  [ -x "$binary" ] || { echo "fuzz.sh: no harness $binary" >&2; exit 2; }
  [ -d "$seeds" ] || { echo "fuzz.sh: no seed corpus $seeds" >&2; exit 2; }
  work=$runs/$harness
  rm -rf "$work"
  mkdir -p "$work/artifacts"
  # libFuzzer adds what it finds to its first corpus directory: a copy, so the repo's
  # seeds stay as committed.
  cp -r "$seeds" "$work/corpus"
  echo "==> fuzz_${harness}: ${seconds} s"
  status=0
  "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 \
    -dict=tests/fuzz/mcp.dict -artifact_prefix="$work/artifacts/" \
    "$work/corpus" >"$work/log" 2>&1 || status=$?
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  corpus_size=$(find "$work/corpus" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    echo "fuzz_${harness} FAILED (exit $status); from its log ($work/log):"
    # The report: what failed and the top of its stack (deep recursions repeat one frame).
    grep -n -m1 -E 'fuzz check failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|timeout after|out-of-memory' \
      "$work/log" | cut -d: -f1 | {
        read -r first || first=1
        sed -n "$((first > 2 ? first - 2 : 1)),$((first + 40))p" "$work/log" | cut -c1-300
      }
    for input in "$work"/artifacts/*; do
      [ -f "$input" ] || continue
      echo "---- input $input ($(wc -c <"$input") bytes)"
      echo "base64: $(base64 -w0 "$input")"
      od -A x -t x1z -v "$input" | head -n 64
    done
    failed+=("$harness")
    summary+=("$(printf '%-16s FAILED  %10s execs  %8s execs/s' "$harness" "${executed:-?}" "${rate:-?}")")
  else
    summary+=("$(printf '%-16s ok      %10s execs  %8s execs/s  corpus %s' "$harness" \
      "${executed:-?}" "${rate:-?}" "$corpus_size")")
  fi
done

echo "==> fuzz summary (${seconds} s each)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
