// mcp/dispatch_parallel.hpp -- calls, options and results of a parallel dispatch.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DISPATCH_PARALLEL_HPP
#define MCP_HTM_DISPATCH_PARALLEL_HPP

#include <mcp/dispatch_result.hpp>
#include <mcp/json.hpp>
#include <mcp/request_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mcp {

/// One call of a tool: what `tools_dispatch` and each item of `tools_dispatch_parallel` carry.
struct ToolCall {
  std::string category;
  std::string tool;
  Json params = Json::object();
};

/// Options of a single dispatch. Set them with the chainable setters
/// (`CallOptions{}.with_timeout(5s)`): designated initializers that leave a member out
/// warn under GCC 12's -Wextra, and members are added over time.
struct CallOptions {
  /// Deadline of this call (coroutine tools only; the shortest of this, the tool's and
  /// the manager's default applies). Expiry cancels the tool and gives ErrorCode::timeout.
  /// It also bounds the wait for the category's lazy load (the load itself goes on).
  std::optional<std::chrono::milliseconds> timeout;
  /// The client request the call serves (progress and log messages of the tool go to it).
  RequestContext context;

  CallOptions& with_timeout(std::chrono::milliseconds limit) {
    timeout = limit;
    return *this;
  }
  CallOptions& with_context(RequestContext request) {
    context = std::move(request);
    return *this;
  }
};

/// Called exactly once for every call of a batch, as soon as its result is final, with
/// the call's index and that result -- the calls that ran, and also those that never
/// started (a stopped, cancelled or timed-out batch: `cancelled` / `timeout`; a batch
/// refused during shutdown: `shutting_down`), so the count of calls reported reaches
/// the batch's size before dispatch_parallel returns. Called on whichever pool thread
/// ran the call (the awaiting coroutine's for calls that never started), possibly
/// concurrently: it must be thread-safe and must not block (MCP progress notifications
/// hook in here).
using ResultCallback = std::function<void(std::size_t index, const DispatchResult& result)>;

/// Options of HierarchicalToolManager::dispatch_parallel.
/**
 * An aggregate with chainable setters: `ParallelOptions{}.with_max_concurrent(8)`
 * (GCC 12 warns on partial designated initializers under -Wextra).
 */
struct ParallelOptions {
  /// At most this many calls in flight: a sliding window (a new call starts the moment
  /// any running call ends). Empty: unbounded. 0 is refused (std::invalid_argument).
  std::optional<std::size_t> max_concurrent;
  /// True: every slot holds its own result, errors included. False: the first failing
  /// call cancels the calls not yet started and those in flight.
  bool return_exceptions = true;
  /// Deadline of the whole batch: calls still running are cancelled and read `timeout`,
  /// calls not yet started read `timeout` too, and so do calls still waiting for their
  /// category's lazy load (which goes on for later calls).
  std::optional<std::chrono::milliseconds> deadline;
  /// Optional: told about each slot's result once it is final (see ResultCallback).
  ResultCallback on_result;
  /// The client request the batch serves: each tool that takes a RequestContext gets it.
  RequestContext context;

  ParallelOptions& with_max_concurrent(std::size_t limit) {
    max_concurrent = limit;
    return *this;
  }
  ParallelOptions& with_return_exceptions(bool value) {
    return_exceptions = value;
    return *this;
  }
  ParallelOptions& with_deadline(std::chrono::milliseconds limit) {
    deadline = limit;
    return *this;
  }
  ParallelOptions& with_context(RequestContext request) {
    context = std::move(request);
    return *this;
  }
  ParallelOptions& with_on_result(ResultCallback callback) {
    on_result = std::move(callback);
    return *this;
  }
};

/// The results of dispatch_parallel: one DispatchResult per call, in call order.
struct BatchResult {
  std::vector<DispatchResult> results;
  /// Index of the first call to fail, in completion order (empty when none failed).
  /// With return_exceptions = false, the error that stopped the batch.
  std::optional<std::size_t> first_error;
  /// True when return_exceptions = false and a failure stopped the batch.
  bool stopped = false;

  [[nodiscard]] std::size_t size() const noexcept { return results.size(); }
  [[nodiscard]] const DispatchResult& operator[](std::size_t i) const { return results[i]; }
  [[nodiscard]] auto begin() const noexcept { return results.begin(); }
  [[nodiscard]] auto end() const noexcept { return results.end(); }
  [[nodiscard]] std::size_t succeeded() const noexcept;

  /// `{"status": "success", "results": [...], "total", "succeeded", "failed"}`; when the
  /// batch was stopped, `"status": "error"` with the first error's message and code.
  [[nodiscard]] Json to_json() const;
};

}  // namespace mcp

#endif  // MCP_HTM_DISPATCH_PARALLEL_HPP
