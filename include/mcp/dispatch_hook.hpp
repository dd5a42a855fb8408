// mcp/dispatch_hook.hpp -- a callback around each dispatch, for tracing (OpenTelemetry
// spans, logs) without the library depending on a tracing SDK.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
#ifndef MCP_HTM_DISPATCH_HOOK_HPP
#define MCP_HTM_DISPATCH_HOOK_HPP

#include <mcp/dispatch_result.hpp>
#include <mcp/metrics/trace_context.hpp>

#include <chrono>
#include <string_view>

namespace mcp {

/// One call, as a DispatchHook sees it. The views are valid for the duration of each
/// hook callback only (copy what you keep); `user_data` is the hook's own: set it in
/// on_start (e.g. to the span it opened) and read it back in on_end.
struct DispatchEvent {
  std::string_view category;
  std::string_view tool;
  /// The W3C trace context of the request that made the call (`params._meta.traceparent`
  /// of its `tools/call`, see RequestContext::trace_context()); null when there is none.
  const metrics::TraceContext* trace = nullptr;
  /// When on_start ran.
  std::chrono::steady_clock::time_point start{};
  /// The hook's own pointer, paired from on_start to on_end of the same call.
  void* user_data = nullptr;
};

/// Called around every call the manager admits (HierarchicalToolManager::dispatch and
/// each call of dispatch_parallel), set with ManagerOptions::hook.
/**
 * Every on_start is followed by exactly one on_end for the same event, whatever the
 * outcome: success, a tool error, a timeout, a cancellation, or a batch that stopped
 * while the call waited for a worker (then on_end reports `cancelled`). Calls refused
 * before they are admitted (the manager is shutting down) and the calls a fail-fast
 * batch stopped before reaching them reach neither.
 *
 * Both run on whichever executor thread runs the call, and on_end may run on another
 * thread than on_start: pair them through `user_data`, not thread-local state. Calls of
 * one batch run concurrently, so a hook must be thread-safe. Both must be quick and must
 * not throw (they are noexcept): they run inline on the dispatch path.
 *
 * For a call of a batch that waits for a worker (a coroutine tool, a lazy load), the
 * span from on_start to on_end includes that wait; DispatchResult::duration measures
 * from the moment a worker started the call.
 */
class DispatchHook {
 public:
  virtual ~DispatchHook() = default;
  /// The call is about to be resolved and run.
  virtual void on_start(DispatchEvent& event) noexcept = 0;
  /// The call's result is final: `result.ok()`, else `result.error().code`;
  /// `result.duration` is the call's own time.
  virtual void on_end(const DispatchEvent& event, const DispatchResult& result) noexcept = 0;
};

}  // namespace mcp

#endif  // MCP_HTM_DISPATCH_HOOK_HPP
