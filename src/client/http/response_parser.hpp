// src/client/http/response_parser.hpp -- incremental HTTP/1.1 response parsing (llhttp),
// the body handed out as it arrives so an event stream can be read while it lasts.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SRC_CLIENT_HTTP_RESPONSE_PARSER_HPP
#define MCP_HTM_SRC_CLIENT_HTTP_RESPONSE_PARSER_HPP

#include <mcp/http/response.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace mcp::client::http_detail {

/// Parses one response (interim 1xx responses are skipped) of a connection.
/**
 * feed() the bytes read; after each call, headers_complete() tells whether status() and
 * headers() are known, take_body() yields the de-chunked body bytes parsed so far, and
 * complete() whether the response has ended. At the end of the connection call
 * finish(): a body delimited by the connection's end completes there.
 */
class ResponseParser {
 public:
  explicit ResponseParser(std::size_t max_header_bytes = 64 * 1024);
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  /// False on malformed HTTP or headers over the limit (see error()). Bytes after the
  /// end of the response are not parsed (see trailing_bytes()).
  bool feed(const char* data, std::size_t size);
  /// The connection ended; false when the response is incomplete.
  bool finish();

  [[nodiscard]] bool headers_complete() const noexcept;
  [[nodiscard]] bool complete() const noexcept;
  [[nodiscard]] int status() const noexcept;
  [[nodiscard]] const http::Headers& headers() const noexcept;
  /// The first value of header `name` (case-insensitive); empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
  /// The body bytes parsed since the last call.
  [[nodiscard]] std::string take_body();
  /// The connection may carry another request (keep-alive, nothing read past the end).
  [[nodiscard]] bool reusable() const noexcept;
  /// Bytes fed after the end of the response (a server that sent more than it should).
  [[nodiscard]] std::size_t trailing_bytes() const noexcept;
  [[nodiscard]] const std::string& error() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::client::http_detail

#endif  // MCP_HTM_SRC_CLIENT_HTTP_RESPONSE_PARSER_HPP
