// bench/stdio/canned_answers.hpp -- what the two floor servers answer: a canned result
// per request line, found without parsing JSON. stdio_floor and asio_floor differ only in
// how they read and write.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_BENCH_STDIO_CANNED_ANSWERS_HPP
#define MCP_HTM_BENCH_STDIO_CANNED_ANSWERS_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace mcp::bench {

/// The text of `"id":<value>` in a request line (the driver sends integer ids).
inline std::string_view request_id(std::string_view line) {
  const auto key = line.find("\"id\":");
  if (key == std::string_view::npos) return {};
  const auto start = key + 5;
  const auto end = line.find_first_of(",}", start);
  return line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

/// Answers each complete line of `input` (and removes it): `initialize` with a minimal
/// result, any other request with the text result `ok`; notifications get nothing.
inline void answer_complete_lines(std::string& input, std::string& output) {
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
}

}  // namespace mcp::bench

#endif  // MCP_HTM_BENCH_STDIO_CANNED_ANSWERS_HPP
