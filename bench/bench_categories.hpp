// bench/bench_categories.hpp -- the tool categories the benchmarks dispatch to.
// Copyright (c) 2026 the mcp-htm authors
// SPDX-License-Identifier: MIT
//
// Three categories, each as small as a real tool can be, so that what the benches
// measure is the manager's own cost (lookup, argument validation, breaker, handler
// call, result) and nothing else:
//
//  - "noop"       tool "noop": a synchronous handler that returns null at once (the
//                 Python guide's no-op category).
//  - "noop_async" tool "noop": a coroutine handler (asio::awaitable<Json>) that
//                 co_returns null without suspending.
//  - "timer"      tool "wait": a coroutine handler that waits `ms` milliseconds on an
//                 asio::steady_timer (it suspends; nothing blocks a thread). When the
//                 category is given a WaitLog and the call carries an index `i`, the
//                 handler records how long the timer really took, so that the bench can
//                 separate timer slack (the OS) from scheduling overhead (the manager).
#ifndef MCP_HTM_BENCH_CATEGORIES_HPP
#define MCP_HTM_BENCH_CATEGORIES_HPP

#include <mcp/json.hpp>
#include <mcp/tool_category.hpp>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mcp::bench {

inline constexpr const char* kNoopCategory = "noop";
inline constexpr const char* kNoopAsyncCategory = "noop_async";
inline constexpr const char* kTimerCategory = "timer";
inline constexpr const char* kNoopTool = "noop";
inline constexpr const char* kWaitTool = "wait";

/// A synchronous no-op tool: the fast path (no coroutine frame, no hop).
class NoopCategory : public ToolCategory {
 public:
  NoopCategory() : ToolCategory(kNoopCategory, "Benchmark: synchronous no-op tools") {
    add_tool(ToolSpec(kNoopTool, "Return null at once (synchronous)"),
             [](Json) { return Json(); });
  }
};

/// A coroutine no-op tool: what a coroutine handler costs when it does not suspend.
class NoopAsyncCategory : public ToolCategory {
 public:
  NoopAsyncCategory() : ToolCategory(kNoopAsyncCategory, "Benchmark: coroutine no-op tools") {
    add_tool(ToolSpec(kNoopTool, "Return null at once (coroutine)"),
             [](Json) -> asio::awaitable<Json> { co_return Json(); });
  }
};

/// Per-call record of how long each timer wait really lasted (nanoseconds), indexed by
/// the call's `i` argument. Written by the tool, read by the bench after the batch.
class WaitLog {
 public:
  explicit WaitLog(std::size_t n) : actual_ns_(n) {}
  void reset() {
    for (auto& v : actual_ns_) v.store(0, std::memory_order_relaxed);
  }
  void record(std::size_t i, std::int64_t ns) {
    if (i < actual_ns_.size()) actual_ns_[i].store(ns, std::memory_order_relaxed);
  }
  [[nodiscard]] std::int64_t actual_ns(std::size_t i) const {
    return actual_ns_[i].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t size() const noexcept { return actual_ns_.size(); }

 private:
  std::vector<std::atomic<std::int64_t>> actual_ns_;
};

/// A tool that waits `ms` milliseconds on a steady_timer: a stand-in for I/O latency.
class TimerCategory : public ToolCategory {
 public:
  explicit TimerCategory(std::shared_ptr<WaitLog> log = nullptr)
      : ToolCategory(kTimerCategory, "Benchmark: tools that wait on a timer") {
    add_tool(ToolSpec(kWaitTool, "Wait `ms` milliseconds on a timer, then return null",
                       Json::parse(R"({
                         "type": "object",
                         "properties": {"ms": {"type": "number", "minimum": 0},
                                        "i": {"type": "integer", "minimum": 0}},
                         "required": ["ms"]
                       })")),
             [log = std::move(log)](Json args) -> asio::awaitable<Json> {
               using clock = std::chrono::steady_clock;
               const auto wait = std::chrono::duration<double, std::milli>(args["ms"].get<double>());
               const auto start = clock::now();
               asio::steady_timer timer(co_await asio::this_coro::executor,
                                        std::chrono::duration_cast<clock::duration>(wait));
               co_await timer.async_wait(asio::use_awaitable);
               if (log && args.contains("i")) {
                 log->record(args["i"].get<std::size_t>(),
                             std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start)
                                 .count());
               }
               co_return Json();
             });
  }
};

}  // namespace mcp::bench

#endif  // MCP_HTM_BENCH_CATEGORIES_HPP
