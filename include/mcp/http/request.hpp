// mcp/http/request.hpp -- one parsed HTTP/1.1 request.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HTTP_REQUEST_HPP
#define MCP_HTM_HTTP_REQUEST_HPP

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::http {

/// True when `a` and `b` are equal ignoring ASCII case (header names, tokens).
[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// A complete request as the parser delivers it: header names as sent, values without
/// surrounding whitespace, the body de-chunked.
struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< the request target as sent ("/mcp?x=1")
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;  ///< the connection may carry another request after this one
  int version_minor = 1;   ///< HTTP/1.x

  /// The first value of header `name` (case-insensitive); empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept {
    for (const auto& [key, value] : headers) {
      if (iequals(key, name)) return value;
    }
    return {};
  }
  [[nodiscard]] bool has_header(std::string_view name) const noexcept {
    return std::any_of(headers.begin(), headers.end(),
                       [name](const auto& h) { return iequals(h.first, name); });
  }
  /// How many times header `name` appears (a duplicated Host is refused).
  [[nodiscard]] std::size_t header_count(std::string_view name) const noexcept {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [name](const auto& h) { return iequals(h.first, name); }));
  }
  /// The target without its query string.
  [[nodiscard]] std::string_view path() const noexcept {
    const std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
};

}  // namespace mcp::http

#endif  // MCP_HTM_HTTP_REQUEST_HPP
