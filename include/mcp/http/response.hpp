// mcp/http/response.hpp -- an HTTP/1.1 response and its wire form.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HTTP_RESPONSE_HPP
#define MCP_HTM_HTTP_RESPONSE_HPP

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A whole response (status, headers, body). Content-Length, Connection and Date-free
/// framing are added when it is written.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

/// "OK", "Not Found", ... for the statuses this library sends.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

/// The status line and headers of a response, with Content-Length `body_size` or, when
/// `chunked`, Transfer-Encoding: chunked; `keep_alive` false adds Connection: close.
[[nodiscard]] std::string serialize_head(int status, const Headers& headers, std::size_t body_size,
                                         bool chunked, bool keep_alive);

/// `data` as one chunk of a chunked body (empty data is not allowed: it would end it).
void append_chunk(std::string& out, std::string_view data);

}  // namespace mcp::http

#endif  // MCP_HTM_HTTP_RESPONSE_HPP
