// mcp/error.hpp -- the closed set of dispatch error codes.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_ERROR_HPP
#define MCP_HTM_ERROR_HPP

#include <cstdint>
#include <string_view>
#include <system_error>

namespace mcp {

/// Why a dispatch did not produce the tool's value. The set is closed: callers may
/// switch over it exhaustively. The string forms (to_string) are the Python original's
/// `error_code` values and appear in every JSON error result.
enum class ErrorCode : std::uint8_t {
  category_not_found = 1,  ///< no category of that name is registered
  tool_not_found,          ///< the category exists but has no tool of that name
  invalid_params,          ///< the arguments do not match the tool's inputSchema
  tool_error,              ///< the tool threw; the message is the exception's
  circuit_open,            ///< the category's breaker rejected the call; see retry_after
  timeout,                 ///< the per-call, per-tool or batch deadline expired
  cancelled,               ///< the caller cancelled the call (Asio cancellation)
  shutting_down,           ///< graceful_shutdown() has started; no new calls
  load_failed,             ///< the category's lazy loader threw
  overloaded,              ///< the category's adaptive limit is reached; see retry_after_ms
};

/// The snake_case name of the code, e.g. "category_not_found".
[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;

/// The std::error_category of ErrorCode, named "mcp".
[[nodiscard]] const std::error_category& error_category() noexcept;

/// Makes ErrorCode usable wherever a std::error_code is expected.
[[nodiscard]] inline std::error_code make_error_code(ErrorCode code) noexcept {
  return {static_cast<int>(code), error_category()};
}

}  // namespace mcp

template <>
struct std::is_error_code_enum<mcp::ErrorCode> : std::true_type {};

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/error.ipp>
#endif

#endif  // MCP_HTM_ERROR_HPP
