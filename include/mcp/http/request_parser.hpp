// mcp/http/request_parser.hpp -- incremental HTTP/1.1 request parsing (llhttp inside).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_HTTP_REQUEST_PARSER_HPP
#define MCP_HTM_HTTP_REQUEST_PARSER_HPP

#include <mcp/http/request.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace mcp::http {

/// Limits a parser enforces while it reads, before anything is buffered beyond them.
struct ParserLimits {
  std::size_t max_header_bytes = 16 * 1024;           ///< request line + headers (431 beyond)
  std::size_t max_body_bytes = std::size_t{4} << 20;  ///< de-chunked body (413 beyond)
};

/// Why a parser stopped: the status to answer with and a reason for the log and body.
struct ParseError {
  int status = 400;
  std::string reason;
};

/// Turns the bytes of a connection into complete requests, in order (pipelining).
/**
 * Built on llhttp (Node.js's parser), compiled privately into the HTTP component: the
 * header does not expose it. After an error the parser accepts nothing more; the
 * connection answers `error()` and closes.
 */
class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  /// Parses `size` bytes; complete requests are appended to ready(). False on a
  /// protocol error or an exceeded limit (see error()).
  bool feed(const char* data, std::size_t size);

  /// Requests parsed and not yet taken.
  [[nodiscard]] std::deque<Request>& ready() noexcept;
  /// True while part of a request has been read but not all of it.
  [[nodiscard]] bool in_message() const noexcept;
  /// True once the headers of the request being read are complete.
  [[nodiscard]] bool headers_complete() const noexcept;
  /// True once per request that sent `Expect: 100-continue` and waits, its headers read,
  /// for a `100 Continue` before it sends its body.
  [[nodiscard]] bool take_expect_continue() noexcept;
  /// Set after feed() returned false.
  [[nodiscard]] const ParseError* error() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::http

#endif  // MCP_HTM_HTTP_REQUEST_PARSER_HPP
