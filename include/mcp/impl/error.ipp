// mcp/impl/error.ipp -- names of mcp::ErrorCode.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#pragma once

#include <mcp/detail/config.hpp>
#include <mcp/error.hpp>

#include <string>

namespace mcp {

MCP_HTM_INLINE std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::category_not_found:
      return "category_not_found";
    case ErrorCode::tool_not_found:
      return "tool_not_found";
    case ErrorCode::invalid_params:
      return "invalid_params";
    case ErrorCode::tool_error:
      return "tool_error";
    case ErrorCode::circuit_open:
      return "circuit_open";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::cancelled:
      return "cancelled";
    case ErrorCode::shutting_down:
      return "shutting_down";
    case ErrorCode::load_failed:
      return "load_failed";
    case ErrorCode::overloaded:
      return "overloaded";
  }
  return "unknown";
}

namespace detail::error_impl {
class ErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "mcp"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<ErrorCode>(value)));
  }
};
}  // namespace detail::error_impl
using namespace detail::error_impl;

MCP_HTM_INLINE const std::error_category& error_category() noexcept {
  static const ErrorCategory category;
  return category;
}

}  // namespace mcp
