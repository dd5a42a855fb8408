// mcp/request_context.hpp -- what a tool can do for the request that called it: report
// progress and send log messages to the client, on that request's own stream.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_REQUEST_CONTEXT_HPP
#define MCP_HTM_REQUEST_CONTEXT_HPP

#include <mcp/json.hpp>
#include <mcp/log_level.hpp>

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

namespace mcp {

/// The protocol layer's side of a RequestContext (implemented by mcp::Server; tests and
/// host applications may implement it to observe a tool). Thread-safe; never blocks.
class RequestReporter {
 public:
  virtual ~RequestReporter() = default;
  /// Sends `notifications/progress` for the request (only when it carries a token).
  virtual void progress(double progress, std::optional<double> total, std::string_view message) = 0;
  /// Sends `notifications/message` related to the request (subject to the client's level).
  virtual void log(LogLevel level, std::string_view logger, const Json& data) = 0;
  /// True when the client asked for progress (the request has a progressToken).
  [[nodiscard]] virtual bool wants_progress() const noexcept = 0;
};

/// Handed to tools whose handler takes it as a second parameter:
/// @code
/// add_tool(spec, [](mcp::Json args, mcp::RequestContext ctx) -> asio::awaitable<mcp::Json> {
///   ctx.progress(1, 3, "fetched");
///   ctx.log(mcp::LogLevel::info, "my-tool", "halfway");
///   co_return "done";
/// });
/// @endcode
/// Over Streamable HTTP these messages go out on the stream of the request that made
/// the call (the response is upgraded to `text/event-stream`), so they reach the client
/// before the result. Cancellation is Asio's: a coroutine tool reads it with
/// `co_await asio::this_coro::cancellation_state`, and any awaited operation ends with
/// `operation_aborted` when the client cancels the call.
/// A default-constructed context (a call from C++ without a client) does nothing.
/// Copies are cheap (one shared pointer) and may outlive the call: late reports are dropped.
class RequestContext {
 public:
  RequestContext() = default;
  explicit RequestContext(std::shared_ptr<RequestReporter> reporter) noexcept
      : reporter_(std::move(reporter)) {}

  /// Reports progress (`progress` must increase from one report to the next).
  void progress(double done, std::optional<double> total = std::nullopt,
                std::string_view message = {}) const {
    if (reporter_) reporter_->progress(done, total, message);
  }
  /// Sends a log message to the client (and the local log).
  void log(LogLevel level, std::string_view logger, const Json& data) const {
    if (reporter_) reporter_->log(level, logger, data);
  }
  /// True when the client asked for progress reports.
  [[nodiscard]] bool wants_progress() const noexcept {
    return reporter_ && reporter_->wants_progress();
  }
  /// True when the call came from a client (a reporter is attached).
  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(reporter_); }

 private:
  std::shared_ptr<RequestReporter> reporter_;
};

}  // namespace mcp

#endif  // MCP_HTM_REQUEST_CONTEXT_HPP
