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
enum class ScanError : std::uint8_t { none, invalid_utf8, too_deep };

struct ScanResult {
  ScanError error = ScanError::none;
  std::size_t offset = 0;  ///< byte offset of the problem
};

/// One linear pass over a message before it is parsed: checks that the text is valid
/// UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and that arrays/objects
/// nest at most `max_depth` deep (brackets inside strings are ignored), so that a
/// hostile message cannot exhaust the stack of recursive consumers.
[[nodiscard]] inline ScanResult scan_message(std::string_view text,
                                             std::size_t max_depth) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (in_string) {
        if (c == '\\') {
          i += 2;  // the escaped character is ASCII in valid JSON; the parser checks the rest
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

}  // namespace mcp::jsonrpc

#endif  // MCP_HTM_DETAIL_JSON_RPC_HPP
