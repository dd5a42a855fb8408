// mcp/log_level.hpp -- MCP log levels (RFC 5424 severities).
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_LOG_LEVEL_HPP
#define MCP_HTM_LOG_LEVEL_HPP

#include <cstdint>
#include <optional>
#include <string_view>

namespace mcp {

/// MCP log levels (RFC 5424 severities), lowest first.
enum class LogLevel : std::uint8_t {
  debug,
  info,
  notice,
  warning,
  error,
  critical,
  alert,
  emergency
};

/// "debug", "info", ..., "emergency".
[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;
/// The level of that name, or nothing.
[[nodiscard]] std::optional<LogLevel> parse_log_level(std::string_view name) noexcept;

}  // namespace mcp

#endif  // MCP_HTM_LOG_LEVEL_HPP
