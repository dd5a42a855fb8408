// mcp/request_context.hpp -- what a tool can do for the request that called it: report
// progress, send log messages, and ask the client (sampling, elicitation, roots), on that
// request's own stream.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_REQUEST_CONTEXT_HPP
#define MCP_HTM_REQUEST_CONTEXT_HPP

#include <mcp/json.hpp>
#include <mcp/log_level.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <asio/awaitable.hpp>

namespace mcp {

namespace metrics {
struct TraceContext;  // <mcp/metrics/trace_context.hpp>
}  // namespace metrics

/// Why a request to the client (RequestContext::ask_client and its helpers) got no answer.
class ClientRequestError : public std::runtime_error {
 public:
  enum class Reason : unsigned char {
    no_client,       ///< the call came from C++, not from a client
    not_supported,   ///< the client did not declare the capability the method needs
    timeout,         ///< no answer within the timeout (the request was cancelled)
    cancelled,       ///< the tool call itself was cancelled (so was the request)
    client_error,    ///< the client answered with a JSON-RPC error (code(), data())
    invalid_answer,  ///< the answer does not have the shape asked for (e.g. its schema)
  };
  ClientRequestError(Reason why, const std::string& message, int error_code = 0,
                     Json error_data = nullptr)
      : std::runtime_error(message),
        reason_(why),
        code_(error_code),
        data_(std::move(error_data)) {}
  [[nodiscard]] Reason reason() const noexcept { return reason_; }
  /// The client's JSON-RPC error code (Reason::client_error), else 0.
  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] const Json& data() const noexcept { return data_; }

 private:
  Reason reason_;
  int code_;
  Json data_;
};

/// The user's answer to an elicitation (`elicitation/create`, form mode).
struct ElicitResult {
  std::string action;  ///< "accept", "decline" or "cancel"
  Json content;        ///< on accept: the form's values (checked against the schema); else null
  [[nodiscard]] bool accepted() const noexcept { return action == "accept"; }
};

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
  /// Sends request `method` to the client on the request's stream and waits for the
  /// result (at most `timeout`). Throws ClientRequestError. The default: no client.
  [[nodiscard]] virtual asio::awaitable<Json> ask_client(std::string method, Json params,
                                                         std::chrono::milliseconds timeout);
  /// The W3C trace context the request carried (`params._meta.traceparent`), or null.
  /// The default: none. It must stay valid as long as the reporter.
  [[nodiscard]] virtual const metrics::TraceContext* trace_context() const noexcept {
    return nullptr;
  }
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
  /// How long ask_client() and its helpers wait for the client unless told otherwise.
  static constexpr std::chrono::milliseconds default_client_timeout{60'000};

  /// Sends a request to the client (on the calling request's stream: stdio, or the
  /// request's SSE stream over HTTP) and waits for its result, at most `timeout`; the
  /// request is cancelled (`notifications/cancelled`) when the call is cancelled or the
  /// time is up. Throws ClientRequestError: not_supported when the client did not declare
  /// the capability the method needs (`sampling`, `elicitation`, `roots`), no_client for
  /// a call from C++, timeout, cancelled, client_error.
  [[nodiscard]] asio::awaitable<Json> ask_client(
      std::string method, Json params,
      std::chrono::milliseconds timeout = default_client_timeout) const;
  /// `sampling/createMessage` with these params (`messages`, `maxTokens`, ...): the
  /// client's `CreateMessageResult` (`role`, `content`, `model`, `stopReason`).
  [[nodiscard]] asio::awaitable<Json> create_message(
      Json params, std::chrono::milliseconds timeout = default_client_timeout) const;
  /// `elicitation/create` in form mode: asks the user `message`, with a form described
  /// by `requested_schema` (an object schema of flat string, number, integer, boolean
  /// and enum properties; std::invalid_argument otherwise). An accepted answer whose
  /// content does not match the schema throws ClientRequestError (invalid_answer).
  [[nodiscard]] asio::awaitable<ElicitResult> elicit(
      std::string message, Json requested_schema,
      std::chrono::milliseconds timeout = default_client_timeout) const;
  /// `roots/list`: the client's roots (`[{"uri", "name"}]`).
  [[nodiscard]] asio::awaitable<Json> list_roots(
      std::chrono::milliseconds timeout = default_client_timeout) const;

  /// The W3C trace context of the request that made the call, or null (none, invalid,
  /// or a call from C++ whose reporter does not give one). Valid while this context is.
  [[nodiscard]] const metrics::TraceContext* trace_context() const noexcept {
    return reporter_ ? reporter_->trace_context() : nullptr;
  }

  /// True when the call came from a client (a reporter is attached).
  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(reporter_); }

 private:
  std::shared_ptr<RequestReporter> reporter_;
};

}  // namespace mcp

#ifdef MCP_HTM_HEADER_ONLY
#include <mcp/impl/request_context.ipp>
#endif

#endif  // MCP_HTM_REQUEST_CONTEXT_HPP
