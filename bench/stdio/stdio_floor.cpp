// bench/stdio/stdio_floor.cpp -- the floor of an MCP stdio round trip: a blocking loop
// that answers every request line with a canned result, without parsing JSON and
// without an event loop. What the driver, the pipes and the kernel cost alone.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <string>
#include <unistd.h>

#include "canned_answers.hpp"

int main() {
  std::string input;
  std::string output;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n <= 0) return 0;
    input.append(buffer, static_cast<std::size_t>(n));
    mcp::bench::answer_complete_lines(input, output);
    for (std::size_t written = 0; written < output.size();) {
      const ssize_t w = ::write(1, output.data() + written, output.size() - written);
      if (w <= 0) return 1;
      written += static_cast<std::size_t>(w);
    }
    output.clear();
  }
}
