// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include "response_parser.hpp"

#include <mcp/http/request.hpp>

#include <llhttp.h>
#include <utility>

#include <fmt/format.h>

namespace mcp::client::http_detail {

struct ResponseParser::Impl {
  explicit Impl(std::size_t max_header) : max_header_bytes(max_header) {
    llhttp_settings_init(&settings);
    settings.on_message_begin = [](llhttp_t* p) { return self(p).on_message_begin(); };
    settings.on_status = [](llhttp_t* p, const char*, std::size_t n) {
      return self(p).count_header_bytes(n);
    };
    settings.on_header_field = [](llhttp_t* p, const char* at, std::size_t n) {
      return self(p).on_header_field(at, n);
    };
    settings.on_header_value = [](llhttp_t* p, const char* at, std::size_t n) {
      return self(p).on_header_value(at, n);
    };
    settings.on_headers_complete = [](llhttp_t* p) { return self(p).on_headers_complete(); };
    settings.on_body = [](llhttp_t* p, const char* at, std::size_t n) {
      self(p).body.append(at, n);
      return 0;
    };
    settings.on_message_complete = [](llhttp_t* p) { return self(p).on_message_complete(); };
    llhttp_init(&parser, HTTP_RESPONSE, &settings);
    parser.data = this;
  }

  static Impl& self(llhttp_t* p) { return *static_cast<Impl*>(p->data); }

  int count_header_bytes(std::size_t n) {
    header_bytes += n;
    if (header_bytes <= max_header_bytes) return 0;
    error = fmt::format("the response's status line and headers exceed {} bytes", max_header_bytes);
    return -1;
  }
  int on_message_begin() {
    headers.clear();
    header_bytes = 0;
    in_value = false;
    return 0;
  }
  int on_header_field(const char* at, std::size_t n) {
    if (count_header_bytes(n) != 0) return -1;
    if (in_value || headers.empty()) {
      headers.emplace_back();
      in_value = false;
    }
    headers.back().first.append(at, n);
    return 0;
  }
  int on_header_value(const char* at, std::size_t n) {
    if (count_header_bytes(n) != 0) return -1;
    in_value = true;
    headers.back().second.append(at, n);
    return 0;
  }
  int on_headers_complete() {
    for (auto& h : headers) {  // llhttp keeps a value's trailing whitespace
      auto& v = h.second;
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    }
    status = parser.status_code;
    if (!interim()) have_headers = true;
    return 0;
  }
  int on_message_complete() {
    if (interim()) return 0;  // 100 Continue and the like: the real response follows
    keep_alive = llhttp_should_keep_alive(&parser) != 0;
    done = true;
    return HPE_PAUSED;  // whatever follows is not this response's
  }
  [[nodiscard]] bool interim() const noexcept { return status >= 100 && status < 200; }

  std::size_t max_header_bytes;
  llhttp_settings_t settings{};
  llhttp_t parser{};
  http::Headers headers;
  std::string body;
  std::string error;
  std::size_t header_bytes = 0;
  std::size_t trailing = 0;
  int status = 0;
  bool in_value = false;
  bool have_headers = false;
  bool done = false;
  bool keep_alive = false;
};

ResponseParser::ResponseParser(std::size_t max_header_bytes)
    : impl_(std::make_unique<Impl>(max_header_bytes)) {}
ResponseParser::~ResponseParser() = default;

bool ResponseParser::feed(const char* data, std::size_t size) {
  auto& impl = *impl_;
  if (!impl.error.empty()) return false;
  if (impl.done) {
    impl.trailing += size;
    return true;
  }
  const llhttp_errno_t rc = llhttp_execute(&impl.parser, data, size);
  if (rc == HPE_OK) return true;
  if (rc == HPE_PAUSED && impl.done) {
    const char* stop = llhttp_get_error_pos(&impl.parser);
    if (stop != nullptr && stop >= data && stop <= data + size) {
      impl.trailing += static_cast<std::size_t>(data + size - stop);
    }
    return true;
  }
  if (impl.error.empty()) {
    impl.error = fmt::format("malformed HTTP response: {}", llhttp_get_error_reason(&impl.parser));
  }
  return false;
}

bool ResponseParser::finish() {
  auto& impl = *impl_;
  if (impl.done) return true;
  if (!impl.error.empty()) return false;
  const llhttp_errno_t rc = llhttp_finish(&impl.parser);
  if ((rc == HPE_OK || rc == HPE_PAUSED) && impl.done) return true;
  impl.error = impl.have_headers ? "the server closed the connection before the end of the response"
                                 : "the server closed the connection without a response";
  return false;
}

bool ResponseParser::headers_complete() const noexcept { return impl_->have_headers; }
bool ResponseParser::complete() const noexcept { return impl_->done; }
int ResponseParser::status() const noexcept { return impl_->status; }
const http::Headers& ResponseParser::headers() const noexcept { return impl_->headers; }

std::string_view ResponseParser::header(std::string_view name) const noexcept {
  for (const auto& [key, value] : impl_->headers) {
    if (http::iequals(key, name)) return value;
  }
  return {};
}

std::string ResponseParser::take_body() { return std::exchange(impl_->body, {}); }
bool ResponseParser::reusable() const noexcept {
  return impl_->done && impl_->keep_alive && impl_->trailing == 0;
}
std::size_t ResponseParser::trailing_bytes() const noexcept { return impl_->trailing; }
const std::string& ResponseParser::error() const noexcept { return impl_->error; }

}  // namespace mcp::client::http_detail
