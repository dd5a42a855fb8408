// mcp/detail/json_text.hpp -- writing small pieces of JSON text straight into a string.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_JSON_TEXT_HPP
#define MCP_HTM_DETAIL_JSON_TEXT_HPP

#include <mcp/detail/utf8.hpp>
#include <mcp/json.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

// Each Json::dump() builds a serialiser that allocates and fills a 512-byte indentation
// buffer, whatever it writes: for the few short strings and numbers of a response that
// cost more than the rest of a small tools/call. These write them directly -- strings
// exactly as nlohmann writes them (tested byte for byte), numbers with the same value --
// and leave objects and arrays to dump().

namespace mcp::detail {

/// Appends `text`, which must be valid UTF-8, to `out` as a JSON string, escaped as
/// nlohmann's serialiser escapes it (`\"`, `\\`, the short escapes of \b \f \n \r \t,
/// `\u00XX` for the other control characters; everything else as it is).
inline void append_escaped_utf8(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

/// Appends `text` to `out` as a JSON string; invalid UTF-8 is replaced by U+FFFD (by
/// nlohmann's serialiser, as everywhere else in the server's output).
inline void append_json_string(std::string& out, std::string_view text) {
  if (mcp::detail::scan_utf8(text).valid) {
    append_escaped_utf8(out, text);
  } else {
    out += Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

/// Appends a JSON number: integers as they are; a double as the shortest text that reads
/// back as the same double, with ".0" when that text would read as an integer (so a float
/// stays a float for the client, as nlohmann writes it); NaN and infinities, which JSON
/// cannot hold, as null (as nlohmann writes them). The text may differ from nlohmann's
/// in form (`1e+16` against `1e16`), never in value.
template <class Number>
inline void append_json_number(std::string& out, Number value) {
  if constexpr (std::is_floating_point_v<Number>) {
    if (value != value || value - value != 0) {  // NaN or infinite
      out += "null";
      return;
    }
  }
  char digits[32];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  if constexpr (std::is_floating_point_v<Number>) {
    out.append(digits, end);
    if (std::string_view(digits, static_cast<std::size_t>(end - digits)).find_first_of(".e") ==
        std::string_view::npos) {
      out += ".0";
    }
  } else {
    out.append(digits, end);
  }
}

/// Appends any JSON value: strings and numbers directly, the rest through dump().
inline void append_json_value(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      break;
    case Json::value_t::number_integer:
      append_json_number(out, value.get<std::int64_t>());
      break;
    case Json::value_t::number_unsigned:
      append_json_number(out, value.get<std::uint64_t>());
      break;
    case Json::value_t::number_float:
      append_json_number(out, value.get<double>());
      break;
    default:
      out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

}  // namespace mcp::detail

#endif  // MCP_HTM_DETAIL_JSON_TEXT_HPP
