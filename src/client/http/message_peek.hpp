// src/client/http/message_peek.hpp -- what a JSON-RPC message is (request, notification,
// response) and its id, read with nlohmann's SAX parser without building a tree.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_SRC_CLIENT_HTTP_MESSAGE_PEEK_HPP
#define MCP_HTM_SRC_CLIENT_HTTP_MESSAGE_PEEK_HPP

#include <mcp/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mcp::client::http_detail {

/// The top-level members of a message that decide how the transport carries it.
struct MessagePeek {
  bool valid = false;        ///< a JSON object
  bool has_method = false;   ///< a request or a notification
  bool has_id = false;       ///< `id` present and not null
  bool has_outcome = false;  ///< `result` or `error` present: a response
  Json id;                   ///< the id when it is a string or a number
  std::string method;

  [[nodiscard]] bool is_request() const noexcept { return has_method && has_id; }
  [[nodiscard]] bool is_response() const noexcept { return !has_method && has_outcome; }
};

namespace peek_detail {

/// Records the members of the outermost object; nested values only move the depth.
class Reader {
 public:
  explicit Reader(MessagePeek& out) : out_(out) {}

  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool) { return scalar(Json()); }
  bool number_integer(Json::number_integer_t v) { return scalar(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar(Json(v)); }
  bool number_float(Json::number_float_t v, const std::string&) { return scalar(Json(v)); }
  bool string(std::string& v) {
    if (depth_ == 1 && member_ == Member::method) {
      out_.has_method = true;
      out_.method = std::move(v);
      return true;
    }
    return scalar(Json(std::move(v)));
  }
  bool binary(Json::binary_t&) { return true; }
  bool start_object(std::size_t) {
    if (depth_ == 0) out_.valid = true;
    return open();
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) {
    if (depth_ == 0) return false;  // a batch: not a message this transport sends or expects
    return open();
  }
  bool end_array() { return close(); }
  bool key(std::string& name) {
    if (depth_ != 1) return true;
    member_ = name == "id"                            ? Member::id
              : name == "method"                      ? Member::method
              : (name == "result" || name == "error") ? Member::outcome
                                                      : Member::other;
    if (member_ == Member::outcome) out_.has_outcome = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  enum class Member { other, id, method, outcome };
  bool scalar(Json value) {
    if (depth_ == 1 && member_ == Member::id && !value.is_null()) {
      out_.has_id = true;
      out_.id = std::move(value);
    }
    return true;
  }
  bool open() {
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  MessagePeek& out_;
  int depth_ = 0;
  Member member_ = Member::other;
};

}  // namespace peek_detail

/// Reads the top level of `text`; `valid` is false for anything but one JSON object.
[[nodiscard]] inline MessagePeek peek_message(std::string_view text) {
  MessagePeek peek;
  peek_detail::Reader reader(peek);
  const bool parsed = Json::sax_parse(text.begin(), text.end(), &reader, Json::input_format_t::json,
                                      /*strict=*/true);
  if (!parsed) peek = MessagePeek{};
  return peek;
}

}  // namespace mcp::client::http_detail

#endif  // MCP_HTM_SRC_CLIENT_HTTP_MESSAGE_PEEK_HPP
