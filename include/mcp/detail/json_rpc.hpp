// mcp/detail/json_rpc.hpp -- JSON-RPC 2.0 framing helpers shared by the MCP server and
// its transports: error codes, message builders and the pre-parse scan of a message.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_JSON_RPC_HPP
#define MCP_HTM_DETAIL_JSON_RPC_HPP

#include <mcp/detail/json_text.hpp>
#include <mcp/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcp::jsonrpc {

/// The JSON-RPC 2.0 error codes the server answers with.
inline constexpr int parse_error = -32700;       ///< not JSON, or not UTF-8
inline constexpr int invalid_request = -32600;   ///< not a request object, or a line too long
inline constexpr int method_not_found = -32601;  ///< unknown method
inline constexpr int invalid_params = -32602;    ///< params do not match the method
inline constexpr int internal_error = -32603;    ///< a bug on our side

/// Appends a JSON-RPC id (an integer, a string, or null) to `out` as JSON.
inline void append_id(std::string& out, const Json& id) { detail::append_json_value(out, id); }

/// `{"jsonrpc":"2.0","id":<id>,"result":<result>}`.
[[nodiscard]] inline std::string make_result(const Json& id, const Json& result) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  append_id(out, id);
  out += R"(,"result":)";
  out += result.dump(-1, ' ', false, Json::error_handler_t::replace);
  out += '}';
  return out;
}

/// `{"jsonrpc":"2.0","id":<id>,"result":<result_json>}`, where `result_json` already is
/// the result's JSON text (so that it is not parsed or serialised again).
[[nodiscard]] inline std::string make_result_text(const Json& id, std::string_view result_json) {
  std::string out;
  out.reserve(result_json.size() + 48);
  out += R"({"jsonrpc":"2.0","id":)";
  append_id(out, id);
  out += R"(,"result":)";
  out += result_json;
  out += '}';
  return out;
}

/// `{"jsonrpc":"2.0","id":<id>,"error":{"code","message"[,"data"]}}`; `id` may be null.
[[nodiscard]] inline std::string make_error(const Json& id, int code, std::string_view message,
                                            const Json& data = nullptr) {
  Json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  std::string out = R"({"jsonrpc":"2.0","id":)";
  append_id(out, id);
  out += R"(,"error":)";
  out += error.dump(-1, ' ', false, Json::error_handler_t::replace);
  out += '}';
  return out;
}

/// `{"jsonrpc":"2.0","error":{"code","message"[,"data"]}}`: an error for a message whose id
/// could not be read, as the 2025-11-25 schema allows it (its error response's id is
/// optional). JSON-RPC 2.0 and the older MCP schemas have no such form: there the id is
/// null (make_error with a null id).
[[nodiscard]] inline std::string make_error_without_id(int code, std::string_view message,
                                                       const Json& data = nullptr) {
  std::string out = make_error(nullptr, code, message, data);
  constexpr std::string_view null_id = R"("id":null,)";
  out.erase(out.find(null_id), null_id.size());
  return out;
}

/// `{"jsonrpc":"2.0","method":<method>[,"params":<params>]}`.
[[nodiscard]] inline std::string make_notification(std::string_view method,
                                                   const Json& params = nullptr) {
  std::string out = R"({"jsonrpc":"2.0","method":)";
  out += Json(method).dump();
  if (!params.is_null()) {
    out += R"(,"params":)";
    out += params.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  out += '}';
  return out;
}

/// What scan_message() found wrong with a message text, if anything.
enum class ScanError : std::uint8_t { none, invalid_utf8, too_deep, nul_byte };

struct ScanResult {
  ScanError error = ScanError::none;
  std::size_t offset = 0;  ///< byte offset of the problem
};

/// One linear pass over a message before it is parsed: checks that the text is valid
/// UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), that it holds no NUL
/// byte, and that arrays/objects nest at most `max_depth` deep (brackets inside strings
/// are ignored), so that a hostile message cannot exhaust the stack of recursive
/// consumers. NUL is never valid in JSON text, but nlohmann's lexer takes it for the end
/// of the input: without this check `{...}\0garbage` would parse as `{...}`.
[[nodiscard]] inline ScanResult scan_message(std::string_view text,
                                             std::size_t max_depth) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c == 0) return {ScanError::nul_byte, i};
      if (in_string) {
        if (c == '\\') {
          // The escaped character is ASCII in valid JSON (the parser checks which): step
          // over it only then, so that a NUL or a multi-byte sequence after the backslash
          // is still checked here.
          const bool ascii_next = i + 1 < n && p[i + 1] != 0 && p[i + 1] < 0x80;
          i += ascii_next ? 2 : 1;
          continue;
        }
        if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > max_depth) return {ScanError::too_deep, i};
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return {ScanError::invalid_utf8, i};
    }
    if (i + len > n) return {ScanError::invalid_utf8, i};
    for (std::size_t k = 1; k < len; ++k) {
      const unsigned char cc = p[i + k];
      if ((cc & 0xC0u) != 0x80u) return {ScanError::invalid_utf8, i};
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return {ScanError::invalid_utf8, i};
    }
    i += len;
  }
  return {};
}

/// Reads what it can of the envelope of a message fed to it in pieces, without keeping
/// the message: the stdio transport feeds it a line too long to be parsed while it
/// discards it, so that the refusal can carry the request's id (the TypeScript SDK
/// client writes the id last, after the params) and so that a notification or a
/// response, which are never answered, is not answered. It follows the top-level object
/// only: strings, escapes and nesting, so that members of `params` are never taken for
/// the envelope's. nlohmann's parsers need the whole text in memory, which an over-long
/// line never is; this is a tokenizer of the envelope only, not a JSON parser.
class EnvelopeScanner {
 public:
  void feed(std::string_view bytes) {
    for (const char ch : bytes) step(ch);
  }

