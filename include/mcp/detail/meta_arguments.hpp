// mcp/detail/meta_arguments.hpp -- a quick acceptance check of the arguments of the
// `tools_dispatch` meta-tool, ahead of the JSON Schema validation.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DETAIL_META_ARGUMENTS_HPP
#define MCP_HTM_DETAIL_META_ARGUMENTS_HPP

#include <mcp/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mcp::detail {

/// Longest category or tool name the meta-tools accept, and the longest deadline.
inline constexpr std::size_t max_meta_name_length = 128;
inline constexpr std::int64_t max_meta_timeout_ms = 86'400'000;

/// True when `value` is a name as the meta-tools' schema describes it: a string of 1 to
/// 128 characters from `[A-Za-z0-9_.-]`.
[[nodiscard]] inline bool is_meta_name(const Json& value) noexcept {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty() || text.size() > max_meta_name_length) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/// True only when the `tools_dispatch` inputSchema certainly accepts `args`:
/// `{category, tool[, params: object][, timeout_ms: integer 1..86400000]}` (10.0 is an
/// integer too) and nothing else. False means "not sure": the caller runs the schema
/// validation, which also names what is wrong. Validating through valijson costs several
/// microseconds (the name pattern runs a regex), more than the rest of a synchronous call; this
/// check is a few dozen nanoseconds. server_test checks that it never accepts what the schema
/// rejects.
[[nodiscard]] inline bool plainly_valid_dispatch_arguments(const Json& args) noexcept {
  if (!args.is_object()) return false;
  bool has_category = false;
  bool has_tool = false;
  for (const auto& [key, value] : args.items()) {
    if (key == "category") {
      if (!is_meta_name(value)) return false;
      has_category = true;
    } else if (key == "tool") {
      if (!is_meta_name(value)) return false;
      has_tool = true;
    } else if (key == "params") {
      if (!value.is_object()) return false;
    } else if (key == "timeout_ms") {
      if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() < 1 || value.get<std::uint64_t>() > max_meta_timeout_ms)
          return false;
      } else if (value.is_number_integer()) {
        if (value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > max_meta_timeout_ms)
          return false;
      } else if (value.is_number_float()) {
        // JSON Schema (draft 6 on) counts a number with a zero fraction as an integer.
        const double ms = value.get<double>();
        if (!(ms >= 1 && ms <= static_cast<double>(max_meta_timeout_ms)) || ms != std::floor(ms))
          return false;
      } else {
        return false;
      }
    } else {
      return false;
    }
  }
  return has_category && has_tool;
}

}  // namespace mcp::detail

#endif  // MCP_HTM_DETAIL_META_ARGUMENTS_HPP
