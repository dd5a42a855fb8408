// bench/stdio/stdio_floor.cpp -- the floor of an MCP stdio round trip: a blocking loop
// that answers every request line with a canned result, without parsing JSON and
// without an event loop. What the driver, the pipes and the kernel cost alone.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

/// The text of `"id":<value>` in a request line (the driver sends integer ids).
std::string_view request_id(std::string_view line) {
  const auto key = line.find("\"id\":");
  if (key == std::string_view::npos) return {};
  const auto start = key + 5;
  const auto end = line.find_first_of(",}", start);
  return line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

}  // namespace

int main() {
  std::string input;
  std::string output;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n <= 0) return 0;
    input.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = input.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string_view line(input.data() + start, nl - start);
      const std::string_view id = request_id(line);
      if (id.empty()) continue;  // a notification
      output += R"({"jsonrpc":"2.0","id":)";
      output += id;
      output += line.find("\"initialize\"") != std::string_view::npos
                    ? R"(,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},)"
                      R"("serverInfo":{"name":"stdio-floor","version":"0"}}})"
                    : R"(,"result":{"content":[{"type":"text","text":"ok"}]}})";
      output += '\n';
    }
    input.erase(0, start);
    for (std::size_t written = 0; written < output.size();) {
      const ssize_t w = ::write(1, output.data() + written, output.size() - written);
      if (w <= 0) return 1;
      written += static_cast<std::size_t>(w);
    }
    output.clear();
  }
}