  /// The top-level `id`, when it is a string or an integer (as nlohmann reads it). The
  /// first `id` member counts; an id longer than 256 bytes is not kept.
  [[nodiscard]] Json id() const {
    if (!id_complete_) return nullptr;
    Json value = Json::parse(id_text_, nullptr, /*allow_exceptions=*/false);
    if (value.is_string() || value.is_number_integer()) return value;
    return nullptr;
  }
  /// The top-level object has an `id` member, usable or not.
  [[nodiscard]] bool has_id() const noexcept { return id_seen_; }
  /// The top-level object has a `method` member whose value is a string.
  [[nodiscard]] bool has_method() const noexcept { return has_method_; }
  /// The top-level object has a `result` or an `error` member.
  [[nodiscard]] bool has_result_or_error() const noexcept { return has_result_or_error_; }

 private:
  enum class State : std::uint8_t { before_root, in_root, done, not_an_object };
  /// Where the scan is among the members of the root object.
  enum class Phase : std::uint8_t { key, colon, value, after_value };
  enum class Key : std::uint8_t { other, id, method, result_or_error };
  enum class Kind : std::uint8_t { string, number, other };
  static constexpr std::size_t max_id_bytes = 256;

  static bool is_space(char ch) noexcept {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
  }

  void step(char ch) {
    if (state_ != State::in_root) {
      if (state_ == State::before_root && !is_space(ch)) {
        state_ = ch == '{' ? State::in_root : State::not_an_object;
      }
      return;
    }
    if (in_string_) {
      string_byte(ch);
      return;
    }
    if (in_number_) {
      if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
          ch == 'E') {
        keep(ch);
        return;
      }
      in_number_ = false;
      if (collecting_id_) end_id();
    }
    if (is_space(ch)) return;
    if (depth_ > 0) {  // inside the value of a member: only strings and nesting matter
      if (ch == '"') {
        in_string_ = true;
      } else if (ch == '{' || ch == '[') {
        ++depth_;
      } else if (ch == '}' || ch == ']') {
        --depth_;
      }
      return;
    }
    switch (phase_) {
      case Phase::key:
        if (ch == '"') {
          in_string_ = true;
          reading_key_ = true;
          key_text_.clear();
        } else if (ch == '}') {
          state_ = State::done;
        }
        return;
      case Phase::colon:
        if (ch == ':') phase_ = Phase::value;
        return;
      case Phase::value:
        phase_ = Phase::after_value;
        if (ch == '"') {
          begin_value(Kind::string);
          in_string_ = true;
          keep(ch);
        } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
          begin_value(Kind::number);
          in_number_ = true;
          keep(ch);
        } else {
          begin_value(Kind::other);
          if (ch == '{' || ch == '[') ++depth_;
        }
        return;
      case Phase::after_value:
        if (ch == ',') {
          phase_ = Phase::key;
        } else if (ch == '}') {
          state_ = State::done;
        }
        return;
    }
  }

  void string_byte(char ch) {
    if (reading_key_) {
      if (key_text_.size() <= 8) key_text_.push_back(ch);  // longer: no key of interest
    } else if (collecting_id_) {
      keep(ch);
    }
    if (escaped_) {
      escaped_ = false;
      return;
    }
    if (ch == '\\') {
      escaped_ = true;
    } else if (ch == '"') {
      in_string_ = false;
      if (reading_key_) {
        reading_key_ = false;
        key_text_.pop_back();  // the closing quote
        key_ = classify(key_text_);
        phase_ = Phase::colon;
      } else if (collecting_id_) {
        end_id();
      }
    }
  }

  /// The first byte of the value of a root member was read.
  void begin_value(Kind kind) noexcept {
    if (key_ == Key::id && !id_seen_) {
      id_seen_ = true;
      collecting_id_ = kind != Kind::other;
      id_text_.clear();
    } else if (key_ == Key::method && kind == Kind::string) {
      has_method_ = true;
    } else if (key_ == Key::result_or_error) {
      has_result_or_error_ = true;
    }
    key_ = Key::other;
  }

  void keep(char ch) {
    if (!collecting_id_) return;
    if (id_text_.size() < max_id_bytes) {
      id_text_.push_back(ch);
    } else {
      collecting_id_ = false;  // too long to be an id worth giving back
    }
  }

  void end_id() noexcept {
    collecting_id_ = false;
    id_complete_ = true;
  }

  static Key classify(std::string_view name) noexcept {
    if (name == "id") return Key::id;
    if (name == "method") return Key::method;
    if (name == "result" || name == "error") return Key::result_or_error;
    return Key::other;
  }

  State state_ = State::before_root;
  Phase phase_ = Phase::key;
  std::size_t depth_ = 0;  // nesting inside the value of a root member
  bool in_string_ = false;
  bool escaped_ = false;
  bool in_number_ = false;
  bool reading_key_ = false;
  Key key_ = Key::other;
  std::string key_text_;
  bool id_seen_ = false;
  bool collecting_id_ = false;
  bool id_complete_ = false;
  std::string id_text_;
  bool has_method_ = false;
  bool has_result_or_error_ = false;
};

}  // namespace mcp::jsonrpc

#endif  // MCP_HTM_DETAIL_JSON_RPC_HPP
