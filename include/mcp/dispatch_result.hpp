// mcp/dispatch_result.hpp -- the typed result of one tool dispatch.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DISPATCH_RESULT_HPP
#define MCP_HTM_DISPATCH_RESULT_HPP

#include <mcp/error.hpp>
#include <mcp/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace mcp {

/// Why a dispatch failed: a code from the closed set, a message that says what was
/// asked, what went wrong and what the caller can do, and structured details.
struct DispatchError {
  ErrorCode code = ErrorCode::cancelled;
  std::string message;
  /// A JSON object merged into the JSON form, e.g. {"available_categories": [...]},
  /// {"errors": [{"pointer": "/x", "reason": "..."}]} or {"retry_after_ms": 1200};
  /// null when there is nothing to add.
  Json details;
};

/// The result of HierarchicalToolManager::dispatch: the tool's value or a DispatchError,
/// with the call's identity and timing. A tool's exception never escapes dispatch: it
/// arrives here as ErrorCode::tool_error.
/**
 * A default-constructed result is the `cancelled` error of a call that never started
 * (what dispatch_parallel leaves in the slots of calls a cancellation prevented).
 */
class DispatchResult {
 public:
  /// A call that never started: ErrorCode::cancelled.
  DispatchResult();

  /// A successful call returning `value`.
  [[nodiscard]] static DispatchResult success(Json value) {
    DispatchResult result;
    result.set_value(std::move(value));
    return result;
  }

  /// A failed call.
  [[nodiscard]] static DispatchResult failure(ErrorCode code, std::string message,
                                              Json details = nullptr) {
    DispatchResult result;
    result.set_error(code, std::move(message), std::move(details));
    return result;
  }

  /// Makes this a success holding `value`.
  void set_value(Json value) noexcept {
    value_ = std::move(value);
    error_.reset();
  }

  /// Makes this a failure.
  void set_error(ErrorCode code, std::string message, Json details = nullptr) {
    value_ = nullptr;
    error_.emplace(DispatchError{code, std::move(message), std::move(details)});
  }

  /// True when the tool ran and returned a value.
  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  /// The tool's value. Precondition: ok(); throws std::logic_error otherwise.
  [[nodiscard]] const Json& value() const&;
  [[nodiscard]] Json&& value() &&;

  /// The error. Precondition: !ok(); throws std::logic_error otherwise.
  [[nodiscard]] const DispatchError& error() const;

  /// The error's code. Precondition: !ok().
  [[nodiscard]] ErrorCode code() const { return error().code; }

  /// The category and tool asked for.
  std::string category;
  std::string tool;
  /// Unique per manager, increasing; 0 for calls that never started.
  std::uint64_t request_id = 0;
  /// From admission to the end of the call (0 for calls that never started).
  std::chrono::nanoseconds duration{0};
  /// Set when the tool is deprecated: "tool 'x' is deprecated: <message>".
  std::string warning;

  /// The Python-compatible JSON shape:
  /// `{"status": "success", "result": ..., "category", "tool", "request_id", "duration_ms"}`
  /// or `{"status": "error", "error": message, "error_code": "...", ...details}`.
  [[nodiscard]] Json to_json() const;
  /// to_json() written as JSON text, without building the Json tree (for servers that
  /// send the shape as it is: a few hundred nanoseconds less per call). Parses back to
  /// a value equal to to_json().
  [[nodiscard]] std::string to_json_text() const;

 private:
  Json value_;
  std::optional<DispatchError> error_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/dispatch_result.ipp>
#endif

#endif  // MCP_HTM_DISPATCH_RESULT_HPP
