// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include "http_url.hpp"

#include <mcp/http/request.hpp>

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace mcp::client::http_detail {
namespace {

[[noreturn]] void refuse(std::string_view url, std::string_view why) {
  throw std::invalid_argument(fmt::format("URL '{}': {}", url, why));
}

}  // namespace

HttpUrl parse_http_url(std::string_view url) {
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    // Anything below 0x21 or DEL would break the request line or a header.
    if (byte <= 0x20 || byte == 0x7f) refuse(url, "spaces and control characters are not allowed");
    if (byte >= 0x80) refuse(url, "non-ASCII characters must be percent-encoded");
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) refuse(url, "expected http://host[:port]/path");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (http::iequals(scheme, "https")) {
    refuse(url,
           "https upstreams need TLS, which this build lacks: put a local TLS-terminating "
           "proxy in front or use stdio");
  }
  if (!http::iequals(scheme, "http")) refuse(url, "only http:// URLs are supported");
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const auto path_start = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, path_start);
  std::string_view target =
      path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    refuse(url, "credentials in the URL are not supported: send them in 'headers'");
  }
  HttpUrl out;
  out.authority = std::string(authority);
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) refuse(url, "unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') refuse(url, "unexpected characters after the IPv6 address");
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) refuse(url, "no host");
  out.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      refuse(url, fmt::format("bad port '{}'", port));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  // An empty path is "/" (a query alone keeps its "?").
  const bool needs_slash = target.empty() || target.front() == '?';
  out.target.reserve(target.size() + 1);
  if (needs_slash) out.target.push_back('/');
  out.target.append(target.begin(), target.end());
  return out;
}

}  // namespace mcp::client::http_detail
