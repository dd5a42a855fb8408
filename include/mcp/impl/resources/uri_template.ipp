// mcp/impl/resources/uri_template.ipp -- RFC 6570 level 1-2 templates: parsing and matching.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/resources/uri_template.hpp>

#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace mcp {
namespace detail::uri_template_impl {

MCP_HTM_INLINE bool is_alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
MCP_HTM_INLINE bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}
MCP_HTM_INLINE int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
/// RFC 3986 unreserved: what a simple `{var}` expansion leaves unencoded.
MCP_HTM_INLINE bool is_unreserved(char c) noexcept {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/// RFC 6570 varname: varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct-encoded.
MCP_HTM_INLINE bool valid_varname(std::string_view name) noexcept {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (is_alnum(c) || c == '_') continue;
    if (c == '.' && name[i - 1] != '.') continue;
    if (c == '%' && i + 2 < name.size() && is_hex(name[i + 1]) && is_hex(name[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

/// `text` with each %XX decoded; nullopt for a malformed triplet.
MCP_HTM_INLINE std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2])) return std::nullopt;
    out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
    i += 2;
  }
  return out;
}

}  // namespace detail::uri_template_impl
using namespace detail::uri_template_impl;

MCP_HTM_INLINE UriTemplate::UriTemplate(std::string text) : text_(std::move(text)) {
  std::size_t i = 0;
  while (i < text_.size()) {
    const std::size_t open = text_.find('{', i);
    const std::size_t stray = text_.find('}', i);
    if (stray < open) {
      throw std::invalid_argument(
          fmt::format("URI template '{}': '}}' without '{{' at offset {}", text_, stray));
    }
    if (open == std::string::npos) {
      parts_.push_back({Kind::literal, text_.substr(i)});
      break;
    }
    if (open > i) parts_.push_back({Kind::literal, text_.substr(i, open - i)});
    const std::size_t close = text_.find('}', open);
    if (close == std::string::npos) {
      throw std::invalid_argument(
          fmt::format("URI template '{}': unclosed expression at offset {}", text_, open));
    }
    std::string_view expression(text_.data() + open + 1, close - open - 1);
    Kind kind = Kind::simple;
    if (!expression.empty() && (expression.front() == '+' || expression.front() == '#')) {
      kind = expression.front() == '+' ? Kind::reserved : Kind::fragment;
      expression.remove_prefix(1);
    } else if (!expression.empty() &&
               std::string_view("./;?&=,!@|").find(expression.front()) != std::string_view::npos) {
      throw std::invalid_argument(
          fmt::format("URI template '{}': operator '{}' is RFC 6570 level 3 or 4 (levels 1-2 "
                      "are supported: {{var}}, {{+var}}, {{#var}})",
                      text_, expression.front()));
    }
    if (!valid_varname(expression)) {
      throw std::invalid_argument(fmt::format(
          "URI template '{}': '{{{}}}' is not a variable name (letters, digits, '_', '.', "
          "one variable per expression)",
          text_, std::string_view(text_.data() + open + 1, close - open - 1)));
    }
    // Side by side, only a simple {var} and a {#var} can be told apart (by the '#').
    if (!parts_.empty() && parts_.back().kind != Kind::literal &&
        !(parts_.back().kind == Kind::simple && kind == Kind::fragment)) {
      throw std::invalid_argument(fmt::format(
          "URI template '{}': two expressions side by side cannot be told apart", text_));
    }
    parts_.push_back({kind, std::string(expression)});
    i = close + 1;
  }
}

MCP_HTM_INLINE std::vector<std::string> UriTemplate::variables() const {
  std::vector<std::string> names;
  for (const auto& part : parts_) {
    if (part.kind != Kind::literal) names.push_back(part.text);
  }
  return names;
}

MCP_HTM_INLINE std::optional<UriVariables> UriTemplate::match(std::string_view uri) const {
  UriVariables out;
  if (!match_from(0, uri, out)) return std::nullopt;
  return out;
}

MCP_HTM_INLINE bool UriTemplate::match_from(std::size_t index, std::string_view rest,
                                            UriVariables& out) const {
  if (index == parts_.size()) return rest.empty();
  const Part& part = parts_[index];
  if (part.kind == Kind::literal) {
    if (!rest.starts_with(part.text)) return false;
    return match_from(index + 1, rest.substr(part.text.size()), out);
  }
  if (part.kind == Kind::fragment) {
    // An undefined variable expands to nothing, '#' included.
    if (!rest.starts_with('#')) {
      if (!match_from(index + 1, rest, out)) return false;
      out.try_emplace(part.text, std::string());
      return true;
    }
    rest.remove_prefix(1);
  }
  // The longest run of characters the expansion may hold; then shorter ones (the literal
  // that follows decides where the value ends).
  std::size_t longest = 0;
  while (longest < rest.size()) {
    const char c = rest[longest];
    if (part.kind == Kind::simple && !is_unreserved(c) && c != '%') break;
    ++longest;
  }
  for (std::size_t length = longest + 1; length-- > 0;) {
    if (part.kind == Kind::simple && length == 0) break;  // {var} matches a non-empty value
    if (!match_from(index + 1, rest.substr(length), out)) continue;
    auto decoded = percent_decode(rest.substr(0, length));
    if (!decoded) return false;
    out[part.text] = std::move(*decoded);
    return true;
  }
  return false;
}

}  // namespace mcp
