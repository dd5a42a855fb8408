// src/http/request_parser.cpp -- RequestParser on llhttp's callbacks.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#include <mcp/http/request_parser.hpp>

#include <llhttp.h>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace mcp::http {

struct RequestParser::Impl {
  explicit Impl(ParserLimits l) : limits(l) {
    llhttp_settings_init(&settings);
    settings.on_message_begin = [](llhttp_t* p) { return self(p).on_message_begin(); };
    settings.on_url = [](llhttp_t* p, const char* at, std::size_t n) {
      return self(p).on_url(at, n);
    };
    settings.on_header_field = [](llhttp_t* p, const char* at, std::size_t n) {
      return self(p).on_header_field(at, n);
    };
    settings.on_header_value = [](llhttp_t* p, const char* at, std::size_t n) {
      return self(p).on_header_value(at, n);
    };
    settings.on_headers_complete = [](llhttp_t* p) { return self(p).on_headers_complete(); };
    settings.on_body = [](llhttp_t* p, const char* at, std::size_t n) {
      return self(p).on_body(at, n);
    };
    settings.on_message_complete = [](llhttp_t* p) { return self(p).on_message_complete(); };
    llhttp_init(&parser, HTTP_REQUEST, &settings);
    parser.data = this;
  }

  static Impl& self(llhttp_t* p) { return *static_cast<Impl*>(p->data); }

  int fail(int status, std::string reason) {
    error = ParseError{status, std::move(reason)};
    return -1;  // llhttp stops with HPE_CB_* (user error)
  }

  bool count_header_bytes(std::size_t n) {
    header_bytes += n;
    return header_bytes <= limits.max_header_bytes;
  }

  int on_message_begin() {
    current = Request{};
    header_bytes = 0;
    in_value = false;
    in_headers_done = false;
    message_open = true;
    return 0;
  }
  int on_url(const char* at, std::size_t n) {
    if (!count_header_bytes(n)) return header_too_large();
    current.target.append(at, n);
    return 0;
  }
  int on_header_field(const char* at, std::size_t n) {
    if (!count_header_bytes(n)) return header_too_large();
    if (in_value || current.headers.empty()) {
      current.headers.emplace_back();
      in_value = false;
    }
    current.headers.back().first.append(at, n);
    return 0;
  }
  int on_header_value(const char* at, std::size_t n) {
    if (!count_header_bytes(n)) return header_too_large();
    in_value = true;
    current.headers.back().second.append(at, n);
    return 0;
  }
  int header_too_large() {
    return fail(431,
                fmt::format("request line and headers exceed {} bytes", limits.max_header_bytes));
  }
  int on_headers_complete() {
    for (auto& h : current.headers) {  // llhttp keeps trailing whitespace of values
      auto& v = h.second;
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    }
    current.method = llhttp_method_name(static_cast<llhttp_method_t>(parser.method));
    current.version_minor = parser.http_minor;
    // A declared length beyond the limit is refused before a byte of the body is read.
    if ((parser.flags & F_CONTENT_LENGTH) != 0 && parser.content_length > limits.max_body_bytes) {
      return fail(413, fmt::format("request body of {} bytes exceeds the limit of {} bytes",
                                   parser.content_length, limits.max_body_bytes));
    }
    in_headers_done = true;
    const bool has_body = (parser.flags & F_CHUNKED) != 0 ||
                          ((parser.flags & F_CONTENT_LENGTH) != 0 && parser.content_length > 0);
    if (has_body && iequals(current.header("Expect"), "100-continue")) expect_continue = true;
    return 0;
  }
  int on_body(const char* at, std::size_t n) {
    if (current.body.size() + n > limits.max_body_bytes) {
      return fail(413,
                  fmt::format("request body exceeds the limit of {} bytes", limits.max_body_bytes));
    }
    current.body.append(at, n);
    return 0;
  }
  int on_message_complete() {
    current.keep_alive = llhttp_should_keep_alive(&parser) != 0;
    ready.push_back(std::move(current));
    current = Request{};
    message_open = false;
    in_headers_done = false;
    return 0;
  }

  ParserLimits limits;
  llhttp_settings_t settings{};
  llhttp_t parser{};
  Request current;
  std::deque<Request> ready;
  std::size_t header_bytes = 0;
  bool in_value = false;
  bool in_headers_done = false;
  bool message_open = false;
  bool expect_continue = false;
  std::optional<ParseError> error;
};

RequestParser::RequestParser(ParserLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestParser::~RequestParser() = default;

bool RequestParser::feed(const char* data, std::size_t size) {
  if (impl_->error) return false;
  const llhttp_errno_t rc = llhttp_execute(&impl_->parser, data, size);
  if (rc == HPE_OK) return true;
  if (!impl_->error) {
    impl_->error = ParseError{
        400, fmt::format("malformed HTTP request: {}", llhttp_get_error_reason(&impl_->parser))};
  }
  return false;
}

std::deque<Request>& RequestParser::ready() noexcept { return impl_->ready; }
bool RequestParser::take_expect_continue() noexcept {
  return std::exchange(impl_->expect_continue, false);
}
bool RequestParser::in_message() const noexcept { return impl_->message_open; }
bool RequestParser::headers_complete() const noexcept { return impl_->in_headers_done; }
const ParseError* RequestParser::error() const noexcept {
  return impl_->error ? &*impl_->error : nullptr;
}

}  // namespace mcp::http
