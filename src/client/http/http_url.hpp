// src/client/http/http_url.hpp -- the parts of an http:// URL an HTTP/1.1 client needs.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SRC_CLIENT_HTTP_HTTP_URL_HPP
#define MCP_HTM_SRC_CLIENT_HTTP_HTTP_URL_HPP

#include <cstdint>
#include <string>
#include <string_view>

namespace mcp::client::http_detail {

/// An `http://host[:port][/path][?query]` URL taken apart.
struct HttpUrl {
  std::string host;       ///< for the resolver: a name or an address, IPv6 without brackets
  std::string authority;  ///< for the Host header: host[:port] as written
  std::uint16_t port = 80;
  std::string target;  ///< path and query ("/" when the URL has no path); no fragment
};

/// Parses `url`. Throws std::invalid_argument saying what is wrong: not http://, an
/// https:// URL (no TLS in this build), credentials in the URL, a bad port, spaces or
/// control characters.
[[nodiscard]] HttpUrl parse_http_url(std::string_view url);

}  // namespace mcp::client::http_detail

#endif  // MCP_HTM_SRC_CLIENT_HTTP_HTTP_URL_HPP
