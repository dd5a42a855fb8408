// mcp/detail/json_rpc_envelope.hpp -- reads a well-formed JSON-RPC request or
// notification with nlohmann's SAX parser, building a Json tree for `params` only.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_JSON_RPC_ENVELOPE_HPP
#define MCP_HTM_DETAIL_JSON_RPC_ENVELOPE_HPP

#include <mcp/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::jsonrpc {

/// The parts of a JSON-RPC 2.0 request (or notification) the server dispatches on.
struct Envelope {
  Json id;              ///< string or integer; null when absent
  bool has_id = false;  ///< false: a notification
  std::string method;
  Json params = Json::object();  ///< the `params` object ({} when absent)
};

namespace detail {

/// SAX handler behind read_envelope(). The envelope members are read as events; only
/// the value of `params` is built as a tree (as nlohmann's DOM parser would build it:
/// a repeated key keeps its last value). Anything unusual stops the parse.
class EnvelopeReader {
 public:
  explicit EnvelopeReader(Envelope& out) : out_(out) {}
  [[nodiscard]] bool complete() const noexcept {
    return seen_jsonrpc_ && seen_method_ && depth_ == 0 && root_closed_;
  }

  // ---- nlohmann::json_sax interface ------------------------------------------------
  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool value) { return scalar(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return scalar(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return scalar(Json(value)); }
  bool number_float(Json::number_float_t value, const std::string&) { return scalar(Json(value)); }
  bool string(std::string& value) {
    if (depth_ == 1) {
      if (member_ == Member::jsonrpc) {
        seen_jsonrpc_ = value == "2.0";
        return seen_jsonrpc_;
      }
      if (member_ == Member::method) {
        out_.method = std::move(value);
        seen_method_ = true;
        return true;
      }
    }
    return scalar(Json(std::move(value)));
  }
  bool binary(Json::binary_t&) { return false; }  // not produced by the JSON format
  bool start_object(std::size_t) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (depth_ == 1) {
      if (member_ != Member::params) return false;
      out_.params = Json::object();
      stack_.push_back(&out_.params);
      ++depth_;
      return true;
    }
    ++depth_;
    return open(Json::object());
  }
  bool key(std::string& name) {
    if (depth_ == 1) {
      member_ = classify(name);
      if (member_ == Member::other) return false;
      const auto bit = static_cast<unsigned>(1u << static_cast<unsigned>(member_));
      if ((seen_members_ & bit) != 0) return false;  // a repeated envelope member
      seen_members_ |= bit;
      return true;
    }
    key_ = std::move(name);
    return true;
  }
  bool end_object() {
    if (depth_ == 1) {
      depth_ = 0;
      root_closed_ = true;
      return true;
    }
    --depth_;
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ <= 1) return false;  // a batch, or an array-valued envelope member
    ++depth_;
    return open(Json::array());
  }
  bool end_array() {
    --depth_;
    stack_.pop_back();
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception&) {
    return false;
  }

 private:
  enum class Member : std::uint8_t { jsonrpc, id, method, params, other };

  static Member classify(std::string_view name) noexcept {
    if (name == "jsonrpc") return Member::jsonrpc;
    if (name == "id") return Member::id;
    if (name == "method") return Member::method;
    if (name == "params") return Member::params;
    return Member::other;
  }

  /// A value inside `params` (or the id): stored where the tree under construction wants it.
  bool scalar(Json value) {
    if (depth_ == 1) {
      if (member_ != Member::id || !(value.is_string() || value.is_number_integer())) return false;
      out_.id = std::move(value);
      out_.has_id = true;
      return true;
    }
    if (depth_ < 2) return false;
    place(std::move(value));
    return true;
  }

  Json* place(Json value) {
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    Json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }

  bool open(Json container) {
    stack_.push_back(place(std::move(container)));
    return true;
  }

  Envelope& out_;
  std::vector<Json*> stack_;  // the containers being filled, innermost last
  std::string key_;           // the key of the next value inside an object
  std::size_t depth_ = 0;     // 1: inside the envelope object; 2: inside params; ...
  Member member_ = Member::other;
  unsigned seen_members_ = 0;
  bool seen_jsonrpc_ = false;
  bool seen_method_ = false;
  bool root_closed_ = false;
};

}  // namespace detail

/// Reads `text` when it is a plain, valid JSON-RPC 2.0 request or notification: a
/// JSON object with `"jsonrpc": "2.0"`, a string `method`, an optional string or
/// integer `id`, an optional object `params`, and no other member, none repeated.
/// Anything else (invalid JSON, a batch, a response, an extra member, a wrong type)
/// gives nullopt: the caller parses it as a whole and reports exactly what is wrong.
/// Unlike Json::parse, this builds no tree for the envelope itself, only for `params`.
/// Like Json::parse, it stops at a NUL byte as at the end of the input: a caller that must
/// refuse bytes after the value checks the text with scan_message() first, as the Server does.
[[nodiscard]] inline std::optional<Envelope> read_envelope(std::string_view text) {
  Envelope envelope;
  detail::EnvelopeReader reader(envelope);
  const bool parsed = Json::sax_parse(text.begin(), text.end(), &reader, Json::input_format_t::json,
                                      /*strict=*/true);
  if (!parsed || !reader.complete()) return std::nullopt;
  return envelope;
}

}  // namespace mcp::jsonrpc

#endif  // MCP_HTM_DETAIL_JSON_RPC_ENVELOPE_HPP
