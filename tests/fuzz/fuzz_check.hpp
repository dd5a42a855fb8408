// tests/fuzz/fuzz_check.hpp -- the one assertion the harnesses use.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// A failed check prints what failed and aborts, which libFuzzer records as a crash (it
// saves the input) and the replay ctest reports as a failed test. assert() would vanish
// under NDEBUG in the RelWithDebInfo presets; this does not.
#ifndef MCP_HTM_TESTS_FUZZ_FUZZ_CHECK_HPP
#define MCP_HTM_TESTS_FUZZ_FUZZ_CHECK_HPP

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace mcp::fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* condition,
                                      std::string_view detail) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
  if (!detail.empty()) {
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace mcp::fuzz

/// Aborts with `condition`, the place and `detail` (anything convertible to
/// std::string_view, evaluated only on failure) when `condition` is false.
#define FUZZ_CHECK(condition, detail)                                      \
  do {                                                                     \
    if (!(condition)) {                                                    \
      ::mcp::fuzz::check_failed(__FILE__, __LINE__, #condition, (detail)); \
    }                                                                      \
  } while (false)

#endif  // MCP_HTM_TESTS_FUZZ_FUZZ_CHECK_HPP
